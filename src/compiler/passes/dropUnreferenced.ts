/**
 * Passes: chains nothing reaches from a hook are dropped (Felix reference-counts chains and only
 * programs referenced ones), and sets no remaining rule uses are dropped.
 */
import type { Ir } from "../ir/types.js";
import { mapFamilies } from "./irMap.js";

export function dropUnreferencedChains(ir: Ir): Ir {
  return mapFamilies(ir, (fam) => ({
    ...fam,
    tables: fam.tables.map((t) => {
      const byName = new Map(t.chains.map((c) => [c.name, c]));
      const reached = new Set<string>();
      const todo = t.hooks.map((h) => h.target);
      for (let name = todo.pop(); name !== undefined; name = todo.pop()) {
        if (reached.has(name)) continue;
        reached.add(name);
        for (const r of byName.get(name)?.rules ?? []) {
          if (r.action.kind === "jump" || r.action.kind === "goto") todo.push(r.action.chain);
        }
      }
      return { ...t, chains: t.chains.filter((c) => reached.has(c.name)) };
    }),
  }));
}

export function dropUnusedSets(ir: Ir): Ir {
  return mapFamilies(ir, (fam) => {
    const used = new Set<string>();
    for (const t of fam.tables) {
      for (const m of t.hooks.flatMap((h) => h.matches)) if (m.kind === "set" || m.kind === "addrPortSet") used.add(m.set);
      for (const c of t.chains) for (const r of c.rules) for (const m of r.matches) if (m.kind === "set" || m.kind === "addrPortSet") used.add(m.set);
    }
    return { ...fam, sets: fam.sets.filter((s) => used.has(s.id)) };
  });
}
