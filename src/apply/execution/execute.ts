/**
 * Runs a plan: sets first, then every rules step validated (`--test`, `--check`) before any is
 * committed, then the commits, then the cleanup. If any step fails, `rollback` is called to put
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

/** What went wrong, and whether the node was put back. */
export interface ExecuteFailure {
  readonly error: StepError;
  /** True when the rollback ran and succeeded (or there was nothing to undo). */
  readonly restored: boolean;
  readonly rollbackError?: StepError | Error;
}

/**
 * Executes `plan` with `exec`. Returns undefined on success, or the failure after rolling back.
 * Order: `sets` steps; every check run of a `rules` step; the `rules` commits; `cleanup`.
 * Nothing is written before every check passed, except the set creations the checks need (a
 * rule naming a missing set fails `--test`), which the rollback removes.
 */
export async function executePlan(plan: Plan, exec: Exec, rollback: Rollback): Promise<ExecuteFailure | undefined> {
  let wrote = false;
  try {
    for (const step of plan.steps.filter((s) => s.phase === "sets")) {
      wrote = true;
      await runStep(exec, step, step.argv, step.label);
    }
    for (const step of plan.steps.filter((s) => s.phase === "rules")) {
      if (step.checkArgv !== undefined) await runStep(exec, step, step.checkArgv, `${step.label} (validation)`);
    }
    for (const step of plan.steps.filter((s) => s.phase !== "sets")) {
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
