import { describe, expect, it } from "vitest";
import type { FamilyIr, Ir, IpSet } from "../../compiler/ir/types.js";
import { buildIptablesLayout } from "./buildLayout.js";
import { ipsetName, ipsetNameMap, ipsetType, printIpsetRestore } from "./renderIpset.js";

/** The ipset file of an IR, as renderIptables prints it. */
const renderIpsetRestore = (ir: Ir): string => printIpsetRestore(buildIptablesLayout(ir));
import { MAX_IPSET_NAME_LENGTH } from "./limits.js";

const empty = (family: 4 | 6): FamilyIr => ({ family, tables: [], sets: [] });
const marks = { accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x100000 };

describe("ipsetName", () => {
  it.each([
    ["Felix's v4 example", 4, "s:rV61RKD1Q8wo61pyeB0j2rw", "cali40s:rV61RKD1Q8wo61pyeB0j2rw"],
    ["v6", 6, "s:rV61RKD1Q8wo61pyeB0j2rw", "cali60s:rV61RKD1Q8wo61pyeB0j2rw"],
    ["long ID cut to 31", 4, "s:rV61RKD1Q8wo61pyeB0j2rwXXXXXXXXXXXX", "cali40s:rV61RKD1Q8wo61pyeB0j2rw"],
    ["short ID", 4, "n:x", "cali40n:x"],
  ] as const)("%s", (_name, family, id, expected) => {
    expect(ipsetName(family, id)).toBe(expected);
    expect(ipsetName(family, id).length).toBeLessThanOrEqual(MAX_IPSET_NAME_LENGTH);
  });

  it("maps set types", () => {
    expect(ipsetType("net")).toBe("hash:net");
    expect(ipsetType("addrPort")).toBe("hash:ip,port");
  });

  it("rejects two IDs that cut to the same name", () => {
    const set = (id: string): IpSet => ({ id, type: "net", family: 4, members: [], comment: "" });
    expect(() => ipsetNameMap({ family: 4, tables: [], sets: [set(`s:${"a".repeat(30)}1`), set(`s:${"a".repeat(30)}2`)] })).toThrow(/both get/);
  });

  it("rejects a set listed under the wrong family", () => {
    expect(() => ipsetNameMap({ family: 4, tables: [], sets: [{ id: "s:x", type: "net", family: 6, members: [], comment: "" }] })).toThrow(/listed under/);
  });
});

describe("printIpsetRestore", () => {
  const ir: Ir = {
    marks,
    v4: {
      ...empty(4),
      sets: [
        { id: "n:web", type: "addrPort", family: 4, members: ["10.0.0.2,tcp:80", "10.0.0.1,tcp:80"], comment: 'port "http"' },
        { id: "s:db", type: "net", family: 4, members: ["10.0.0.9/32", "10.0.0.10/32", "10.0.0.9/32"], comment: "role == db" },
      ],
    },
    v6: { ...empty(6), sets: [{ id: "s:db", type: "net", family: 6, members: ["fd00::1/128"], comment: "role == db" }] },
  };

  it("creates, fills through a temporary set and swaps, v4 then v6, members sorted and unique", () => {
    expect(renderIpsetRestore(ir)).toBe(
      [
        "# policyc: input for `ipset restore`; sets cali4* are IPv4, cali6* IPv6.",
        "# port _http_",
        "create cali40n:web hash:ip,port family inet maxelem 1048576 -exist",
        "create cali4t0 hash:ip,port family inet maxelem 1048576 -exist",
        "flush cali4t0",
        "add cali4t0 10.0.0.1,tcp:80",
        "add cali4t0 10.0.0.2,tcp:80",
        "swap cali40n:web cali4t0",
        "destroy cali4t0",
        "# role == db",
        "create cali40s:db hash:net family inet maxelem 1048576 -exist",
        "create cali4t1 hash:net family inet maxelem 1048576 -exist",
        "flush cali4t1",
        "add cali4t1 10.0.0.10/32",
        "add cali4t1 10.0.0.9/32",
        "swap cali40s:db cali4t1",
        "destroy cali4t1",
        "# role == db",
        "create cali60s:db hash:net family inet6 maxelem 1048576 -exist",
        "create cali6t0 hash:net family inet6 maxelem 1048576 -exist",
        "flush cali6t0",
        "add cali6t0 fd00::1/128",
        "swap cali60s:db cali6t0",
        "destroy cali6t0",
        "",
      ].join("\n"),
    );
  });

  it("rejects a member that would inject another command", () => {
    for (const member of ["10.0.0.1/32\ndestroy foo", "10.0.0.1 10.0.0.2", "10.0.0.1\t", "10.0.0.1\u00a0", "10.0.0.1\u2028x", ""]) {
      const bad: Ir = { ...ir, v4: { ...empty(4), sets: [{ id: "s:x", type: "net", family: 4, members: [member], comment: "" }] } };
      expect(() => renderIpsetRestore(bad)).toThrow(/malformed member/);
    }
  });
});

describe("renderIpsetRestore at scale", () => {
  it("renders a set of a million members (shape L's largest sets) without overflowing the stack", () => {
    const members = Array.from({ length: 1_000_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    const ir: Ir = { marks, v4: { ...empty(4), sets: [{ id: "s:big", type: "net", family: 4, members, comment: "big" }] }, v6: empty(6) };
    const text = renderIpsetRestore(ir);
    expect(text.split("\n").filter((l) => l.startsWith("add ")).length).toBe(1_000_000);
  });
});
