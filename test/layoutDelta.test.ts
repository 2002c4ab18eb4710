/**
 * A backend layout built from an IR delta equals the layout built from scratch, for both
 * backends, and shares every object the delta leaves unchanged (property tests):
 * - pairs of fixture IRs (deltas that change nearly everything: tables, chains, hooks, sets);
 * - a fixture IR and a run of small random edits, each layout built from the one before and
 *   the delta of that edit (rules, chains, hooks, dispatch entries, sets, members, comments,
 *   port lists long enough to be split for multiport, the mark bits).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IptablesLayout } from "../src/backends/iptables/index.js";
import { buildIptablesLayout, iptablesLayoutFromDelta } from "../src/backends/iptables/index.js";
import type { NftLayout } from "../src/backends/nftables/index.js";
import { buildNftLayout, layoutChains, nftLayoutFromDelta } from "../src/backends/nftables/index.js";
import { compileModel } from "../src/compiler/compile.js";
import type { IrDelta } from "../src/compiler/ir/delta.js";
import { diffIr } from "../src/compiler/ir/delta.js";
import type { Chain, FamilyIr, Ir, IpSet, Rule, Table } from "../src/compiler/ir/types.js";
import { readInputs } from "../src/cli/readInputs.js";
import { loadModel } from "../src/model/loadModel.js";
import { compileCases, fixtureNode } from "./helpers/compileCase.js";

const fixtures: readonly Ir[] = compileCases().map(
  (name) => compileModel(loadModel(readInputs([`fixtures/cases/${name}`]).files).model, { node: fixtureNode }).ir,
);

/** Every chain of the previous layout that the delta leaves alone is the same object now. */
function expectIptablesShared(before: IptablesLayout, after: IptablesLayout, ir: Ir, delta: IrDelta): void {
  for (const key of ["v4", "v6"] as const) {
    const d = delta[key];
    for (const table of after[key].tables) {
      const td = d.tables.find((t) => t.table === table.name);
      const old = before[key].tables.find((t) => t.name === table.name);
      if (old === undefined) continue;
      if (td === undefined && !delta.marksChanged) expect(table).toBe(old);
      const touched = new Set([...(td?.chainsAdded ?? []), ...(td?.chainsChanged ?? [])]);
      for (const chain of table.chains) {
        const was = old.chains.find((c) => c.logical === chain.logical);
        if (!delta.marksChanged && was !== undefined && !touched.has(chain.logical)) expect(chain).toBe(was);
      }
    }
    const changedSets = new Set([...d.setsAdded, ...d.setsChanged.map((s) => s.id), ...d.setsRecommented]);
    after[key].sets.forEach((set, i) => {
      const was = before[key].sets.find((s) => s.name === set.name);
      if (!delta.marksChanged && was !== undefined && !changedSets.has(ir[key].sets[i]?.id ?? "")) expect(set).toBe(was);
    });
  }
}

function expectNftShared(before: NftLayout, after: NftLayout, ir: Ir, delta: IrDelta): void {
  if (delta.marksChanged) return;
  for (const key of ["v4", "v6"] as const) {
    const d = delta[key];
    for (const chain of layoutChains(after[key])) {
      const o = chain.origin;
      if (o.kind !== "chain") continue;
      const td = d.tables.find((t) => t.table === o.table);
      const was = layoutChains(before[key]).find((c) => c.origin.kind === "chain" && c.origin.table === o.table && c.origin.logical === o.logical);
      if (was !== undefined && !(td?.chainsAdded.includes(o.logical) ?? false) && !(td?.chainsChanged.includes(o.logical) ?? false)) expect(chain).toBe(was);
    }
    const changedSets = new Set([...d.setsAdded, ...d.setsChanged.map((s) => s.id), ...d.setsRecommented]);
    after[key].sets.forEach((set, i) => {
      const was = before[key].sets.find((s) => s.name === set.name);
      if (was !== undefined && !changedSets.has(ir[key].sets[i]?.id ?? "")) expect(set).toBe(was);
    });
  }
}

interface Layouts {
  readonly iptables: IptablesLayout;
  readonly nft: NftLayout;
}

/** Builds `after` from `before`'s layouts and the delta, checks it against a whole build, returns it. */
function step(beforeIr: Ir, before: Layouts, afterIr: Ir): Layouts {
  const delta = diffIr(beforeIr, afterIr);
  const iptables = iptablesLayoutFromDelta(before.iptables, afterIr, delta);
  const nft = nftLayoutFromDelta(before.nft, afterIr, delta);
  expect(iptables).toEqual(buildIptablesLayout(afterIr));
  expect(nft).toEqual(buildNftLayout(afterIr));
  expectIptablesShared(before.iptables, iptables, afterIr, delta);
  expectNftShared(before.nft, nft, afterIr, delta);
  return { iptables, nft };
}

function whole(ir: Ir): Layouts {
  return { iptables: buildIptablesLayout(ir), nft: buildNftLayout(ir) };
}

