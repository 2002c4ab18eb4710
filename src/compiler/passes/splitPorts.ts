/**
 * Pass (legalizing): fits `ports` matches into multiport's 15 slots.
 *
 * - A positive list that does not fit is merged (so its ranges are disjoint) and split into
 *   chunks; the rule is copied once per chunk (per combination, with several such lists).
 *   This is safe for any action, even non-idempotent ones (log, jump): the chunks are disjoint,
 *   so at most one copy matches a packet.
 * - A negated list is a NOR, so its chunks become several negated `ports` matches in the same
 *   rule (none of chunk 1 AND none of chunk 2 ...).
 */
import type { Ir, Match, Rule } from "../ir/types.js";
import { flatMapRules } from "./irMap.js";
import { mergeRanges, MULTIPORT_SLOTS, slots, splitRanges } from "./portRanges.js";

/** The rule as one or more rules whose port lists fit multiport (`[rule]` itself when it fits). */
export function splitRulePorts(rule: Rule): readonly Rule[] {
  if (!rule.matches.some((m) => m.kind === "ports" && slots(m.ranges) > MULTIPORT_SLOTS)) return [rule];
  // Each match position becomes a list of alternatives; the rule is their cross product.
  let variants: Match[][] = [[]];
  for (const m of rule.matches) {
    if (m.kind !== "ports" || slots(m.ranges) <= MULTIPORT_SLOTS) {
      variants = variants.map((v) => [...v, m]);
      continue;
    }
    const chunks = splitRanges(mergeRanges(m.ranges));
    if (m.negate) {
      const parts: Match[] = chunks.map((ranges) => ({ ...m, ranges }));
      variants = variants.map((v) => [...v, ...parts]);
    } else {
      variants = variants.flatMap((v) => chunks.map((ranges) => [...v, { ...m, ranges }]));
    }
  }
  return variants.map((matches): Rule => ({ ...rule, matches }));
}

export function splitPorts(ir: Ir): Ir {
  return flatMapRules(ir, splitRulePorts);
}
