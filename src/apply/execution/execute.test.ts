import { describe, expect, it } from "vitest";
import type { Plan, PlanStep } from "../planning/plan.js";
import { emptySummary } from "../planning/plan.js";
import type { Exec, ExecResult } from "./exec.js";
import { executePlan } from "./execute.js";

const step = (phase: PlanStep["phase"], tool: string, check: boolean): PlanStep => ({
  phase,
  label: tool,
  argv: [tool, "--noflush"],
  ...(check ? { checkArgv: [tool, "--test", "--noflush"] } : {}),
  stdin: "*filter\nCOMMIT\n",
});

const plan = (mode: "nft" | "legacy"): Plan => ({
  backend: "iptables",
  mode,
  steps: [step("sets", "ipset", false), step("rules", "iptables-restore", mode === "nft"), step("rules", "ip6tables-restore", mode === "nft"), step("cleanup", "ipset", false)],
  summary: emptySummary,
  refusals: [],
});

/** An Exec whose runs end only when the test says, recording what started and in which order. */
function heldExec(fail: (argv: string) => boolean = () => false): Exec & { started: string[]; running: () => string[]; finishAll: () => void } {
  const started: string[] = [];
  const pending = new Map<string, () => void>();
  return {
    started,
    running: () => [...pending.keys()],
    finishAll: () => {
      const all = [...pending.values()];
      pending.clear();
      all.forEach((f) => f());
    },
    run(argv) {
      const command = argv.join(" ");
      started.push(command);
      return new Promise<ExecResult>((resolve) => pending.set(command, () => resolve({ code: fail(command) ? 1 : 0, stdout: "", stderr: "" })));
    },
  };
}

/** Lets every run that is pending now finish, turn by turn, until the plan is done. */
async function drive(exec: ReturnType<typeof heldExec>, done: Promise<unknown>, seen: string[][]): Promise<void> {
  let over = false;
  void done.then(() => (over = true));
  while (!over) {
    await new Promise((r) => setImmediate(r));
    if (exec.running().length > 0) seen.push(exec.running().sort());
    exec.finishAll();
  }
}

describe("executePlan", () => {
  it("with iptables-nft, runs both families' checks at once, then the commits one after the other", async () => {
    const exec = heldExec();
    const seen: string[][] = [];
    const result = executePlan(plan("nft"), exec, () => Promise.resolve());
    await drive(exec, result, seen);
    expect(await result).toBeUndefined();
    expect(seen).toEqual([["ipset --noflush"], ["ip6tables-restore --test --noflush", "iptables-restore --test --noflush"], ["iptables-restore --noflush"], ["ip6tables-restore --noflush"], ["ipset --noflush"]]);
    // Started in plan order.
    expect(exec.started).toEqual(["ipset --noflush", "iptables-restore --test --noflush", "ip6tables-restore --test --noflush", "iptables-restore --noflush", "ip6tables-restore --noflush", "ipset --noflush"]);
  });

  it("with iptables-legacy (no checks), commits one table after the other", async () => {
    const exec = heldExec();
    const seen: string[][] = [];
    const result = executePlan(plan("legacy"), exec, () => Promise.resolve());
    await drive(exec, result, seen);
    expect(seen).toEqual([["ipset --noflush"], ["iptables-restore --noflush"], ["ip6tables-restore --noflush"], ["ipset --noflush"]]);
  });

  it("with commitsTogether, starts every table's commit at once, and a failure rolls back only once all are done", async () => {
    const exec = heldExec();
    const seen: string[][] = [];
    const result = executePlan(plan("legacy"), exec, () => Promise.resolve(), { commitsTogether: true });
    await drive(exec, result, seen);
    expect(seen).toEqual([["ipset --noflush"], ["ip6tables-restore --noflush", "iptables-restore --noflush"], ["ipset --noflush"]]);
    const failing = heldExec((c) => c === "iptables-restore --noflush");
    const events: string[] = [];
    const failed = executePlan(plan("legacy"), failing, () => Promise.resolve(void events.push(`rollback while running: ${failing.running().join(",")}`)), { commitsTogether: true });
    await drive(failing, failed, []);
    expect((await failed)?.error.label).toBe("iptables-restore");
    expect(events).toEqual(["rollback while running: "]);
  });

  it("a failed check commits nothing, and reports the first failing step in plan order", async () => {
    const exec = heldExec((c) => c.includes("--test"));
    const rolledBack: string[] = [];
    const result = executePlan(plan("nft"), exec, () => Promise.resolve(void rolledBack.push("rollback")));
    await drive(exec, result, []);
    const failure = await result;
    expect(failure?.error.label).toBe("iptables-restore (validation)");
    expect(exec.started.filter((c) => c.endsWith("restore --noflush"))).toEqual([]);
    expect(rolledBack).toEqual(["rollback"]);
  });

  it("a failed IPv6 commit rolls back after the IPv4 one, with nothing running", async () => {
    const exec = heldExec((c) => c === "ip6tables-restore --noflush");
    const events: string[] = [];
    const result = executePlan(plan("nft"), exec, () => {
      events.push(`rollback while running: ${exec.running().join(",")}`);
      return Promise.resolve();
    });
    await drive(exec, result, []);
    const failure = await result;
    expect(failure?.error.label).toBe("ip6tables-restore");
    expect(failure?.restored).toBe(true);
    expect(events).toEqual(["rollback while running: "]);
    // The set creation ran; the cleanup did not.
    expect(exec.started.filter((c) => c === "ipset --noflush")).toHaveLength(1);
  });

  it("runs the sets steps at once, before any check; a failed one rolls back once the other is done, with nothing committed", async () => {
    const twoFills = (): Plan => ({ ...plan("nft"), steps: [step("sets", "ipset-1", false), step("sets", "ipset-2", false), ...plan("nft").steps.slice(1)] });
    const exec = heldExec();
    const seen: string[][] = [];
    const result = executePlan(twoFills(), exec, () => Promise.resolve());
    await drive(exec, result, seen);
    expect(await result).toBeUndefined();
    expect(seen[0]).toEqual(["ipset-1 --noflush", "ipset-2 --noflush"]);
    expect(seen[1]).toEqual(["ip6tables-restore --test --noflush", "iptables-restore --test --noflush"]);
    const failing = heldExec((c) => c === "ipset-1 --noflush");
    const events: string[] = [];
    const failed = executePlan(twoFills(), failing, () => Promise.resolve(void events.push(`rollback while running: ${failing.running().join(",")}`)));
    await drive(failing, failed, []);
    expect((await failed)?.error.label).toBe("ipset-1");
    expect((await failed)?.restored).toBe(true);
    expect(events).toEqual(["rollback while running: "]);
    expect(failing.started).toEqual(["ipset-1 --noflush", "ipset-2 --noflush"]);
  });
});
