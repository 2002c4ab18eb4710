/**
 * Helpers for passes: rewrite every rule, or every family, of an IR without mutating it.
 * Unchanged rules, chains and tables are reused rather than copied (IRs hold 100,000+ rules).
 */
import type { Chain, FamilyIr, Ir, IpSet, Match, Rule } from "../ir/types.js";

/** Applies `f` to both families. */
export function mapFamilies(ir: Ir, f: (fam: FamilyIr) => FamilyIr): Ir {
  return { ...ir, v4: f(ir.v4), v6: f(ir.v6) };
}

/**
 * Replaces every chain rule by `f(rule)` (zero or more rules); returning `[rule]` itself keeps
 * it. Hooks are left alone.
 */
export function flatMapRules(ir: Ir, f: (rule: Rule, fam: FamilyIr, sets: ReadonlyMap<string, IpSet>) => readonly Rule[]): Ir {
  return mapFamilies(ir, (fam) => {
    const sets = new Map(fam.sets.map((s) => [s.id, s]));
    const chain = (c: Chain): Chain => {
      let out: Rule[] | undefined;
      for (let i = 0; i < c.rules.length; i++) {
        const r = c.rules[i]!;
        const next = f(r, fam, sets);
        if (!out && next.length === 1 && next[0] === r) continue;
        out ??= c.rules.slice(0, i);
        for (const n of next) out.push(n);
      }
      return out ? { ...c, rules: out } : c;
    };
    return { ...fam, tables: fam.tables.map((t) => ({ ...t, chains: t.chains.map(chain) })) };
  });
}

/** Maps each match of a rule; returns the rule itself when no match changed. */
export function mapMatches(rule: Rule, f: (m: Match) => Match): Rule {
  // No array is allocated until a match changes (most rules are left as they are).
  let matches: Match[] | undefined;
  for (let i = 0; i < rule.matches.length; i++) {
    const m = rule.matches[i]!;
    const n = f(m);
    if (n !== m) matches ??= rule.matches.slice(0, i);
    matches?.push(n);
  }
  return matches ? { ...rule, matches } : rule;
}
