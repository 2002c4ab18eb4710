/**
 * Pass: CIDR lists aggregated. Every `addr` match's list and every `net` set's members become
 * the minimal list of prefixes covering the same addresses (contained prefixes dropped,
 * adjacent ones merged), which never changes what matches.
 */
import type { Ir } from "../ir/types.js";
import { aggregateCidrs as aggregate } from "./cidrMath.js";
import { flatMapRules, mapFamilies, mapMatches } from "./irMap.js";

export function aggregateCidrs(ir: Ir): Ir {
  const withSets = mapFamilies(ir, (fam) => ({
    ...fam,
    sets: fam.sets.map((s) => {
      if (s.type !== "net") return s;
      const members = aggregate(s.members);
      return members === s.members ? s : { ...s, members };
    }),
  }));
  return flatMapRules(withSets, (r) => [
    mapMatches(r, (m) => {
      if (m.kind !== "addr" || m.cidrs.length <= 1) return m;
      const cidrs = aggregate(m.cidrs);
      return cidrs === m.cidrs ? m : { ...m, cidrs };
    }),
  ]);
}
