/**
 * Legalization for `-m multiport`, which takes at most 15 port slots (limits.ts): the
 * backend-neutral IR keeps a port list whole, whatever its length (nft matches any length with
 * one anonymous set), and the iptables backend splits what does not fit, as Felix does when it
 * renders a policy rule (felix/rules/policy.go, `SplitPortList`: consecutive chunks, a single
 * port costing one slot and a range two, a new chunk started when the next item does not fit).
 *
 * - A positive list that does not fit is first merged (sorted, overlapping and adjacent ranges
 *   joined, so the chunks are disjoint), then the rule is copied once per chunk, once per
 *   combination when several lists overflow. Safe for every action, even a `log` or a `jump`:
 *   the chunks are disjoint, so at most one copy matches a packet.
 * - A negated list is a NOR: its chunks become several negated matches in one rule (none of
 *   chunk 1 AND none of chunk 2 ...), as Felix renders `NotSrcPorts`/`NotDstPorts`.
 * Lists that fit are left exactly as the IR has them.
 */
import type { Match, PortRange, Rule } from "../../compiler/ir/types.js";
import { mergeRanges } from "../../compiler/passes/portRanges.js";
import { MAX_MULTIPORT_SLOTS } from "./limits.js";

type PortsMatch = Extract<Match, { kind: "ports" }>;

/** Slots of one item: a single port one, a range `a:b` two (iptables-extensions(8), multiport). */
function cost(range: PortRange): number {
  return range.first === range.last ? 1 : 2;
}

/** Slots a list takes in one multiport match. */
export function multiportSlots(ranges: readonly PortRange[]): number {
  return ranges.reduce((sum, r) => sum + cost(r), 0);
}

/** Consecutive chunks of at most 15 slots each (Felix's `SplitPortList`). */
export function splitPortList(ranges: readonly PortRange[]): PortRange[][] {
  const chunks: PortRange[][] = [];
  let chunk: PortRange[] = [];
  let free = MAX_MULTIPORT_SLOTS;
  for (const range of ranges) {
    if (cost(range) > free) {
      chunks.push(chunk);
      chunk = [];
      free = MAX_MULTIPORT_SLOTS;
    }
    chunk.push(range);
    free -= cost(range);
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
}

function overflows(match: Match): match is PortsMatch {
  return match.kind === "ports" && multiportSlots(match.ranges) > MAX_MULTIPORT_SLOTS;
}

/**
 * The rules iptables needs for one IR rule: `[rule]` itself when every port list fits,
 * otherwise the copies described in the module comment, in chunk order (each copy's matches in
 * the IR's order, a negated list's chunks where the list stood).
 */
export function splitForMultiport(rule: Rule): readonly Rule[] {
  if (!rule.matches.some(overflows)) return [rule];
  let variants: Match[][] = [[]];
  for (const match of rule.matches) {
    if (!overflows(match)) {
      variants = variants.map((v) => [...v, match]);
      continue;
    }
    const chunks = splitPortList(mergeRanges(match.ranges)).map((ranges): PortsMatch => ({ ...match, ranges }));
    variants = match.negate ? variants.map((v) => [...v, ...chunks]) : variants.flatMap((v) => chunks.map((c) => [...v, c]));
  }
  return variants.map((matches): Rule => ({ ...rule, matches }));
}
