import { describe, expect, it } from "vitest";
import { compileCases, fixtureNode } from "../../../test/helpers/compileCase.js";
import { buildNftLayout, layoutChains, layoutMaps, renderNftables } from "../../backends/nftables/index.js";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import { loadModel } from "../../model/loadModel.js";
import { diffIr } from "../../compiler/ir/delta.js";
import type { Ir } from "../../compiler/ir/types.js";
import { buildDesiredNft, desiredNftTables } from "./desiredNftables.js";

describe("desiredNftTables is the backend's layout", () => {
  it.each(compileCases())("%s", (name) => {
    const ir = compileModel(loadModel(readInputs([`fixtures/cases/${name}`]).files).model, { node: fixtureNode }).ir;
    const tables = desiredNftTables(ir, { script: true, fingerprints: true });
    const layout = buildNftLayout(ir);
    const script = renderNftables(ir)[0]?.contents ?? "";
    tables.forEach((table, i) => {
      const fam = i === 0 ? layout.v4 : layout.v6;
      expect(table.family).toBe(fam.table.family);
      expect(table.chains.map((c) => [c.name, c.header, c.rules.map((r) => r.hash)])).toEqual(layoutChains(fam).map((c) => [c.name, c.header(), c.rules.map((r) => r.hash)]));
      expect(table.sets.map((s) => [s.kind, s.name, s.elements.length])).toEqual([...fam.sets, ...layoutMaps(fam)].map((s) => [s.kind, s.name, s.elements.length]));
      // Every rule as the script writes it, and the table's creation script is that part of it.
      for (const chain of table.chains) for (const rule of chain.rules) expect(script).toContain(`\t\t${rule.text}\n`);
      expect(script).toContain(`${table.script?.join("\n")}\n`);
    });
    // Every set and every chain that is not a dispatch root or a base chain has a digest (when asked).
    for (const table of tables) {
      expect(table.sets.every((s) => s.kind === "map" || s.fingerprint !== undefined)).toBe(true);
      expect(table.chains.every((c) => c.header !== undefined || c.rules[0]?.text.includes(" vmap @") === true || c.fingerprint !== undefined)).toBe(true);
    }
    // Without the script, the same tables.
    expect(desiredNftTables(ir, { fingerprints: true }).map(({ script: _s, ...t }) => t)).toEqual(tables.map(({ script: _s, ...t }) => t));
    expect(desiredNftTables(ir).flatMap((t) => [...t.sets, ...t.chains]).every((o) => o.fingerprint === undefined)).toBe(true);
  });

  it("spells signatures and elements as nft -j list is read", () => {
    const ir = compileModel(loadModel(readInputs(["fixtures/cases/k8s-named-ports"]).files).model, { node: fixtureNode }).ir;
    const [ip] = desiredNftTables(ir);
    const map = ip?.sets.find((s) => s.kind === "map");
    expect(map?.signature).toBe("map:ifname : verdict|");
    expect(map?.elements[0]).toMatch(/^cali\w+ : goto filter-cali-fw-/);
    const named = ip?.sets.find((s) => s.kind === "set");
    expect(named?.signature).toBe("set:ipv4_addr . inet_proto . inet_service|");
    expect(named?.declaration[0]).toBe("type ipv4_addr . inet_proto . inet_service");
    expect(named?.elements[0]).toMatch(/^10\.65\.\d+\.\d+ \. tcp \. \d+$/);
  });
});

describe("buildDesiredNft from a delta", () => {
  const compile = (name: string): Ir => compileModel(loadModel(readInputs([`fixtures/cases/${name}`]).files).model, { node: fixtureNode }).ir;
  it("gives the tables a whole build gives, for every pair of fixtures, with and without digests", () => {
    const cases = compileCases().map(compile);
    for (let i = 0; i < cases.length; i++) {
      const from = cases[i] as Ir;
      const to = cases[(i + 1) % cases.length] as Ir;
      for (const fingerprints of [false, true]) {
        const first = buildDesiredNft(from, { fingerprints });
        const next = buildDesiredNft(to, { fingerprints, from: { build: first, delta: diffIr(from, to) } });
        expect(next.tables).toEqual(buildDesiredNft(to, { fingerprints }).tables);
        // Without the delta, by digests (a build with them), the same tables.
        const byDigests = buildDesiredNft(to, { from: { build: first } });
        expect(byDigests.tables).toEqual(buildDesiredNft(to, { fingerprints: first.fingerprints }).tables);
      }
    }
  });

  it("without a delta, takes every chain and set whose IR digest is unchanged from the earlier build", () => {
    const ir = compile("demo-shop");
    const first = buildDesiredNft(ir, { fingerprints: true });
    const again = buildDesiredNft(structuredClone(ir), { from: { build: first } });
    const plain = (t: (typeof first.tables)[number]) => t.chains.filter((c) => c.fingerprint !== undefined);
    again.tables.forEach((t, i) => plain(t).forEach((c, j) => expect(c).toBe(plain(first.tables[i] as (typeof first.tables)[number])[j])));
    again.tables.forEach((t, i) => t.sets.filter((s) => s.kind === "set").forEach((s, j) => expect(s).toBe(first.tables[i]?.sets.filter((x) => x.kind === "set")[j])));
  });

  it("takes what the delta leaves alone from the earlier build, as it is", () => {
    const ir = compile("demo-shop");
    const first = buildDesiredNft(ir);
    const copy = structuredClone(ir);
    const set = copy.v4.sets.find((s) => s.type === "net");
    (set?.members as unknown[] | undefined)?.push("10.199.0.1/32");
    const next = buildDesiredNft(copy, { from: { build: first, delta: diffIr(ir, copy) } });
    expect(next.tables).toEqual(buildDesiredNft(copy).tables);
    const [v4, v6] = next.tables;
    const changed = v4?.sets.filter((s, i) => s !== first.tables[0]?.sets[i]) ?? [];
    expect(changed).toHaveLength(1);
    v4?.chains.forEach((c, i) => expect(c).toBe(first.tables[0]?.chains[i]));
    v6?.sets.forEach((s, i) => expect(s).toBe(first.tables[1]?.sets[i]));
  });
});
