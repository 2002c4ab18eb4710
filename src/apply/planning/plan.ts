/**
 * The plan: what an apply would run, in order, as plain data. Produced by the pure planners
 * (planIptables.ts, planNftables.ts), printed by `--dry-run` (formatPlan.ts), run by
 * execution/execute.ts.
 */

/** One tool invocation with its input. */
export interface PlanStep {
  /**
   * `sets`: ipset creates and member changes, before any rule may refer to them;
   * `rules`: one iptables-restore transaction per table and family, or the one nft transaction;
   * `cleanup`: ipset destroys, after no rule refers to them.
   */
  readonly phase: "sets" | "rules" | "cleanup";
  /** A short name for messages: `ipset`, `iptables filter`, `ip6tables nat`, `nft`. */
  readonly label: string;
  readonly argv: readonly string[];
  readonly stdin: string;
  /** The validation run (`--test`, `--check`) done before anything is committed, if any. */
  readonly checkArgv?: readonly string[];
}

/** Names of what changes, per kind; the dry-run summary and the apply report print these. */
export interface PlanSummary {
  readonly chainsCreated: readonly string[];
  readonly chainsChanged: readonly string[];
  readonly chainsRemoved: readonly string[];
  /** Kernel chains whose hooks are (re)written, as `table/CHAIN` (iptables) or base chains (nft). */
  readonly hooksChanged: readonly string[];
  readonly setsCreated: readonly string[];
  readonly setsChanged: readonly string[];
  readonly setsRemoved: readonly string[];
}

export interface Plan {
  readonly backend: "iptables" | "nftables";
  /** iptables only: the iptables variant the binaries belong to. */
  readonly mode?: "legacy" | "nft";
  readonly steps: readonly PlanStep[];
  readonly summary: PlanSummary;
  /**
   * Changes the applier will not make (e.g. an existing set of an incompatible type under one of
   * our names). A plan with refusals is never executed.
   */
  readonly refusals: readonly string[];
}

export const emptySummary: PlanSummary = {
  chainsCreated: [],
  chainsChanged: [],
  chainsRemoved: [],
  hooksChanged: [],
  setsCreated: [],
  setsChanged: [],
  setsRemoved: [],
};

/** Concatenates summaries field by field. */
export function mergeSummaries(summaries: readonly PlanSummary[]): PlanSummary {
  const keys = Object.keys(emptySummary) as (keyof PlanSummary)[];
  return Object.fromEntries(keys.map((k) => [k, summaries.flatMap((s) => s[k])])) as unknown as PlanSummary;
}

/** Whether the plan changes nothing. */
export function isEmptyPlan(plan: Plan): boolean {
  return plan.steps.length === 0;
}

/**
 * Appends `items` to `target` in place. `target.push(...items)` passes every item as an argument
 * and overflows the call stack past roughly 100,000 items (a set of a large cluster), so plans
 * are built with this instead.
 */
export function append<T>(target: T[], items: Iterable<T>): void {
  for (const item of items) target.push(item);
}
