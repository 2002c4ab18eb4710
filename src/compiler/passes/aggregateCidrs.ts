/**
 * Pass: CIDR lists aggregated. Every `addr` match's list and every `net` set's members become
 * the minimal list of prefixes covering the same addresses (contained prefixes dropped,
 * adjacent ones merged), which never changes what matches.
 */
import type { Ir } from "../ir/types.js";
import { aggregateCidrs as aggregate } from "./cidrMath.js";
import { flatMapRules, mapFamilies } from "./irMap.js";

export function aggregateCidrs(ir: Ir): Ir {
  const withSets = mapFamilies(ir, (fam) => ({
    ...fam,
    sets: fam.sets.map((s) => (s.type === "net" ? { ...s, members: aggregate(s.members) } : s)),
  }));
  return flatMapRules(withSets, (r) => [
    { ...r, matches: r.matches.map((m) => (m.kind === "addr" && m.cidrs.length > 1 ? { ...m, cidrs: aggregate(m.cidrs) } : m)) },
  ]);
}
