import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addrPortElement, addressElements, addressExpression, intervalElements, needsInterval, normalizeRanges, portsExpression, rangesDisjoint, setElements } from "./elements.js";

describe("sets of single addresses", () => {
  it("need no interval flag, and list their addresses without the full-length prefix", () => {
    const set = (members: string[], family: 4 | 6 = 4) => ({ id: "s:x", type: "net" as const, family, members, comment: "" });
    expect(needsInterval(set(["10.0.0.1/32", "10.0.0.2"]))).toBe(false);
    expect(needsInterval(set([]))).toBe(false);
    expect(needsInterval(set(["10.0.0.1/32", "10.0.1.0/24"]))).toBe(true);
    expect(needsInterval(set(["fd00::1/128"], 6))).toBe(false);
    expect(needsInterval(set(["fd00::/64"], 6))).toBe(true);
    expect(setElements(set(["10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32"]))).toEqual(["10.0.0.1", "10.0.0.2", "10.0.0.3"]);
    // With a prefix among them, the minimal prefix list (adjacent addresses merged).
    expect(setElements(set(["10.0.0.2/32", "10.0.0.3/32", "10.0.1.0/24"]))).toEqual(["10.0.0.2/31", "10.0.1.0/24"]);
    expect(addressElements(["fd00::1/128", "fd00::2"], 6, "t")).toEqual(["fd00::1", "fd00::2"]);
    expect(() => addressElements(["10.0.0.1"], 6, "set s:x")).toThrow(/set s:x holds 10.0.0.1, which is not IPv6/);
  });
});

describe("intervalElements", () => {
  it("drops contained prefixes and merges adjacent ones (nft rejects overlapping intervals)", () => {
    expect(intervalElements(["10.0.0.0/8", "10.1.2.3/32", "192.168.0.0/25", "192.168.0.128/25"], 4, "t")).toEqual([
      "10.0.0.0/8",
      "192.168.0.0/24",
    ]);
    expect(intervalElements(["2001:db8::/32", "2001:db8::1"], 6, "t")).toEqual(["2001:db8::/32"]);
  });

  it("refuses a member of the other family", () => {
    expect(() => intervalElements(["10.0.0.0/8"], 6, "set s:x")).toThrow(/set s:x holds 10.0.0.0\/8, which is not IPv6/);
  });

  it("never yields overlapping prefixes and covers every input address (property)", () => {
    // CIDRs inside 10.0.0.0/8 with random lengths; host bits are cleared so each is canonical.
    const cidr = fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 8, max: 24 })).map(([bits, len]) => {
      const n = ((10 << 24) | (bits << 8)) >>> 0;
      const net = len === 0 ? 0 : (n & (~0 << (32 - len))) >>> 0;
      return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${len}`;
    });
    const span = (c: string): readonly [number, number] => {
      const [addr, len] = c.split("/");
      const n = (addr ?? "").split(".").reduce((v, o) => v * 256 + Number(o), 0);
      return [n, n + 2 ** (32 - Number(len)) - 1];
    };
    fc.assert(
      fc.property(fc.array(cidr, { maxLength: 30 }), (cidrs) => {
        const spans = intervalElements(cidrs, 4, "t").map(span);
        for (let i = 1; i < spans.length; i++) expect(spans[i]![0]).toBeGreaterThan(spans[i - 1]![1]);
        for (const [start, end] of cidrs.map(span)) {
          expect(spans.some(([s, e]) => s <= start && end <= e)).toBe(true);
        }
      }),
    );
  });
});

describe("addrPortElement", () => {
  it("turns ipset's hash:ip,port syntax into an nft concatenation", () => {
    expect(addrPortElement("10.0.0.1,tcp:8080", 4, "t")).toBe("10.0.0.1 . tcp . 8080");
    expect(addrPortElement("fd00::2,sctp:9", 6, "t")).toBe("fd00::2 . sctp . 9");
  });

  it("rejects malformed members", () => {
    for (const bad of ["10.0.0.1", "10.0.0.1,icmp:1", "10.0.0.1,tcp:99999", "fd00::1,tcp:80", '10.0.0.1",tcp:80']) {
      expect(() => addrPortElement(bad, 4, "set n:x")).toThrow(/malformed/);
    }
  });

  it("de-duplicates and sorts a set's elements", () => {
    expect(setElements({ id: "n:x", type: "addrPort", family: 4, members: ["10.0.0.2,udp:53", "10.0.0.1,tcp:80", "10.0.0.2,udp:53"], comment: "" }))
      .toEqual(["10.0.0.1 . tcp . 80", "10.0.0.2 . udp . 53"]);
  });
});

describe("ports and addresses", () => {
  it("writes one port, one range, or an anonymous set of any length", () => {
    expect(portsExpression([{ first: 80, last: 80 }])).toBe("80");
    expect(portsExpression([{ first: 1000, last: 2000 }])).toBe("1000-2000");
    const many = Array.from({ length: 20 }, (_, i) => ({ first: 100 + 2 * i, last: 100 + 2 * i }));
    expect(portsExpression(many)).toBe(`{ ${many.map((r) => r.first).join(", ")} }`);
  });

  it("normalizes overlapping and adjacent ranges", () => {
    expect(normalizeRanges([{ first: 5, last: 20 }, { first: 1, last: 10 }, { first: 21, last: 21 }, { first: 30, last: 30 }])).toEqual([
      { first: 1, last: 21 },
      { first: 30, last: 30 },
    ]);
    expect(rangesDisjoint([{ first: 1, last: 5 }, { first: 6, last: 6 }])).toBe(true);
    expect(rangesDisjoint([{ first: 1, last: 5 }, { first: 5, last: 6 }])).toBe(false);
  });

  it("writes one prefix or an anonymous interval set", () => {
    expect(addressExpression(["10.0.0.0/8"], 4)).toBe("10.0.0.0/8");
    expect(addressExpression(["10.0.0.0/8", "192.168.1.0/24", "10.2.0.0/16"], 4)).toBe("{ 10.0.0.0/8, 192.168.1.0/24 }");
  });
});
