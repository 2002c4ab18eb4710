import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { aggregateCidrs, cidrInterval } from "./cidrMath.js";

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
