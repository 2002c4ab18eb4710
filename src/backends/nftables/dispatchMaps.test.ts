import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dispatchChains } from "../../compiler/felixLayout/dispatch.js";
import type { Chain, Table } from "../../compiler/ir/types.js";
import { findDispatchMaps } from "./dispatchMaps.js";
import { dropRule, emptyChain, filterTable, gotoRule, rule } from "./testIr.js";

/** Felix's example tree (dispatch_test.go): cali11, cali12, cali13, cali21, cali22. */
function felixTree(): Table {
  const root: Chain = {
    name: "cali-from-wl-dispatch",
    rules: [gotoRule("in", "cali1", "cali-from-wl-dispatch-1", true), gotoRule("in", "cali2", "cali-from-wl-dispatch-2", true), dropRule()],
  };
  const child = (c: string, names: string[]): Chain => ({
    name: `cali-from-wl-dispatch-${c}`,
    rules: [...names.map((n) => gotoRule("in", n, `cali-fw-${n}`)), dropRule()],
  });
  const ifaces = ["cali11", "cali12", "cali13", "cali21", "cali22"];
  return filterTable(
    [root, child("1", ["cali11", "cali12", "cali13"]), child("2", ["cali21", "cali22"]), ...ifaces.map((i) => emptyChain(`cali-fw-${i}`)),
      { name: "cali-FORWARD", rules: [rule([], { kind: "jump", chain: "cali-from-wl-dispatch" })] }],
  );
}

describe("findDispatchMaps", () => {
  it("flattens Felix's one-level prefix tree into one map and folds the children", () => {
    const [map, ...rest] = findDispatchMaps(felixTree());
    expect(rest).toEqual([]);
    expect(map?.root).toBe("cali-from-wl-dispatch");
    expect(map?.dir).toBe("in");
    expect(map?.children).toEqual(["cali-from-wl-dispatch-1", "cali-from-wl-dispatch-2"]);
    expect(map?.entries.map((e) => `${e.iface}>${e.target}`)).toEqual(
      ["cali11", "cali12", "cali13", "cali21", "cali22"].map((i) => `${i}>cali-fw-${i}`),
    );
    expect(map?.final.action.kind).toBe("drop");
  });

  it("flattens a flat root (every bucket a single name) with the out direction", () => {
    const t = filterTable([
      { name: "cali-to-wl-dispatch", rules: [gotoRule("out", "calib", "cali-tw-calib"), gotoRule("out", "calia", "cali-tw-calia"), dropRule()] },
      emptyChain("cali-tw-calia"),
      emptyChain("cali-tw-calib"),
    ]);
    const [map] = findDispatchMaps(t);
    expect(map?.dir).toBe("out");
    expect(map?.entries.map((e) => e.iface)).toEqual(["calia", "calib"]);
    expect(map?.children).toEqual([]);
  });

  it("leaves chains of any other shape alone", () => {
    const shapes: Chain[][] = [
      // Only a drop: nothing to look up.
      [{ name: "cali-a", rules: [dropRule()] }],
      // No final rule.
      [{ name: "cali-a", rules: [gotoRule("in", "x", "cali-b")] }, emptyChain("cali-b")],
      // Jump instead of goto.
      [{ name: "cali-a", rules: [rule([{ kind: "iface", dir: "in", name: "x", prefix: false, negate: false }], { kind: "jump", chain: "cali-b" }), dropRule()] }, emptyChain("cali-b")],
      // Mixed directions.
      [{ name: "cali-a", rules: [gotoRule("in", "x", "cali-b"), gotoRule("out", "y", "cali-b"), dropRule()] }, emptyChain("cali-b")],
      // A second match.
      [{ name: "cali-a", rules: [rule([{ kind: "iface", dir: "in", name: "x", prefix: false, negate: false }, { kind: "protocol", protocol: 6, negate: false }], { kind: "goto", chain: "cali-b" }), dropRule()] }, emptyChain("cali-b")],
    ];
    for (const chains of shapes) expect(findDispatchMaps(filterTable(chains))).toEqual([]);
  });

  it("refuses when flattening would change a verdict", () => {
    // An exact name after a prefix that catches it: the chain walk sends it to the child (drop).
    const shadowed = filterTable([
      { name: "cali-a", rules: [gotoRule("in", "cali1", "cali-a-1", true), gotoRule("in", "cali1x", "cali-fw"), dropRule()] },
      { name: "cali-a-1", rules: [gotoRule("in", "cali11", "cali-fw"), dropRule()] },
      emptyChain("cali-fw"),
    ]);
    expect(findDispatchMaps(shadowed).map((m) => m.root)).toEqual(["cali-a-1"]);
    // A child that someone else also jumps to.
    const shared = felixTree();
    const extra = { ...shared, chains: [...shared.chains, { name: "cali-x", rules: [rule([], { kind: "goto", chain: "cali-from-wl-dispatch-1" })] }] };
    expect(findDispatchMaps(extra).map((m) => m.root)).toEqual(["cali-from-wl-dispatch-1", "cali-from-wl-dispatch-2"]);
    // A child ending in another verdict than the root.
    const t = felixTree();
    const differentEnd = {
      ...t,
      chains: t.chains.map((c) => (c.name === "cali-from-wl-dispatch-2" ? { ...c, rules: [...c.rules.slice(0, -1), rule([], { kind: "return" })] } : c)),
    };
    expect(findDispatchMaps(differentEnd).some((m) => m.root === "cali-from-wl-dispatch")).toBe(false);
  });

  it("keeps the first of repeated names and skips child entries outside their prefix, as the walk does", () => {
    const t = filterTable([
      { name: "cali-a", rules: [gotoRule("in", "cali9", "cali-first"), gotoRule("in", "cali1", "cali-a-1", true), gotoRule("in", "cali9", "cali-second"), dropRule()] },
      { name: "cali-a-1", rules: [gotoRule("in", "cali11", "cali-first"), gotoRule("in", "cali22", "cali-second"), dropRule()] },
      emptyChain("cali-first"),
      emptyChain("cali-second"),
    ]);
    const [map] = findDispatchMaps(t);
    expect(map?.entries).toEqual([{ iface: "cali11", target: "cali-first" }, { iface: "cali9", target: "cali-first" }]);
  });
});

