import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { bitIndexes, bitsWhere, hasBit, transposeBits } from "./bits.js";

describe("bits", () => {
  it("transposeBits swaps rows and columns (sizes across 32-bit blocks)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100 }), fc.integer(), (size, seed) => {
        const cell = (r: number, c: number): boolean => ((r * 7919 + c * 104729 + seed) >>> 0) % 3 === 0;
        const rows = Array.from({ length: size }, (_, r) => bitsWhere(size, (c) => cell(r, c)));
        const t = transposeBits(rows, size);
        for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) expect(hasBit(t[c]!, r)).toBe(cell(r, c));
      }),
      { numRuns: 40 },
    );
  });

  it("bitIndexes lists the members in order", () => {
    expect([...bitIndexes(bitsWhere(70, (i) => i % 31 === 0))]).toEqual([0, 31, 62]);
  });
});