describe("a layout built from an IR delta equals the layout built from scratch", () => {
  it("for pairs of fixture IRs", () => {
    const layouts = fixtures.map(whole);
    fc.assert(
      fc.property(fc.nat(fixtures.length - 1), fc.nat(fixtures.length - 1), (a, b) => {
        step(fixtures[a] as Ir, layouts[a] as Layouts, fixtures[b] as Ir);
      }),
      { numRuns: 120 },
    );
  });

  it("for a fixture IR and runs of small random edits, each built from the one before", () => {
    fc.assert(
      fc.property(fc.nat(fixtures.length - 1), fc.array(editArb, { minLength: 1, maxLength: 6 }), (index, edits) => {
        let ir = fixtures[index] as Ir;
        let layouts = whole(ir);
        for (const edit of edits) {
          const next = applyEdit(ir, edit);
          layouts = step(ir, layouts, next);
          ir = next;
        }
      }),
      { numRuns: 200 },
    );
  });

  it("shares the whole family when the delta leaves it alone, and the whole layout for an empty delta", () => {
    const ir = fixtures[0] as Ir;
    const layouts = whole(ir);
    const same = step(ir, layouts, structuredClone(ir));
    expect(same.iptables.v4).toBe(layouts.iptables.v4);
    expect(same.nft.v6).toBe(layouts.nft.v6);
  });
});

// ---- Random edits that keep the IR valid (every jump names a chain, every set match a set) ----

type Edit = { readonly kind: string; readonly family: 4 | 6; readonly pick: number; readonly pick2: number };

const editArb: fc.Arbitrary<Edit> = fc.record({
  kind: fc.constantFrom(
    "setMemberAdd", "setMemberRemove", "setComment", "setAdd", "setRemove",
    "ruleComment", "ruleAction", "ruleRemove", "ruleDuplicate", "rulePorts",
    "chainAdd", "chainRemove", "hooksReverse", "hookRemove", "dispatchRemove", "marks",
  ),
  family: fc.constantFrom(4 as const, 6 as const),
  pick: fc.nat(1000),
  pick2: fc.nat(1000),
});

function at<T>(xs: readonly T[], pick: number): T | undefined {
  return xs.length === 0 ? undefined : xs[pick % xs.length];
}

function sortUnique(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort();
}

/** Chains and sets named by any rule or hook of a family. */
function referenced(fam: FamilyIr): { chains: Set<string>; sets: Set<string> } {
  const chains = new Set<string>();
  const sets = new Set<string>();
  for (const t of fam.tables) {
    for (const h of t.hooks) chains.add(h.target);
    for (const c of t.chains) {
      for (const r of c.rules) {
        if (r.action.kind === "jump" || r.action.kind === "goto") chains.add(r.action.chain);
        for (const m of r.matches) if (m.kind === "set" || m.kind === "addrPortSet") sets.add(m.set);
      }
    }
  }
  return { chains, sets };
}

function withFamily(ir: Ir, family: 4 | 6, f: (fam: FamilyIr) => FamilyIr): Ir {
  return family === 4 ? { ...ir, v4: f(ir.v4) } : { ...ir, v6: f(ir.v6) };
}

function withTable(fam: FamilyIr, pick: number, f: (t: Table) => Table): FamilyIr {
  const table = at(fam.tables, pick);
  return table === undefined ? fam : { ...fam, tables: fam.tables.map((t) => (t === table ? f(t) : t)) };
}

function withChain(fam: FamilyIr, pick: number, f: (c: Chain, t: Table) => Chain): FamilyIr {
  const all = fam.tables.flatMap((t) => t.chains.map((c) => ({ t, c })));
  const target = at(all, pick);
  if (target === undefined) return fam;
  return { ...fam, tables: fam.tables.map((t) => (t === target.t ? { ...t, chains: t.chains.map((c) => (c === target.c ? f(c, t) : c)) } : t)) };
}

function withRule(fam: FamilyIr, pick: number, pick2: number, f: (rules: readonly Rule[], i: number) => readonly Rule[]): FamilyIr {
  const nonEmpty = fam.tables.flatMap((t) => t.chains.filter((c) => c.rules.length > 0)).map((c) => c.name);
  const name = at(nonEmpty, pick);
  return withChain(fam, fam.tables.flatMap((t) => t.chains).findIndex((c) => c.name === name), (c) => ({ ...c, rules: f(c.rules, pick2 % c.rules.length) }));
}

function member(set: IpSet, n: number): string {
  const address = set.family === 4 ? `192.0.2.${n % 250}` : `2001:db8::${(n % 250).toString(16)}`;
  return set.type === "net" ? `${address}/${set.family === 4 ? 32 : 128}` : `${address},tcp:${1000 + n}`;
}

