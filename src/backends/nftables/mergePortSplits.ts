/**
 * Undoes the IR's multiport split, which exists only for iptables' 15-slot limit: nft matches a
 * port list of any length with one anonymous set (`th dport { 80, 443, 1000-2000 }`).
 *
 * - Adjacent rules that are equal except for one positive `ports` match (same direction, same
 *   position) whose range lists are disjoint become one rule with the union. The IR's
 *   `splitPorts` pass produces exactly such runs (one copy per chunk, chunks disjoint). Disjoint
 *   is what makes this safe for every action: a packet matched at most one of the copies, so
 *   the merged rule fires exactly when one copy did, even for a non-idempotent `log` or `jump`.
 * - Several negated `ports` matches of one direction in one rule (a NOR split into chunks,
 *   ANDed) become one negated match on the union.
 * Repeated until nothing changes, so a split along two lists (a cross product) folds back too.
 */
import type { Match, PortRange, Rule } from "../../compiler/ir/types.js";
import { normalizeRanges, rangesDisjoint } from "./elements.js";

type PortsMatch = Extract<Match, { kind: "ports" }>;

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** One negated `ports` match per direction, holding the union of the rule's negated lists. */
export function mergeNegatedPorts(rule: Rule): Rule {
  const negated = (dir: string): PortsMatch[] =>
    rule.matches.filter((m): m is PortsMatch => m.kind === "ports" && m.negate && m.dir === dir);
  if (negated("src").length < 2 && negated("dst").length < 2) return rule;
  const matches: Match[] = [];
  const done = new Set<string>();
  for (const m of rule.matches) {
    if (m.kind !== "ports" || !m.negate) {
      matches.push(m);
    } else if (!done.has(m.dir)) {
      done.add(m.dir);
      matches.push({ ...m, ranges: normalizeRanges(negated(m.dir).flatMap((n) => n.ranges)) });
    }
  }
  return { ...rule, matches };
}

/** The union of `a` and `b` if they differ only in one positive disjoint `ports` match. */
function mergePair(a: Rule, b: Rule): Rule | undefined {
  if (a.matches.length !== b.matches.length || !same(a.action, b.action) || !same(a.comments, b.comments)) return undefined;
  let differing: number | undefined;
  for (let i = 0; i < a.matches.length; i++) {
    if (same(a.matches[i], b.matches[i])) continue;
    if (differing !== undefined) return undefined;
    differing = i;
  }
  if (differing === undefined) return undefined;
  const x = a.matches[differing];
  const y = b.matches[differing];
  if (x?.kind !== "ports" || y?.kind !== "ports" || x.negate || y.negate || x.dir !== y.dir) return undefined;
  const union: PortRange[] = [...x.ranges, ...y.ranges];
  if (!rangesDisjoint(union)) return undefined;
  const matches = a.matches.map((m, i) => (i === differing ? { ...x, ranges: normalizeRanges(union) } : m));
  return { ...a, matches };
}

/** A chain's rules with the multiport splits folded back (see the module comment). */
export function mergePortSplits(rules: readonly Rule[]): Rule[] {
  let current = rules.map(mergeNegatedPorts);
  for (;;) {
    const out: Rule[] = [];
    for (const rule of current) {
      const last = out[out.length - 1];
      const merged = last === undefined ? undefined : mergePair(last, rule);
      if (merged === undefined) out.push(rule);
      else out[out.length - 1] = merged;
    }
    if (out.length === current.length) return out;
    current = out;
  }
}
