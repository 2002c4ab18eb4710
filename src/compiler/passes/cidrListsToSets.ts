/**
 * Pass (legalizing): iptables takes one `-s` and one `-d` CIDR per rule, so every `addr` match
 * with more than one CIDR becomes a match on an anonymous `net` set holding them (negated stays
 * negated). Anonymous set ids are content hashes (`a:` + Calico's unique-id hash), so equal
 * lists share one set, whichever chain needs it: `chainCidrListsToSets` works on one chain.
 */
import { uniqueId } from "../../model/selector/index.js";
import type { Chain, Family, IpSet, Ir, Match, Rule } from "../ir/types.js";
import { mapFamilies, mapMatches } from "./irMap.js";

/** The anonymous set of a CIDR list (members de-duplicated and sorted as text). */
export function anonymousSet(family: Family, cidrs: readonly string[]): IpSet {
  const members = [...new Set(cidrs)].sort();
  const id = uniqueId("a", `${family}:${members.join(",")}`);
  return { id, type: "net", family, members, comment: `anonymous: ${members.join(" ")}` };
}

/**
 * The chain with its multi-CIDR `addr` matches turned into set matches; `onSet` receives each
 * anonymous set used (once per match). Unchanged rules, and the chain itself when no rule
 * changes, are kept as they are (most rules have no CIDR list).
 */
export function chainCidrListsToSets(c: Chain, family: Family, onSet: (set: IpSet) => void): Chain {
  const convert = (m: Match): Match => {
    if (m.kind !== "addr" || m.cidrs.length <= 1) return m;
    const set = anonymousSet(family, m.cidrs);
    onSet(set);
    return { kind: "set", dir: m.dir, set: set.id, negate: m.negate };
  };
  let rules: Rule[] | undefined;
  for (let i = 0; i < c.rules.length; i++) {
    const r = c.rules[i]!;
    const n = mapMatches(r, convert);
    if (n !== r) rules ??= c.rules.slice(0, i);
    rules?.push(n);
  }
  return rules ? { ...c, rules } : c;
}

export function cidrListsToSets(ir: Ir): Ir {
  return mapFamilies(ir, (fam) => {
    const added = new Map<string, IpSet>();
    const onSet = (s: IpSet): void => {
      if (!added.has(s.id)) added.set(s.id, s);
    };
    const tables = fam.tables.map((t) => ({ ...t, chains: t.chains.map((c) => chainCidrListsToSets(c, fam.family, onSet)) }));
    if (added.size === 0) return { ...fam, tables };
    const sets = new Map(fam.sets.map((s) => [s.id, s]));
    for (const [id, s] of added) if (!sets.has(id)) sets.set(id, s);
    return { ...fam, tables, sets: [...sets.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) };
  });
}
