import { describe, expect, it } from "vitest";
import type { Ir } from "../../compiler/ir/types.js";
import { renderIptables } from "./index.js";
import { sampleIr } from "../../../test/kernel/sampleIr.js";

const marks = { accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x100000 };

const small: Ir = {
  marks,
  v4: {
    family: 4,
    tables: [
      {
        name: "filter",
        hooks: [
          { kernelChain: "FORWARD", target: "cali-FORWARD", position: "insert", matches: [] },
          { kernelChain: "FORWARD", target: "cali-FORWARD", position: "insert", matches: [{ kind: "iface", dir: "in", name: "cali", prefix: true, negate: false }] },
          { kernelChain: "FORWARD", target: "cali-FORWARD", position: "append", matches: [] },
        ],
        chains: [{ name: "cali-FORWARD", rules: [{ matches: [], action: { kind: "accept" }, comments: [] }] }],
      },
    ],
    sets: [],
  },
  v6: { family: 6, tables: [], sets: [] },
};

describe("renderIptables", () => {
  it("returns the three files in load order", () => {
    expect(renderIptables(small).map((f) => f.path)).toEqual(["ipset.restore", "iptables.rules", "ip6tables.rules"]);
  });

  it("declares our chains, numbers inserted hooks, appends append hooks, and chains hook hashes from the kernel chain", () => {
    const v4 = renderIptables(small)[1]?.contents ?? "";
    const lines = v4.split("\n");
    expect(lines.slice(1, 3)).toEqual(["*filter", ":cali-FORWARD - [0:0]"]);
    expect(lines[3]).toMatch(/^-A cali-FORWARD -m comment --comment "cali:\S{16}" --jump ACCEPT$/);
    expect(lines[4]).toBe('-I FORWARD 1 -m comment --comment "cali:wUHhoiAYhphO9Mso" --jump cali-FORWARD');
    expect(lines[5]).toMatch(/^-I FORWARD 2 -m comment --comment "cali:\S{16}" -i cali\+ --jump cali-FORWARD$/);
    expect(lines[6]).toMatch(/^-A FORWARD -m comment --comment "cali:\S{16}" --jump cali-FORWARD$/);
    expect(lines.slice(7)).toEqual(["COMMIT", ""]);
    expect(v4).not.toMatch(/^:(INPUT|FORWARD|OUTPUT)/m);
  });

  it("writes only the header for a family without tables", () => {
    expect(renderIptables(small)[2]?.contents).toBe("# policyc: input for `ip6tables-restore --noflush`; declares only cali- chains and their hooks.\n");
  });

  it("is deterministic: same input, same bytes, and the input is not mutated", () => {
    const ir = sampleIr();
    const frozen = JSON.stringify(ir);
    const first = renderIptables(ir);
    expect(renderIptables(sampleIr())).toEqual(first);
    expect(renderIptables(JSON.parse(frozen) as Ir)).toEqual(first);
    expect(JSON.stringify(ir)).toBe(frozen);
  });

  it("keeps every chain name within 28 characters and every set name within 31", () => {
    const [ipsets, v4, v6] = renderIptables(sampleIr()).map((f) => f.contents);
    for (const rules of [v4 ?? "", v6 ?? ""]) {
      for (const m of rules.matchAll(/^:(\S+)/gm)) expect(m[1]?.length).toBeLessThanOrEqual(28);
    }
    for (const m of (ipsets ?? "").matchAll(/^create (\S+)/gm)) expect(m[1]?.length).toBeLessThanOrEqual(31);
    expect(v4).toContain(":cali-pi-_PymyFHQQg3808jiz1OJ - [0:0]");
  });

  it("rejects a hook into a kernel chain the table does not have", () => {
    const bad: Ir = {
      ...small,
      v4: { ...small.v4, tables: [{ name: "raw", hooks: [{ kernelChain: "INPUT", target: "cali-x", position: "insert", matches: [] }], chains: [{ name: "cali-x", rules: [] }] }] },
    };
    expect(() => renderIptables(bad)).toThrow(/has no INPUT chain/);
  });
});