/** Walks dispatch chains as netfilter would: the first matching rule wins, goto follows. */
function walk(chains: ReadonlyMap<string, Chain>, start: string, iface: string): string {
  let chain = chains.get(start);
  for (let hops = 0; chain !== undefined && hops < 10; hops++) {
    const hit = chain.rules.find((r) => r.matches.every((m) => m.kind === "iface" && (m.prefix ? iface.startsWith(m.name) : iface === m.name)));
    if (hit === undefined) return "fall-through";
    if (hit.action.kind !== "goto") return hit.action.kind.toUpperCase();
    if (!chains.has(hit.action.chain) || !hit.action.chain.startsWith(start)) return hit.action.chain;
    chain = chains.get(hit.action.chain);
  }
  throw new Error("walk did not end");
}

describe("findDispatchMaps (property)", () => {
  it("the map lookup plus the final rule picks the same chain as walking the compiler's tree", () => {
    const ifaceName = fc.stringMatching(/^cali[0-9a-c]{1,4}$/);
    fc.assert(
      fc.property(fc.uniqueArray(ifaceName, { minLength: 1, maxLength: 25 }), fc.array(ifaceName, { maxLength: 10 }), (ifaces, probes) => {
        const chains = dispatchChains("cali-from-wl-dispatch", ifaces, "in", (i) => `cali-fw-${i}`);
        const table = filterTable([...chains, ...ifaces.map((i) => emptyChain(`cali-fw-${i}`))]);
        const maps = findDispatchMaps(table);
        expect(maps.map((m) => m.root)).toEqual(["cali-from-wl-dispatch"]);
        const map = maps[0]!;
        const byName = new Map(table.chains.map((c) => [c.name, c]));
        for (const probe of [...ifaces, ...probes]) {
          const viaMap = map.entries.find((e) => e.iface === probe)?.target ?? map.final.action.kind.toUpperCase();
          expect(viaMap).toBe(walk(byName, "cali-from-wl-dispatch", probe));
        }
      }),
    );
  });
});
