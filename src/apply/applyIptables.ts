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
import type { ApplyCache } from "./cache.js";
import { freshEntry } from "./cache.js";
import { snapshotAsDesired, stateAfter } from "./snapshot.js";

export interface IptablesApplyOptions {
  readonly exec: Exec;
  /** Overrides the detection of iptables-legacy vs iptables-nft. */
  readonly mode?: IptablesMode;
  readonly dryRun: boolean;
  readonly waitSeconds: number;
  /** An agent's cache of the kernel state (see cache.ts); absent means always read. */
  readonly cache?: ApplyCache;
}

export interface BackendOutcome {
  readonly plan: Plan;
  /** Why the mode is what it is (detected or given), for the report. */
  readonly notes: readonly string[];
  readonly failure?: ExecuteFailure;
}

export async function applyIptables(ir: Ir, options: IptablesApplyOptions): Promise<BackendOutcome> {
  const { exec, cache } = options;
  const cached = freshEntry(cache, "iptables", Date.now());
  const usable = cached !== undefined && (options.mode === undefined || options.mode === cached.tools.mode) ? cached : undefined;
  const detected = options.mode === undefined && usable === undefined ? await detectIptablesMode(exec) : undefined;
  const mode = options.mode ?? usable?.tools.mode ?? detected ?? "legacy";
  const notes = [
    options.mode === undefined ? `iptables mode ${mode} (${usable === undefined ? "detected" : "cached"})` : `iptables mode ${mode} (--backend-mode)`,
    ...(usable === undefined ? [] : ["kernel state from the agent's cache"]),
  ];
  const before = usable ?? { ...(await readIptablesState(exec, mode, options.waitSeconds)), readAt: Date.now() };
  const memo = cache === undefined ? undefined : { previous: cache.renders, next: new Map<string, unknown>() };
  const desired = desiredIptablesState(ir, memo);
  if (cache !== undefined && memo !== undefined) cache.renders = memo.next;
  const plan = planIptables(desired, before.state, before.tools);
  const remember = (): void => {
    if (cache !== undefined) cache.entry = { backend: "iptables", state: stateAfter(desired, before.state), tools: before.tools, readAt: before.readAt };
  };
  if (options.dryRun || plan.refusals.length > 0) return { plan, notes };
  if (plan.steps.length === 0) {
    remember();
    return { plan, notes };
  }
  const rollback = async (): Promise<void> => {
    const now = await readIptablesState(exec, mode, options.waitSeconds);
    const back = planIptables(snapshotAsDesired(before.state), now.state, now.tools);
    const failure = await executePlan(back, exec, () => Promise.resolve());
    if (failure !== undefined) throw failure.error;
  };
  const failure = await executePlan(plan, exec, rollback);
  if (failure === undefined) remember();
  else if (cache !== undefined) cache.entry = undefined;
  return failure === undefined ? { plan, notes } : { plan, notes, failure };
}
