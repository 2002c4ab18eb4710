/**
 * Pass (legalizing): iptables takes one `-s` and one `-d` CIDR per rule, so every `addr` match
 * with more than one CIDR becomes a match on an anonymous `net` set holding them (negated stays
 * negated). Anonymous set ids are content hashes (`a:` + Calico's unique-id hash), so equal
 * lists share one set.
 */
import { uniqueId } from "../../model/selector/index.js";
import type { IpSet, Ir, Match } from "../ir/types.js";
import { mapFamilies } from "./irMap.js";

export function cidrListsToSets(ir: Ir): Ir {
  return mapFamilies(ir, (fam) => {
    const added = new Map<string, IpSet>();
    const convert = (m: Match): Match => {
      if (m.kind !== "addr" || m.cidrs.length <= 1) return m;
      const members = [...new Set(m.cidrs)].sort();
      const id = uniqueId("a", `${fam.family}:${members.join(",")}`);
      if (!added.has(id)) added.set(id, { id, type: "net", family: fam.family, members, comment: `anonymous: ${members.join(" ")}` });
      return { kind: "set", dir: m.dir, set: id, negate: m.negate };
    };
    const tables = fam.tables.map((t) => ({ ...t, chains: t.chains.map((c) => ({ ...c, rules: c.rules.map((r) => ({ ...r, matches: r.matches.map(convert) })) })) }));
    if (added.size === 0) return { ...fam, tables };
    const sets = new Map(fam.sets.map((s) => [s.id, s]));
    for (const [id, s] of added) if (!sets.has(id)) sets.set(id, s);
    return { ...fam, tables, sets: [...sets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
  });
}
