/**
 * Pass: CIDR lists aggregated. Every `addr` match's list and every `net` set's members become
 * the minimal list of prefixes covering the same addresses (contained prefixes dropped,
 * adjacent ones merged), which never changes what matches.
 *
 * Local to one rule and to one set: `aggregateRuleCidrs` and `aggregateSetMembers` are what the
 * incremental compiler runs on the rules and sets it re-renders.
 */
import type { IpSet, Ir, Rule } from "../ir/types.js";
import { aggregateCidrs as aggregate } from "./cidrMath.js";
import { flatMapRules, mapFamilies, mapMatches } from "./irMap.js";

/** The rule with each multi-CIDR `addr` match aggregated (the rule itself when none changes). */
export function aggregateRuleCidrs(rule: Rule): Rule {
  return mapMatches(rule, (m) => {
    if (m.kind !== "addr" || m.cidrs.length <= 1) return m;
    const cidrs = aggregate(m.cidrs);
    return cidrs === m.cidrs ? m : { ...m, cidrs };
  });
}

/** A `net` set with its members aggregated (the set itself when they are minimal already). */
export function aggregateSetMembers(set: IpSet): IpSet {
  if (set.type !== "net") return set;
  const members = aggregate(set.members);
  return members === set.members ? set : { ...set, members };
}

export function aggregateCidrs(ir: Ir): Ir {
  const withSets = mapFamilies(ir, (fam) => ({ ...fam, sets: fam.sets.map(aggregateSetMembers) }));
  return flatMapRules(withSets, (r) => [aggregateRuleCidrs(r)]);
}
