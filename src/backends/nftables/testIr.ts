/** Small IR builders for this backend's unit tests (not exported from index.ts). */
import type { Chain, Family, FamilyIr, Ir, IpSet, Match, Rule, Table } from "../../compiler/ir/types.js";

export const MARKS = { accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x100000 } as const;

export const rule = (matches: Match[], action: Rule["action"], comments: string[] = []): Rule => ({ matches, action, comments });
export const iface = (dir: "in" | "out", name: string, prefix = false): Match => ({ kind: "iface", dir, name, prefix, negate: false });
export const gotoRule = (dir: "in" | "out", name: string, target: string, prefix = false): Rule =>
  rule([iface(dir, name, prefix)], { kind: "goto", chain: target });
export const dropRule = (): Rule => rule([], { kind: "drop" }, ["Unknown interface"]);
export const emptyChain = (name: string): Chain => ({ name, rules: [] });

export function filterTable(chains: Chain[], hooks: Table["hooks"] = []): Table {
  return { name: "filter", hooks, chains };
}

export function familyIr(family: Family, tables: Table[], sets: IpSet[] = []): FamilyIr {
  return { family, tables, sets };
}

/** An IR with the given v4 tables and sets and an empty v6 family. */
export function v4Ir(tables: Table[], sets: IpSet[] = []): Ir {
  return { marks: MARKS, v4: familyIr(4, tables, sets), v6: familyIr(6, []) };
}
