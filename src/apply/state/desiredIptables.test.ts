import { describe, expect, it } from "vitest";
import { compileCases } from "../../../test/helpers/compileCase.js";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import type { Ir } from "../../compiler/ir/types.js";
import { loadModel } from "../../model/loadModel.js";
import { buildIptablesLayout, printIptablesLayout } from "../../backends/iptables/index.js";
import { iptablesChainName } from "../../backends/iptables/chainNames.js";
import { diffIr } from "../../compiler/ir/delta.js";
import { buildDesiredIptables, desiredIptablesState, normalizedMembers } from "./desiredIptables.js";
import type { DesiredIptablesState } from "./iptablesState.js";

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: "node-1" }).ir;
}

describe("desiredIptablesState is the backend's layout", () => {
  it.each(compileCases())("%s", (name) => {
    const ir = compile(name);
    const desired = desiredIptablesState(ir);
    const layout = buildIptablesLayout(ir);
    const files = printIptablesLayout(layout);
    for (const [family, path] of [["v4", "iptables.rules"], ["v6", "ip6tables.rules"]] as const) {
      const tables = layout[family].tables;
      expect(desired[family].map((t) => t.name)).toEqual(tables.map((t) => t.name));
      desired[family].forEach((table, i) => {
        const want = tables[i];
        expect(table.chains.map((c) => ({ name: c.name, rules: c.rules.map((r) => ({ spec: r.spec, hash: r.hash })) }))).toEqual(
          want?.chains.map((c) => ({ name: c.name, rules: c.rules.map((r) => ({ spec: r.spec, hash: r.hash })) })),
        );
        expect(table.hooks.map((h) => h.kernelChain)).toEqual(want?.hooks.map((h) => h.kernelChain));
      });
      // The state's chains, as `-A` lines, are exactly the file's lines for our chains, in order.
      const text = files.find((f) => f.path === path)?.contents ?? "";
      const fileLines = text.split("\n").filter((l) => l.startsWith("-A cali-"));
      expect(desired[family].flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => `-A ${c.name} ${r.spec}`)))).toEqual(fileLines);
      // Hooks: the file's kernel-chain lines carry the same specs (inserted first in the file per chain).
      const hookSpecs = text.split("\n").filter((l) => /^-[AI] [A-Z]+ /.test(l)).map((l) => l.replace(/^-A \S+ |^-I \S+ \d+ /, ""));
      expect(desired[family].flatMap((t) => t.hooks.flatMap((h) => [...h.insert, ...h.append].map((r) => r.spec)))).toEqual(hookSpecs);
    }
    const setNames = [...(files.find((f) => f.path === "ipset.restore")?.contents ?? "").matchAll(/^create (cali[46]0\S+)/gm)].map((m) => m[1]);
    expect(desired.sets.map((s) => s.name)).toEqual(setNames);
  });
});

/** A desired state without the IR digests its chains and sets may carry. */
function withoutDigests(desired: DesiredIptablesState): unknown {
  const tables = (ts: DesiredIptablesState["v4"]): unknown => ts.map((t) => ({ ...t, chains: t.chains.map(({ fingerprint: _, ...c }) => c) }));
  return { v4: tables(desired.v4), v6: tables(desired.v6), sets: desired.sets.map(({ digest: _, ...s }) => s) };
}

describe("buildDesiredIptables from a delta", () => {
  const cases = compileCases().map(compile);
  it("gives the state a whole build gives, for every pair of fixtures, with and without digests", () => {
    for (let i = 0; i < cases.length; i++) {
      const from = cases[i] as Ir;
      const to = cases[(i + 1) % cases.length] as Ir;
      for (const fingerprints of [false, true]) {
        const first = buildDesiredIptables(from, { fingerprints });
        const next = buildDesiredIptables(to, { fingerprints, from: { build: first, delta: diffIr(from, to) } });
        expect(next.desired).toEqual(buildDesiredIptables(to, { fingerprints }).desired);
        expect(next.ir).toBe(to);
        // Without the delta, by digests (worked out for `first` when it has none), the same
        // state, but for the digests the new parts carry.
        const byDigests = buildDesiredIptables(to, { from: { build: first } });
        expect(withoutDigests(byDigests.desired)).toEqual(withoutDigests(buildDesiredIptables(to).desired));
        expect(byDigests.fingerprints).toBe(fingerprints);
        if (fingerprints) expect(byDigests.desired).toEqual(buildDesiredIptables(to, { fingerprints: true }).desired);
        // By digests from a build made from a delta: its kept parts' digests are `from`'s IR's.
        const back = buildDesiredIptables(from, { from: { build: next } });
        expect(withoutDigests(back.desired)).toEqual(withoutDigests(buildDesiredIptables(from).desired));
      }
    }
  });

  it("without a delta, takes every chain and set whose IR digest is unchanged from the earlier build, made with digests or without", () => {
    const ir = compile("demo-shop");
    for (const fingerprints of [true, false]) {
      const first = buildDesiredIptables(ir, { fingerprints });
      const again = buildDesiredIptables(structuredClone(ir), { from: { build: first } });
      expect(again.desired.v4.flatMap((t) => t.chains).length).toBeGreaterThan(0);
      again.desired.v4.forEach((t, i) => t.chains.forEach((c, j) => expect(c).toBe(first.desired.v4[i]?.chains[j])));
      again.desired.v6.forEach((t, i) => t.chains.forEach((c, j) => expect(c).toBe(first.desired.v6[i]?.chains[j])));
      expect(again.desired.sets.length).toBeGreaterThan(0);
      again.desired.sets.forEach((s, i) => expect(s).toBe(first.desired.sets[i]));
    }
  });

  it("takes what the delta leaves alone from the earlier build, as it is", () => {
    const ir = compile("demo-shop");
    const first = buildDesiredIptables(ir);
    const copy = structuredClone(ir);
    const chain = copy.v4.tables[0]?.chains.find((c) => c.rules.length > 0);
    (chain?.rules as unknown[] | undefined)?.pop();
    const next = buildDesiredIptables(copy, { from: { build: first, delta: diffIr(ir, copy) } });
    expect(next.desired).toEqual(buildDesiredIptables(copy).desired);
    const changed = next.desired.v4[0]?.chains.find((c) => c.name === iptablesChainName(chain?.name ?? ""));
    expect(changed).not.toBe(first.desired.v4[0]?.chains.find((c) => c.name === changed?.name));
    // Every other chain, every set and the other family: the earlier build's own objects.
    const kept = next.desired.v4[0]?.chains.filter((c) => c !== changed) ?? [];
    expect(kept.length).toBeGreaterThan(0);
    for (const c of kept) expect(first.desired.v4[0]?.chains).toContain(c);
    next.desired.sets.forEach((s, i) => expect(s).toBe(first.desired.sets[i]));
    next.desired.v6.forEach((t, i) => expect(t).toBe(first.desired.v6[i]));
  });
});

describe("normalizedMembers", () => {
  it("keeps the layout's own array when every member is spelled as the kernel prints it", () => {
    const members = ["10.0.0.1", "10.0.0.0/24", "10.0.0.2,tcp:80", "fd00::1"];
    expect(normalizedMembers(members)).toBe(members);
  });
  it("respells the others, and de-duplicates what then meets", () => {
    expect(normalizedMembers(["10.0.0.1", "10.0.0.1/32", "10.0.0.5/24", "FD00:0::1", "fd00::2"])).toEqual(["10.0.0.1", "10.0.0.0/24", "fd00::1", "fd00::2"]);
  });
});
