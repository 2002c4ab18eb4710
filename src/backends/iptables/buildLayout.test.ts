import { describe, expect, it } from "vitest";
import type { Ir } from "../../compiler/ir/types.js";
import { buildIptablesLayout } from "./buildLayout.js";
import { printIptablesLayout } from "./index.js";
import { IptablesChain } from "./layout.js";

const marks = { accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x100000 };

const ir: Ir = {
  marks,
  v4: {
    family: 4,
    tables: [
      {
        name: "filter",
        hooks: [
          { kernelChain: "FORWARD", target: "cali-FORWARD", position: "insert", matches: [] },
          { kernelChain: "INPUT", target: "cali-FORWARD", position: "insert", matches: [] },
          { kernelChain: "FORWARD", target: "cali-FORWARD", position: "append", matches: [{ kind: "iface", dir: "in", name: "cali", prefix: true, negate: false }] },
        ],
        chains: [
          {
            name: "cali-FORWARD",
            rules: [
              { matches: [{ kind: "set", dir: "src", set: "s:a", negate: false }], action: { kind: "jump", chain: "cali-pi-gnp/a-policy-with-a-name-too-long-for-iptables" }, comments: ['say "hi"'] },
              { matches: [], action: { kind: "accept" }, comments: [] },
            ],
          },
          { name: "cali-pi-gnp/a-policy-with-a-name-too-long-for-iptables", rules: [] },
        ],
      },
    ],
    sets: [{ id: "s:a", type: "net", family: 4, members: ["10.0.0.0/24", "10.0.1.1/32"], comment: "role == a" }],
  },
  v6: { family: 6, tables: [], sets: [] },
};

describe("buildIptablesLayout", () => {
  const layout = buildIptablesLayout(ir);
  const filter = layout.v4.tables[0];

  it("names chains as iptables does and keeps each one's logical name", () => {
    expect(filter?.chains.map((c) => [c.name, c.logical])).toEqual([
      ["cali-FORWARD", "cali-FORWARD"],
      ["cali-pi-_--hZdWCQ9cfYA6aV_cx", "cali-pi-gnp/a-policy-with-a-name-too-long-for-iptables"],
    ]);
  });

  it("holds each rule's hash, its spec (hash comment first) and the IR rule it renders", () => {
    const [jump, accept] = filter?.chains[0]?.rules ?? [];
    expect(jump?.spec).toBe(`-m comment --comment "cali:${jump?.hash}" -m comment --comment "say _hi_" -m set --match-set cali40s:a src --jump cali-pi-_--hZdWCQ9cfYA6aV_cx`);
    expect(jump?.body()).toBe('-m comment --comment "say _hi_" -m set --match-set cali40s:a src --jump cali-pi-_--hZdWCQ9cfYA6aV_cx');
    expect([jump?.source, accept?.source]).toEqual([0, 1]);
    expect(accept?.body()).toBe("--jump ACCEPT");
  });

  it("groups hooks per kernel chain, in the order the IR names them, with their position and IR index", () => {
    expect(filter?.hooks.map((h) => [h.kernelChain, h.rules.map((r) => [r.position, r.source])])).toEqual([
      ["FORWARD", [["insert", 0], ["append", 1]]],
      ["INPUT", [["insert", 0]]],
    ]);
    expect(filter?.hooks[0]?.rules[0]?.hash).toBe("wUHhoiAYhphO9Mso");
  });

  it("holds the sets with their ipset name, options and the IR's sorted members", () => {
    const [set] = layout.v4.sets;
    expect([set?.name, set?.options(), set?.comment]).toEqual(["cali40s:a", "hash:net family inet maxelem 1048576", "role == a"]);
    expect(set?.members).toBe(ir.v4.sets[0]?.members);
  });

  it("prints what the restore files hold", () => {
    const [ipsets, v4] = printIptablesLayout(layout).map((f) => f.contents);
    const jump = filter?.chains[0]?.rules[0];
    expect(v4).toContain(`\n-A cali-FORWARD ${jump?.spec}\n`);
    expect(v4).toContain(`\n-I FORWARD 1 ${filter?.hooks[0]?.rules[0]?.spec}\n-A FORWARD ${filter?.hooks[0]?.rules[1]?.spec}\n-I INPUT 1 `);
    expect(ipsets).toContain("\ncreate cali40s:a hash:net family inet maxelem 1048576 -exist\ncreate cali4t0 ");
  });

  it("splits a port list over multiport's 15 slots into copies that record their IR rule and their ports", () => {
    const ports = Array.from({ length: 20 }, (_, i) => ({ first: 100 + 2 * i, last: 100 + 2 * i }));
    const chain = { name: "cali-FORWARD", rules: [{ matches: [{ kind: "protocol" as const, protocol: 6, negate: false }, { kind: "ports" as const, dir: "dst" as const, ranges: ports, negate: false }], action: { kind: "accept" as const }, comments: [] }] };
    const split = buildIptablesLayout({ ...ir, v4: { ...ir.v4, tables: [{ name: "filter", hooks: [], chains: [chain] }] } }).v4.tables[0]?.chains[0]?.rules ?? [];
    expect(split.map((r) => r.source)).toEqual([0, 0]);
    expect(split.map((r) => r.split?.map((m) => m.ranges.length))).toEqual([[15], [5]]);
    expect(split[1]?.body()).toBe("-p tcp -m multiport --destination-ports 130,132,134,136,138 --jump ACCEPT");
    expect(filter?.chains[0]?.rules[0]?.split).toBeUndefined();
  });

  it("takes the chains and sets a reuse supplies, as they are", () => {
    const earlier = new IptablesChain("cali-FORWARD", "cali-FORWARD", []);
    const reused = buildIptablesLayout(ir, { chain: (_f, _t, chain) => (chain.name === "cali-FORWARD" ? earlier : undefined), set: () => layout.v4.sets[0] });
    expect(reused.v4.tables[0]?.chains[0]).toBe(earlier);
    expect(reused.v4.tables[0]?.chains[1]).toEqual(filter?.chains[1]);
    expect(reused.v4.sets[0]).toBe(layout.v4.sets[0]);
  });
});
