/**
 * Pass (legalizing): iptables takes one `-s` and one `-d` CIDR per rule, so every `addr` match
 * with more than one CIDR becomes a match on an anonymous `net` set holding them (negated stays
 * negated). Anonymous set ids are content hashes (`a:` + Calico's unique-id hash), so equal
 * lists share one set.
 */
import { uniqueId } from "../../model/selector/index.js";
import type { IpSet, Ir, Match, Rule } from "../ir/types.js";
import { mapFamilies, mapMatches } from "./irMap.js";

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
    // Unchanged rules and chains are kept as they are (most rules have no CIDR list).
    const tables = fam.tables.map((t) => ({
      ...t,
      chains: t.chains.map((c) => {
        let rules: Rule[] | undefined;
        for (let i = 0; i < c.rules.length; i++) {
          const r = c.rules[i]!;
          const n = mapMatches(r, convert);
          if (n !== r) rules ??= c.rules.slice(0, i);
          rules?.push(n);
        }
        return rules ? { ...c, rules } : c;
      }),
    }));
    if (added.size === 0) return { ...fam, tables };
    const sets = new Map(fam.sets.map((s) => [s.id, s]));
    for (const [id, s] of added) if (!sets.has(id)) sets.set(id, s);
    return { ...fam, tables, sets: [...sets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
  });
}
