/**
 * Pass: rules that can never match are dropped, and matches that always hold are removed:
 * - positive matches on an empty CIDR list, empty set or empty port list never hold;
 * - two different positive protocols, or a protocol and its own negation, contradict;
 * - negated matches on an empty list or empty set always hold and are removed.
 */
import type { IpSet, Match, Rule } from "../ir/types.js";
import type { Ir } from "../ir/types.js";
import { flatMapRules } from "./irMap.js";

function isEmpty(m: Match, sets: ReadonlyMap<string, IpSet>): boolean {
  switch (m.kind) {
    case "addr":
      return m.cidrs.length === 0;
    case "set":
    case "addrPortSet":
      return (sets.get(m.set)?.members.length ?? 0) === 0;
    case "ports":
      return m.ranges.length === 0;
    case "ctstate":
      return m.states.length === 0;
    default:
      return false;
  }
}

export function dropNeverMatching(ir: Ir): Ir {
  return flatMapRules(ir, (rule, _fam, sets): Rule[] => {
    const kept: Match[] = [];
    for (const m of rule.matches) {
      const negatable = m.kind !== "ctstate";
      if (isEmpty(m, sets)) {
        if (negatable && m.negate) continue;
        return [];
      }
      kept.push(m);
    }
    const protos = kept.flatMap((m) => (m.kind === "protocol" ? [m] : []));
    const positive = new Set(protos.filter((p) => !p.negate).map((p) => p.protocol));
    if (positive.size > 1) return [];
    const [only] = positive;
    if (only !== undefined && protos.some((p) => p.negate && p.protocol === only)) return [];
    return [{ ...rule, matches: kept }];
  });
}
