/**
 * The IR passes, in the order they run. Each is a pure `(ir) => ir` that preserves every
 * packet's verdict (checked by the interpreter property test in passes.property.test.ts).
 *
 * Set sharing: selector sets are keyed by Calico's selector id when they are built, so identical
 * selectors already share one set, and anonymous CIDR sets are content-addressed. Sets of
 * different selectors that happen to have equal members are NOT merged: their names stay
 * Felix's (`cali40s:...`), which keeps the output comparable with a real Felix node, and the
 * memberships diverge as soon as one endpoint changes.
 */
import type { Ir } from "../ir/types.js";
import { aggregateCidrs } from "./aggregateCidrs.js";
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
