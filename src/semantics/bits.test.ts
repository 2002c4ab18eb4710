import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { andBits, andNotBits, BitsPool, bitIndexes, bitIndexesInto, bitsWhere, hasBit, orBits, transposeBits } from "./bits.js";

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

  it("bitIndexesInto writes what bitIndexes lists", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 130 }), fc.integer(), (size, seed) => {
        const bits = bitsWhere(size, (i) => ((i * 7919 + seed) >>> 0) % 3 === 0);
        const out = new Int32Array(size);
        const count = bitIndexesInto(bits, out);
        expect([...out.subarray(0, count)]).toEqual([...bitIndexes(bits)]);
      }),
      { numRuns: 60 },
    );
  });

  it("BitsPool: the sets of a round are distinct and of the size; takeEmpty is empty; a reset reuses them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 200 }), fc.array(fc.integer({ min: 0, max: 300 }), { minLength: 1, maxLength: 6 }), (size, rounds) => {
        const pool = new BitsPool(size);
        const words = (size + 31) >>> 5;
        let first: Uint32Array[] = [];
        rounds.forEach((count, round) => {
          pool.reset();
          const sets = Array.from({ length: count }, (_, i) => (i % 2 === 0 ? pool.takeEmpty() : pool.take()));
          sets.forEach((set, i) => {
            expect(set.length).toBe(words);
            if (i % 2 === 0) expect(set.every((w) => w === 0)).toBe(true);
            set.fill(i + 1);
          });
          // No two sets of a round share a word: each still holds what was written into it.
          sets.forEach((set, i) => expect(set.every((w) => w === i + 1)).toBe(true));
          // A later round hands out the earlier rounds' sets first (no new buffers).
          if (round > 0) for (let i = 0; i < Math.min(count, first.length); i++) expect(sets[i]).toBe(first[i]);
          if (sets.length > first.length) first = sets;
        });
      }),
      { numRuns: 60 },
    );
  });

  it("andBits, orBits and andNotBits write every word of a given set", () => {
    const a = bitsWhere(70, (i) => i % 3 === 0);
    const b = bitsWhere(70, (i) => i % 2 === 0);
    const out = new Uint32Array(a.length).fill(0xffffffff);
    expect([...bitIndexes(andBits(a, b, out))]).toEqual([...bitIndexes(bitsWhere(70, (i) => i % 6 === 0))]);
    expect(orBits(a, b, out.fill(0xffffffff))).toBe(out);
    expect([...bitIndexes(out)]).toEqual([...bitIndexes(bitsWhere(70, (i) => i % 3 === 0 || i % 2 === 0))]);
    expect([...bitIndexes(andNotBits(a, b, out.fill(0xffffffff)))]).toEqual([...bitIndexes(bitsWhere(70, (i) => i % 3 === 0 && i % 2 !== 0))]);
  });
});
