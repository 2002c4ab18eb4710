import { describe, expect, it } from "vitest";
import type { Chain, Ir } from "../../compiler/ir/types.js";
import { buildNftLayout } from "./buildLayout.js";
import { layoutChains } from "./layout.js";
import { NftChain } from "./objects.js";
import { MARKS, dropRule, filterTable, gotoRule, rule, v4Ir } from "./testIr.js";

function sample(): Ir {
  const chains: Chain[] = [
    { name: "cali-FORWARD", rules: [rule([], { kind: "jump", chain: "cali-from-wl-dispatch" }), rule([], { kind: "accept" }, ["all good"])] },
    { name: "cali-from-wl-dispatch", rules: [gotoRule("in", "cali1", "cali-fw-cali1"), gotoRule("in", "cali2", "cali-fw-cali2"), dropRule()] },
    { name: "cali-fw-cali1", rules: [rule([{ kind: "set", dir: "src", set: "s:a", negate: false }], { kind: "accept" })] },
    { name: "cali-fw-cali2", rules: [] },
  ];
  const hooks = [
    { kernelChain: "FORWARD" as const, target: "cali-FORWARD", position: "append" as const, matches: [] },
    { kernelChain: "FORWARD" as const, target: "cali-FORWARD", position: "insert" as const, matches: [{ kind: "mark" as const, value: 0, mask: MARKS.accept, negate: false }] },
  ];
  return v4Ir([filterTable(chains, hooks)], [{ id: "s:a", type: "net", family: 4, members: ["10.0.0.0/24", "10.0.0.7/32"], comment: "role == a" }]);
}

describe("buildNftLayout", () => {
  const layout = buildNftLayout(sample());
  const fam = layout.v4;

  it("makes one table per family and groups maps and chains per logical table", () => {
    expect([layout.v4.table.ref(), layout.v6.table.ref()]).toEqual(["ip policyc", "ip6 policyc"]);
    expect(fam.parts.map((p) => p.name)).toEqual(["filter"]);
    expect(layoutChains(fam).map((c) => [c.name, c.origin.kind])).toEqual([
      ["filter-FORWARD", "hooks"],
      ["filter-cali-FORWARD", "chain"],
      ["filter-cali-from-wl-dispatch", "dispatch"],
      ["filter-cali-fw-cali1", "chain"],
      ["filter-cali-fw-cali2", "chain"],
    ]);
  });

  it("holds rules as knftables does (text apart from comment), with their hash and IR position", () => {
    const forward = layoutChains(fam)[1];
    const accept = forward?.rules[1];
    expect(accept?.rule).toBe("counter accept");
    expect(accept?.comment).toBe(`cali:${accept?.hash};all good`);
    expect(accept?.text()).toBe(`counter accept comment "cali:${accept?.hash};all good"`);
    expect(forward?.rules.map((r) => r.source)).toEqual([0, 1]);
  });

  it("puts inserted hooks first in the base chain and records each one's IR position", () => {
    const base = layoutChains(fam)[0];
    expect(base?.header()).toBe("type filter hook forward priority 0; policy accept;");
    expect(base?.rules.map((r) => [r.source, r.rule])).toEqual([
      [1, "meta mark & 0x10000 == 0x0 counter jump filter-cali-FORWARD"],
      [0, "counter jump filter-cali-FORWARD"],
    ]);
  });

  it("flattens the dispatch tree into a verdict map that records the tree", () => {
    const [map] = fam.parts[0]?.maps ?? [];
    expect(map?.properties()).toEqual(["type ifname : verdict"]);
    expect(map?.elements.map((e) => e.text())).toEqual(['"cali1" : goto filter-cali-fw-cali1', '"cali2" : goto filter-cali-fw-cali2']);
    expect([map?.dispatch.table, map?.dispatch.root, map?.dispatch.dir]).toEqual(["filter", "cali-from-wl-dispatch", "in"]);
    const root = layoutChains(fam)[2];
    expect(root?.rules.map((r) => [r.source, r.rule])).toEqual([
      [-1, "counter iifname vmap @filter-cali-from-wl-dispatch"],
      [2, "counter drop"],
    ]);
  });

  it("holds sets with their type, flags, comment and minimal elements", () => {
    const [set] = fam.sets;
    expect(set?.properties()).toEqual(["type ipv4_addr", "flags interval", 'comment "role == a"']);
    expect(set?.elements.map((e) => e.text())).toEqual(["10.0.0.0/24"]);
  });

  it("takes the chains and sets a reuse supplies, as they are (never for a dispatch root)", () => {
    const earlier = new NftChain("filter-cali-fw-cali1", [], { kind: "chain", table: "filter", logical: "cali-fw-cali1" });
    const asked: string[] = [];
    const reused = buildNftLayout(sample(), {
      chain: (_f, _t, chain) => {
        asked.push(chain.name);
        return chain.name === "cali-fw-cali1" ? earlier : undefined;
      },
      set: () => fam.sets[0],
    });
    expect(layoutChains(reused.v4)[3]).toBe(earlier);
    expect(reused.v4.sets[0]).toBe(fam.sets[0]);
    expect(asked).toEqual(["cali-FORWARD", "cali-fw-cali1", "cali-fw-cali2"]);
    expect(layoutChains(reused.v4)[1]).toEqual(layoutChains(fam)[1]);
  });
});
