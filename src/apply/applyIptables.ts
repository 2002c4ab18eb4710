/**
 * `apply` for the iptables backend: read the node, plan, and (unless dry run) execute with
 * rollback to the state read at the start.
 */
import type { Ir } from "../compiler/ir/types.js";
import { desiredIptablesState } from "./desiredIptables.js";
import type { Exec } from "./exec.js";
import type { ExecuteFailure } from "./execute.js";
import { executePlan } from "./execute.js";
import type { Plan } from "./plan.js";
import { planIptables } from "./planIptables.js";
import type { IptablesMode } from "./readIptablesState.js";
import { detectIptablesMode, readIptablesState } from "./readIptablesState.js";
import { snapshotAsDesired } from "./snapshot.js";

export interface IptablesApplyOptions {
  readonly exec: Exec;
  /** Overrides the detection of iptables-legacy vs iptables-nft. */
  readonly mode?: IptablesMode;
  readonly dryRun: boolean;
  readonly waitSeconds: number;
}

export interface BackendOutcome {
  readonly plan: Plan;
  /** Why the mode is what it is (detected or given), for the report. */
  readonly notes: readonly string[];
  readonly failure?: ExecuteFailure;
}

export async function applyIptables(ir: Ir, options: IptablesApplyOptions): Promise<BackendOutcome> {
  const { exec } = options;
  const detected = options.mode === undefined ? await detectIptablesMode(exec) : undefined;
  const mode = options.mode ?? detected ?? "legacy";
  const notes = [options.mode === undefined ? `iptables mode ${mode} (detected)` : `iptables mode ${mode} (--backend-mode)`];
  const before = await readIptablesState(exec, mode, options.waitSeconds);
  const plan = planIptables(desiredIptablesState(ir), before.state, before.tools);
  if (options.dryRun || plan.refusals.length > 0 || plan.steps.length === 0) return { plan, notes };
  const rollback = async (): Promise<void> => {
    const now = await readIptablesState(exec, mode, options.waitSeconds);
    const back = planIptables(snapshotAsDesired(before.state), now.state, now.tools);
    const failure = await executePlan(back, exec, () => Promise.resolve());
    if (failure !== undefined) throw failure.error;
  };
  const failure = await executePlan(plan, exec, rollback);
  return failure === undefined ? { plan, notes } : { plan, notes, failure };
}
