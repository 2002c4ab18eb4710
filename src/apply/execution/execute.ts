/**
 * Runs a plan: sets first (all their steps at once), then every rules step validated (`--test`,
 * `--check`) before any is committed, then the commits, then the cleanup. If any step fails, `rollback` is called to put
 * the node back as it was, and the step's error is thrown (with the rollback's own failure, if
 * it failed too).
 */
import type { Exec } from "./exec.js";
import type { Plan, PlanStep } from "../planning/plan.js";
import { StepError, stepError } from "./stepError.js";

/** Puts the node back as it was before the plan started; may throw a StepError. */
export type Rollback = () => Promise<void>;

async function runStep(exec: Exec, step: PlanStep, argv: readonly string[], label: string): Promise<void> {
  const result = await exec.run(argv, step.stdin);
  if (result.code !== 0) throw stepError(label, argv, result, step.stdin);
}

/**
 * Runs `runs` at once (each started in order) and waits for all of them; then throws the failure
 * of the first in order that failed, if any. Waiting for every one keeps a rollback from running
 * beside a run still under way.
 */
async function together(runs: readonly (() => Promise<void>)[]): Promise<void> {
  const settled = await Promise.allSettled(runs.map((r) => r()));
  for (const s of settled) if (s.status === "rejected") throw s.reason;
}

/** What went wrong, and whether the node was put back. */
export interface ExecuteFailure {
  readonly error: StepError;
  /** True when the rollback ran and succeeded (or there was nothing to undo). */
  readonly restored: boolean;
  readonly rollbackError?: StepError | Error;
}

export interface ExecuteOptions {
  /** Run the `rules` commits all at once instead of in plan order (their checks run at once anyway). */
  readonly commitsTogether?: boolean;
}

/**
 * Executes `plan` with `exec`. Returns undefined on success, or the failure after rolling back.
 * Order: `sets` steps (all at once); every check run of a `rules` step (all at once: they write
 * nothing); the `rules` commits, one after the other (or all at once, `commitsTogether`); `cleanup`.
 * Nothing is written before every check passed, except the set creations the checks need (a
 * rule naming a missing set fails `--test`), which the rollback removes. On a fresh node of
 * shape L each family's check takes seconds; on two cores, running them side by side can save
 * about half of that. The set members are written before the checks start, not beside them: on
 * shape L the fill beside both checks took about twice its CPU (9.9 s against 5.2 s alone; not
 * traced further, probably contention in the kernel between the two) and all ended 5 s later
 * than the fill followed by the checks (10.7 s against 5.6 s, measured by hand).
 */
export async function executePlan(plan: Plan, exec: Exec, rollback: Rollback, options: ExecuteOptions = {}): Promise<ExecuteFailure | undefined> {
  let wrote = false;
  try {
    // The sets steps at once: each names sets no other one does (planning/plan.ts). A large
    // fill comes as two (planIptables.ts `setSteps`), so that both cores parse it.
    const sets = plan.steps.filter((s) => s.phase === "sets");
    if (sets.length > 0) wrote = true;
    await together(sets.map((step) => () => runStep(exec, step, step.argv, step.label)));
    const rules = plan.steps.filter((s) => s.phase === "rules");
    await together(rules.flatMap((step) => (step.checkArgv === undefined ? [] : [() => runStep(exec, step, step.checkArgv!, `${step.label} (validation)`)])));
    if (rules.length > 0) wrote = true;
    // The commits one after the other, in plan order, unless the caller says they may run at
    // once (iptablesBackend.ts: iptables-nft, and iptables-legacy under a held xtables lock); a
    // failure then waits for the others before the rollback.
    if (options.commitsTogether === true) await together(rules.map((step) => () => runStep(exec, step, step.argv, step.label)));
    else for (const step of rules) await runStep(exec, step, step.argv, step.label);
    for (const step of plan.steps.filter((s) => s.phase === "cleanup")) {
      wrote = true;
      await runStep(exec, step, step.argv, step.label);
    }
    return undefined;
  } catch (e) {
    if (!(e instanceof StepError)) throw e;
    if (!wrote) return { error: e, restored: true };
    try {
      await rollback();
      return { error: e, restored: true };
    } catch (r) {
      return { error: e, restored: false, rollbackError: r as Error };
    }
  }
}
