import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { addressOrder, aggregateCidrs, cidrInterval, v6AddressKey } from "./cidrMath.js";

/** Reference: the covered addresses as a sorted list of merged [start, end] bigint intervals. */
function covered(cidrs: readonly string[]): string {
  const ivs = cidrs.map((c) => cidrInterval(c).interval).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const merged: { start: bigint; end: bigint }[] = [];
  for (const iv of ivs) {
    const top = merged[merged.length - 1];
    if (top && iv.start <= top.end + 1n) top.end = iv.end > top.end ? iv.end : top.end;
    else merged.push({ ...iv });
  }
  return merged.map((m) => `${m.start}-${m.end}`).join(",");
}

const v4 = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.constantFrom(28, 29, 30, 31, 32, 32, 32)).map(([a, p]) => {
  const size = 2 ** (32 - p);
  return `10.0.0.${Math.floor(a / size) * size}/${p}`;
});
// Mostly hosts (the fast path), sometimes a wider prefix (the bigint path); canonical text.
const v6 = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 2 }), fc.constantFrom(124, 126, 127, 128, 128, 128, 128)).map(([a, hi, p]) => {
  const size = 2 ** (128 - p);
  const parts = [0xfd00, 0, 0, 0, 0, hi, 0, Math.floor(a / size) * size];
  return `${new ipaddr.IPv6(parts).toString()}/${p}`;
});

// Hosts only, spread over every group: one or two top 48-bit prefixes (the numeric sort by rank
// of the middle 48 bits, and its comparator fallback), large and small words, siblings, repeats.
const word = fc.oneof(fc.constantFrom(0, 1, 2, 3, 0xfffe, 0xffff), fc.integer({ min: 0, max: 0xffff }));
const v6Host = fc
  .tuple(fc.constantFrom(0xfd00, 0xfd00, 0xfd00, 0x2001), fc.array(word, { minLength: 7, maxLength: 7 }))
  .map(([top, rest]) => `${new ipaddr.IPv6([top, ...rest]).toString()}/128`);

describe("aggregateCidrs (CIDR math)", () => {
  for (const [name, arb] of [
    ["IPv4", v4],
    ["IPv6", v6],
    ["IPv6 hosts", v6Host],
  ] as const) {
    it(`${name}: covers the same addresses with a minimal, address-ordered list`, () => {
      fc.assert(
        fc.property(fc.array(arb, { minLength: 1, maxLength: 12 }), (cidrs) => {
          const out = aggregateCidrs(cidrs);
          expect(covered(out)).toBe(covered(cidrs));
          // Minimal and ordered: aggregating again keeps the list itself.
          expect(aggregateCidrs(out)).toBe(out);
          const starts = out.map((c) => cidrInterval(c).interval.start);
          for (let k = 1; k < starts.length; k++) expect(starts[k]! > starts[k - 1]!).toBe(true);
        }),
        { numRuns: 400 },
      );
    });
  }

  it("IPv6 hosts minimal in address order come back reordered, as given", () => {
    expect(aggregateCidrs(["fd00::1:1/128", "fd00::10/128", "fd00::3/128"])).toEqual(["fd00::3/128", "fd00::10/128", "fd00::1:1/128"]);
    expect(aggregateCidrs(["fd00::2/128", "fd00::3/128"])).toEqual(["fd00::2/127"]);
    expect(aggregateCidrs(["::/128", "::1/128", "1::/128"])).toEqual(["::/127", "1::/128"]);
  });
});

describe("addressOrder (IPv6 hosts sorted without a comparator)", () => {
  it("orders by (top, middle, low) words as a comparator sort does, or declines", () => {
    const top = fc.constantFrom(0xfd00 * 2 ** 32, 0xfd00 * 2 ** 32 + 1);
    const mid = fc.oneof(fc.constantFrom(0, 1, 2 ** 48 - 1), fc.integer({ min: 0, max: 2 ** 48 - 1 }));
    const low = fc.oneof(fc.constantFrom(0, 1, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
    fc.assert(
      fc.property(fc.array(fc.tuple(top, mid, low), { minLength: 1, maxLength: 40 }), (hosts) => {
        const got = addressOrder(Float64Array.from(hosts, (h) => h[0]), Float64Array.from(hosts, (h) => h[1]), Float64Array.from(hosts, (h) => h[2]));
        const tops = new Set(hosts.map((h) => h[0]));
        const texts = new Set(hosts.map((h) => h.join()));
        if (tops.size > 1 || texts.size < hosts.length) {
          expect(got).toBeUndefined();
          return;
        }
        const want = hosts.map((_, k) => k).sort((x, y) => hosts[x]![1] - hosts[y]![1] || hosts[x]![2] - hosts[y]![2]);
        expect(Array.from(got!)).toEqual(want);
      }),
      { numRuns: 500 },
    );
  });
});

describe("v6AddressKey", () => {
  // Addresses with and without `::`, with an embedded IPv4 tail, bare and with host bits set.
  const addr = fc.oneof(
    fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(":")),
    fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff })).map(([a, b]) => `fd00::${a.toString(16)}:${b.toString(16)}`),
    fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 255 })).map(([a, b]) => `::ffff:10.0.${a}.${b}`),
  );
  const cidr = fc.tuple(addr, fc.option(fc.integer({ min: 0, max: 128 }))).map(([a, p]) => (p === null ? a : `${a}/${p}`));

  it("orders CIDRs by network address, then prefix length", () => {
    const reference = (c: string): [bigint, number] => {
      const slash = c.indexOf("/");
      return [cidrInterval(c).interval.start, slash < 0 ? 128 : Number(c.slice(slash + 1))];
    };
    fc.assert(
      fc.property(cidr, cidr, (a, b) => {
        const [x, p] = reference(a);
        const [y, q] = reference(b);
        const want = x < y ? -1 : x > y ? 1 : p < q ? -1 : p > q ? 1 : 0;
        const ka = v6AddressKey(a);
        const kb = v6AddressKey(b);
        expect(ka < kb ? -1 : ka > kb ? 1 : 0).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });
});
