/**
 * The IR passes, in the order they run. Each is a pure `(ir) => ir` that preserves every
 * packet's verdict (checked by the interpreter property test in passes.property.test.ts).
 * `runPipeline` runs the same passes fused: chain-local work chain by chain (chainPasses.ts),
 * set aggregation set by set, then reachability; the property test proves it equal to running
 * the passes one after the other.
 *
 * Set sharing: selector sets are keyed by Calico's selector id when they are built, so identical
 * selectors already share one set, and anonymous CIDR sets are content-addressed. Sets of
 * different selectors that happen to have equal members are NOT merged: their names stay
 * Felix's (`cali40s:...`), which keeps the output comparable with a real Felix node, and the
 * memberships diverge as soon as one endpoint changes.
 */
import type { FamilyIr, IpSet, Ir } from "../ir/types.js";
import { aggregateCidrs, aggregateSetMembers } from "./aggregateCidrs.js";
import { runChainPasses } from "./chainPasses.js";
import { cidrListsToSets } from "./cidrListsToSets.js";
import { dropNeverMatching } from "./dropNeverMatching.js";
import { dropUnreferencedChains, dropUnusedSets } from "./dropUnreferenced.js";
import { mergePortRanges } from "./mergePortRanges.js";

export type IrPass = (ir: Ir) => Ir;

export { aggregateCidrs, cidrListsToSets, dropNeverMatching, dropUnreferencedChains, dropUnusedSets, mergePortRanges };

/**
 * Passes that make the IR legal for every backend (a single CIDR per address match) and keep
 * only referenced chains and sets; they run even without optimization. Limits of one backend
 * alone stay out of the IR: the iptables backend splits port lists for multiport's 15 slots.
 */
export const requiredPasses: readonly IrPass[] = [cidrListsToSets, dropUnreferencedChains, dropUnusedSets];

/** The full pipeline: optimizations first, then the legalizing passes. */
export const optimizationPasses: readonly IrPass[] = [
  aggregateCidrs,
  mergePortRanges,
  dropNeverMatching,
  cidrListsToSets,
  dropUnreferencedChains,
  dropUnusedSets,
];

export function runPasses(ir: Ir, passes: readonly IrPass[]): Ir {
  return passes.reduce((acc, pass) => pass(acc), ir);
}

const byId = (a: IpSet, b: IpSet): number => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** `runPasses(ir, optimize ? optimizationPasses : requiredPasses)`, fused. */
export function runPipeline(ir: Ir, optimize: boolean): Ir {
  const family = (fam: FamilyIr): FamilyIr => {
    const sets = optimize ? fam.sets.map(aggregateSetMembers) : fam.sets;
    const sizes = new Map(sets.map((s) => [s.id, s.members.length]));
    const emptySet = (id: string): boolean => (sizes.get(id) ?? 0) === 0;
    // Anonymous sets are the last pass's: no earlier pass of any chain sees them.
    const anonymous = new Map<string, IpSet>();
    const onSet = (s: IpSet): void => {
      if (!sizes.has(s.id) && !anonymous.has(s.id)) anonymous.set(s.id, s);
    };
    const tables = fam.tables.map((t) => ({ ...t, chains: t.chains.map((c) => runChainPasses(c, fam.family, optimize, emptySet, onSet)) }));
    return { ...fam, tables, sets: anonymous.size === 0 ? sets : [...sets, ...anonymous.values()].sort(byId) };
  };
  return dropUnusedSets(dropUnreferencedChains({ ...ir, v4: family(ir.v4), v6: family(ir.v6) }));
}
