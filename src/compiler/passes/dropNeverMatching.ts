/**
 * Pass: rules that can never match are dropped, and matches that always hold are removed:
 * - positive matches on an empty CIDR list, empty set or empty port list never hold;
 * - two different positive protocols, or a protocol and its own negation, contradict;
 * - negated matches on an empty CIDR list or empty set always hold and are removed.
 *
 * Local to one chain given which sets are empty (`dropNeverMatchingInChain`): the incremental
 * compiler re-runs it on the chains that use a set whose emptiness flips.
 */
import type { Chain, Ir, Match, Rule } from "../ir/types.js";
import { mapFamilies } from "./irMap.js";

/** Whether the set with this id (of the chain's family) has no members; unknown sets are empty. */
export type IsEmptySet = (id: string) => boolean;

function isEmpty(m: Match, emptySet: IsEmptySet): boolean {
  switch (m.kind) {
    case "addr":
      return m.cidrs.length === 0;
    case "set":
    case "addrPortSet":
      return emptySet(m.set);
    case "ports":
      return m.ranges.length === 0;
    case "ctstate":
      return m.states.length === 0;
    default:
      return false;
  }
}

/**
 * Whether a rule needs no change: no empty list and at most one protocol match. Checked first
 * because it holds for nearly every rule, and then the rule is kept as it is (not copied).
 */
function unchanged(rule: Rule, sets: IsEmptySet): boolean {
  let protocols = 0;
  for (const m of rule.matches) {
    if (m.kind === "protocol" && ++protocols > 1) return false;
    if (isEmpty(m, sets)) return false;
  }
  return true;
}

function simplify(rule: Rule, sets: IsEmptySet): Rule | undefined {
  if (unchanged(rule, sets)) return rule;
  const kept: Match[] = [];
  for (const m of rule.matches) {
    if (isEmpty(m, sets)) {
      // A negated empty list always holds, except for ports: a ports match (even negated) still
      // requires a protocol with ports, so it is kept.
      if (m.kind !== "ctstate" && m.kind !== "ports" && m.negate) continue;
      if (m.kind === "ports" && m.negate) {
        kept.push(m);
        continue;
      }
      return undefined;
    }
    kept.push(m);
  }
  const protos = kept.flatMap((m) => (m.kind === "protocol" ? [m] : []));
  const positive = new Set(protos.filter((p) => !p.negate).map((p) => p.protocol));
  if (positive.size > 1) return undefined;
  const [only] = positive;
  if (only !== undefined && protos.some((p) => p.negate && p.protocol === only)) return undefined;
  return { ...rule, matches: kept };
}

/**
 * Drops the chain's never-matching rules. A dropped rule's comments (Felix's chain comment sits
 * on the first rule) move to the next surviving rule, or to a no-op rule when the chain would
 * otherwise become empty, as Felix renders an empty policy chain. Returns the chain itself when
 * nothing changes.
 */
export function dropNeverMatchingInChain(c: Chain, emptySet: IsEmptySet): Chain {
  const out: Rule[] = [];
  let pending: string[] = [];
  let same = true;
  for (const r of c.rules) {
    const s = simplify(r, emptySet);
    if (!s) {
      pending.push(...r.comments);
      same = false;
      continue;
    }
    if (s !== r) same = false;
    out.push(pending.length > 0 ? { ...s, comments: [...pending, ...s.comments] } : s);
    pending = [];
  }
  // Comments of dropped trailing rules (or of every rule) stay on a no-op rule.
  if (pending.length > 0) out.push({ matches: [], action: { kind: "none" }, comments: pending });
  return same ? c : { ...c, rules: out };
}

/** Drops never-matching rules chain by chain, with the family's sets telling which are empty. */
export function dropNeverMatching(ir: Ir): Ir {
  return mapFamilies(ir, (fam) => {
    const sizes = new Map(fam.sets.map((s) => [s.id, s.members.length]));
    const emptySet: IsEmptySet = (id) => (sizes.get(id) ?? 0) === 0;
    return { ...fam, tables: fam.tables.map((t) => ({ ...t, chains: t.chains.map((c) => dropNeverMatchingInChain(c, emptySet)) })) };
  });
}
