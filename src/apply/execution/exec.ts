/**
 * The only door to the outside world: every process the applier runs goes through an `Exec`.
 * The real one spawns processes; tests pass a fake that records argv and stdin and answers from a
 * script (see testing/fakeExec.ts; testing/fakeKernel.ts and testing/fakeNftables.ts are whole
 * in-memory kernels), so planning and ordering are tested without a kernel.
 */
import { spawn } from "node:child_process";

/** What a finished command returned. `code` 127 means the program was not found. */
export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs one program (no shell) with `stdin` on its standard input. */
export interface Exec {
  run(argv: readonly string[], stdin?: string): Promise<ExecResult>;
}

/** Exit code for "program not found", as a shell reports it. */
export const NOT_FOUND = 127;

export interface SpawnExecOptions {
  /**
   * Words put in front of every argv, e.g. `["ip", "netns", "exec", "ns1"]` to run everything in
   * another network namespace (tests, benchmarks). Empty by default.
   */
  readonly prefix?: readonly string[];
}

/** `ip netns exec` reports a missing program this way (exit 1) instead of exiting 127. */
const NETNS_NOT_FOUND = /^exec of ".*" failed: No such file or directory/m;

/** The real `Exec`: node:child_process `spawn`, output collected as UTF-8. */
export function spawnExec(options: SpawnExecOptions = {}): Exec {
  const prefix = options.prefix ?? [];
  return {
    run(argv, stdin = "") {
      const [command, ...args] = [...prefix, ...argv];
      if (command === undefined) return Promise.reject(new Error("internal error: empty argv"));
      return new Promise((resolve) => {
        const child = spawn(command, args, { stdio: ["pipe", "pipe", "pipe"] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        child.stdout.on("data", (b: Buffer) => out.push(b));
        child.stderr.on("data", (b: Buffer) => err.push(b));
        child.on("error", (e: NodeJS.ErrnoException) => {
          resolve({ code: e.code === "ENOENT" ? NOT_FOUND : 126, stdout: "", stderr: `${command}: ${e.message}\n` });
        });
        child.on("close", (code, signal) => {
          const stderr = Buffer.concat(err).toString("utf8");
          const found = !(prefix.length > 0 && code === 1 && NETNS_NOT_FOUND.test(stderr));
          resolve({ code: found ? (code ?? (signal === null ? 1 : 128)) : NOT_FOUND, stdout: Buffer.concat(out).toString("utf8"), stderr });
        });
        // A program that exits without reading its input closes the pipe early: not our error.
        child.stdin.on("error", () => {});
        child.stdin.end(stdin);
      });
    },
  };
}