function applyEdit(ir: Ir, edit: Edit): Ir {
  const { family, pick, pick2 } = edit;
  const fam = family === 4 ? ir.v4 : ir.v6;
  switch (edit.kind) {
    case "setMemberAdd":
    case "setMemberRemove":
    case "setComment": {
      const set = at(fam.sets, pick);
      if (set === undefined) return ir;
      const changed: IpSet =
        edit.kind === "setComment" ? { ...set, comment: `${set.comment} (edited ${pick2})` }
        : edit.kind === "setMemberAdd" ? { ...set, members: sortUnique([...set.members, member(set, pick2)]) }
        : { ...set, members: set.members.filter((_, i) => i !== pick2 % Math.max(1, set.members.length)) };
      return withFamily(ir, family, (f) => ({ ...f, sets: f.sets.map((s) => (s === set ? changed : s)) }));
    }
    case "setAdd": {
      const set: IpSet = { id: `s:zz-added-${pick}`, type: pick % 2 === 0 ? "net" : "addrPort", family, members: [], comment: "added" };
      if (fam.sets.some((s) => s.id === set.id)) return ir;
      const full = { ...set, members: sortUnique([member(set, pick2), member(set, pick2 + 1)]) };
      return withFamily(ir, family, (f) => ({ ...f, sets: [...f.sets, full].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)) }));
    }
    case "setRemove": {
      const used = referenced(fam).sets;
      const set = at(fam.sets.filter((s) => !used.has(s.id)), pick);
      return set === undefined ? ir : withFamily(ir, family, (f) => ({ ...f, sets: f.sets.filter((s) => s !== set) }));
    }
    case "ruleComment":
      return withFamily(ir, family, (f) => withRule(f, pick, pick2, (rules, i) => rules.map((r, j) => (j === i ? { ...r, comments: [...r.comments, `edited ${pick}`] } : r))));
    case "ruleAction":
      return withFamily(ir, family, (f) => withRule(f, pick, pick2, (rules, i) => rules.map((r, j) => (j === i ? { ...r, action: { kind: pick % 2 === 0 ? "accept" : "drop" } } : r))));
    case "ruleRemove":
      return withFamily(ir, family, (f) => withRule(f, pick, pick2, (rules, i) => rules.filter((_, j) => j !== i)));
    case "ruleDuplicate":
      return withFamily(ir, family, (f) => withRule(f, pick, pick2, (rules, i) => rules.flatMap((r, j) => (j === i ? [r, r] : [r]))));
    case "rulePorts": {
      // A TCP rule with a port list longer than multiport's 15 slots, positive or negated.
      const ranges = Array.from({ length: 16 + (pick2 % 10) }, (_, i) => ({ first: 1000 + 3 * i, last: 1000 + 3 * i + (i % 3 === 0 ? 1 : 0) }));
      const rule: Rule = { matches: [{ kind: "protocol", protocol: 6, negate: false }, { kind: "ports", dir: pick2 % 2 === 0 ? "dst" : "src", ranges, negate: pick % 3 === 0 }], action: { kind: "drop" }, comments: ["many ports"] };
      return withFamily(ir, family, (f) => withChain(f, pick, (c) => ({ ...c, rules: [...c.rules, rule] })));
    }
    case "chainAdd": {
      const added: Chain = { name: `cali-pi-gnp/zz-added-${pick}`, rules: [{ matches: [], action: { kind: "return" }, comments: ["added"] }] };
      const byName = (a: Chain, b: Chain): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
      return withFamily(ir, family, (f) => withTable(f, pick2, (t) => (t.chains.some((c) => c.name === added.name) ? t : { ...t, chains: [...t.chains, added].sort(byName) })));
    }
    case "chainRemove": {
      const used = referenced(fam).chains;
      return withFamily(ir, family, (f) =>
        withTable(f, pick, (t) => {
          const chain = at(t.chains.filter((c) => !used.has(c.name)), pick2);
          return chain === undefined ? t : { ...t, chains: t.chains.filter((c) => c !== chain) };
        }),
      );
    }
    case "hooksReverse":
      return withFamily(ir, family, (f) => withTable(f, pick, (t) => ({ ...t, hooks: [...t.hooks].reverse() })));
    case "hookRemove":
      return withFamily(ir, family, (f) => withTable(f, pick, (t) => ({ ...t, hooks: t.hooks.filter((_, i) => i !== pick2 % Math.max(1, t.hooks.length)) })));
    case "dispatchRemove": {
      // Drop one interface entry of a dispatch chain (its target chain stays).
      const dispatch = fam.tables.flatMap((t) => t.chains).filter((c) => c.name.includes("-wl-dispatch") && c.rules.length > 1);
      const chain = at(dispatch, pick);
      if (chain === undefined) return ir;
      const index = fam.tables.flatMap((t) => t.chains).indexOf(chain);
      return withFamily(ir, family, (f) => withChain(f, index, (c) => ({ ...c, rules: c.rules.filter((_, i) => i !== pick2 % (c.rules.length - 1)) })));
    }
    case "marks":
      return { ...ir, marks: { ...ir.marks, scratch1: ir.marks.scratch1 === 0x100000 ? 0x200000 : 0x100000 } };
    default:
      return ir;
  }
}
