/**
 * The plan: what an apply would run, in order, as plain data. Produced by the pure planners
 * (planIptables.ts, planNftables.ts), printed by `--dry-run` (formatPlan.ts), run by
 * execution/execute.ts.
 */

/** One tool invocation with its input. */
export interface PlanStep {
  /**
   * `sets`: ipset creates and member changes, before any rule may refer to them; no two
   *   `sets` steps name the same set, and they run at once (execution/execute.ts);
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

/**
 * The plan without its validation run when it has a single `rules` step: that step's commit is one
 * transaction (one `nft -f`, or one iptables-restore of one table, which commits at its COMMIT
 * line or not at all), so a check first tells nothing the commit does not, and a failed commit
 * leaves the node as a failed check does (the set steps before it are rolled back either way;
 * execution/execute.ts). With several rules steps the checks keep one from being committed while
 * a later one is rejected, and stay. For the agent, which applies on every change: the check is
 * one more process (on iptables-nft one more read of the table from the kernel) per change.
 */
export function withoutLoneCheck(plan: Plan): Plan {
  const rules = plan.steps.filter((s) => s.phase === "rules");
  if (rules.length !== 1 || rules[0]!.checkArgv === undefined) return plan;
  return { ...plan, steps: plan.steps.map((s) => (s === rules[0] ? { phase: s.phase, label: s.label, argv: s.argv, stdin: s.stdin } : s)) };
}
