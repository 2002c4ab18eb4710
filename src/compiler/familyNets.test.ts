import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { hostCidr } from "./endpoints.js";
import { addrRanks, familyNets, namedPortMembers, netSetMembers } from "./familyNets.js";
import { MemberTable } from "./memberTable.js";
import { v4SortKey } from "./passes/cidrMath.js";

const BASE = { inherited: {}, automatic: {}, strip: false };

// Addresses and CIDRs as members give them: bare (pods) or with a prefix length; IPv6 ones
// include texts that are prefixes of others, and an embedded IPv4 tail (`.` sorts before `/`).
const v4 = fc.tuple(fc.constantFrom(10, 192), fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 3 }), fc.option(fc.constantFrom(24, 31, 32))).map(([a, b, c, p]) => `${a}.0.${b}.${c}${p === null ? "" : `/${p}`}`);
const v6 = fc.tuple(fc.constantFrom("fd00::", "fd00::1", "fd00::10", "::1", "::1.2.3.4", "fd00::1:1"), fc.option(fc.constantFrom(64, 128))).map(([a, p]) => (p === null ? a : `${a}/${p}`));

function table(nets: readonly (readonly string[])[]): MemberTable {
  const t = new MemberTable();
  for (const n of nets) t.add({}, BASE, n, [{ name: "http", protocol: "TCP", port: 80 }]);
  return t;
}

describe("familyNets", () => {
  it("lists net set members de-duplicated as CIDR texts, IPv4 by address then prefix length, IPv6 by text", () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.oneof(v4, v6), { maxLength: 3 }), { maxLength: 12 }), (nets) => {
        const fn = familyNets(table(nets));
        const all = Int32Array.from(nets, (_, i) => i);
        const cidrs = [...new Set(nets.flat().map(hostCidr))];
        const want4 = cidrs.filter((c) => !c.includes(":")).sort((a, b) => v4SortKey(a) - v4SortKey(b));
        const want6 = cidrs.filter((c) => c.includes(":")).sort();
        expect(netSetMembers(fn[4], all, false)).toEqual(want4);
        expect(netSetMembers(fn[6], all, false)).toEqual(want6);
      }),
      { numRuns: 300 },
    );
  });

  it("lists named-port members by address text, then protocol and port", () => {
    fc.assert(
      fc.property(fc.array(fc.array(v6, { maxLength: 3 }), { maxLength: 12 }), (nets) => {
        const t = table(nets);
        const fn = familyNets(t)[6];
        const all = Int32Array.from(nets, (_, i) => i);
        const want = [...new Set(nets.flat().map((n) => `${n.split("/")[0]},tcp:80`))].sort();
        expect(namedPortMembers(fn, addrRanks(fn, 6), all, t, "tcp", "http", new Map(), 6)).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
