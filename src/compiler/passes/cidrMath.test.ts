import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { aggregateCidrs, cidrInterval, v6AddressKey } from "./cidrMath.js";

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

describe("aggregateCidrs (CIDR math)", () => {
  for (const [name, arb] of [
    ["IPv4", v4],
    ["IPv6", v6],
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
