/** Helpers for passes: rewrite every rule, or every family, of an IR without mutating it. */
import type { FamilyIr, Ir, IpSet, Rule } from "../ir/types.js";

/** Applies `f` to both families. */
export function mapFamilies(ir: Ir, f: (fam: FamilyIr) => FamilyIr): Ir {
  return { ...ir, v4: f(ir.v4), v6: f(ir.v6) };
}

/** Replaces every chain rule by `f(rule)` (zero or more rules). Hooks are left alone. */
export function flatMapRules(ir: Ir, f: (rule: Rule, fam: FamilyIr, sets: ReadonlyMap<string, IpSet>) => readonly Rule[]): Ir {
  return mapFamilies(ir, (fam) => {
    const sets = new Map(fam.sets.map((s) => [s.id, s]));
    return {
      ...fam,
      tables: fam.tables.map((t) => ({ ...t, chains: t.chains.map((c) => ({ ...c, rules: c.rules.flatMap((r) => f(r, fam, sets)) })) })),
    };
  });
}
