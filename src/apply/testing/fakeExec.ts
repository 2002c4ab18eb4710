/**
 * A scripted `Exec` for unit tests: records every call (argv and stdin) and answers with the
 * first matching scripted reply, or with exit 0 and no output.
 */
import type { Exec, ExecResult } from "../execution/exec.js";

export interface ExecCall {
  readonly argv: readonly string[];
  readonly stdin: string;
}

/** A reply for calls whose argv, joined by spaces, matches `match` (a prefix or a RegExp). */
export interface ScriptedReply {
  readonly match: string | RegExp;
  readonly reply: Partial<ExecResult> | ((call: ExecCall) => Partial<ExecResult>);
  /** Answer only this many matching calls (default: all). */
  times?: number;
}

export interface FakeExec extends Exec {
  readonly calls: ExecCall[];
  /** Adds a reply; later replies take precedence over earlier ones. */
  on(match: string | RegExp, reply: ScriptedReply["reply"], times?: number): FakeExec;
}

function matches(match: string | RegExp, command: string): boolean {
  return typeof match === "string" ? command === match || command.startsWith(`${match} `) : match.test(command);
}

export function fakeExec(): FakeExec {
  const replies: ScriptedReply[] = [];
  const calls: ExecCall[] = [];
  const fake: FakeExec = {
    calls,
    on(match, reply, times) {
      replies.unshift(times === undefined ? { match, reply } : { match, reply, times });
      return fake;
    },
    run(argv, stdin = "") {
      const call = { argv: [...argv], stdin };
      calls.push(call);
      const command = argv.join(" ");
      const scripted = replies.find((r) => (r.times === undefined || r.times > 0) && matches(r.match, command));
      if (scripted?.times !== undefined) scripted.times--;
      const reply = typeof scripted?.reply === "function" ? scripted.reply(call) : (scripted?.reply ?? {});
      return Promise.resolve({ code: reply.code ?? 0, stdout: reply.stdout ?? "", stderr: reply.stderr ?? "" });
    },
  };
  return fake;
}
