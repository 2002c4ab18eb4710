import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PartitionRefiner } from "./partitionRefiner.js";

/** The partition as the list of its parts' elements, each ascending, parts by first element. */
function parts(partOf: Int32Array): number[][] {
  const byPart = new Map<number, number[]>();
  partOf.forEach((p, e) => {
    const list = byPart.get(p);
    if (list) list.push(e);
    else byPart.set(p, [e]);
  });
  return [...byPart.values()];
}

describe("PartitionRefiner", () => {
  it("two elements share a part when they did and every subset holds both or neither; numbers and sizes as documented", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }).chain((n) =>
          fc.record({
            n: fc.constant(n),
            start: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
            subsets: fc.array(fc.uniqueArray(fc.integer({ min: 0, max: Math.max(0, n - 1) }), { maxLength: n }), { maxLength: 8 }),
          }),
        ),
        ({ n, start, subsets }) => {
          // Start from a dense numbering of `start` (parts numbered by first element).
          const dense = new Map<number, number>();
          const partOf = Int32Array.from(start, (k) => {
            if (!dense.has(k)) dense.set(k, dense.size);
            return dense.get(k)!;
          });
          const sizes: number[] = [];
          for (const p of partOf) sizes[p] = (sizes[p] ?? 0) + 1;
          const refiner = new PartitionRefiner(partOf, sizes);
          const valid = n === 0 ? [] : subsets;
          for (const subset of valid) {
            const before = Int32Array.from(partOf);
            const partsBefore = sizes.length;
            refiner.inside.set(subset);
            refiner.split(subset.length);
            // Elements inside keep their part when it was all inside, else move to new parts,
            // numbered after the old ones in the order of the parts' first element inside.
            const newPartOf = new Map<number, number>();
            for (const e of subset) {
              const whole = before.every((p, f) => p !== before[e] || subset.includes(f));
              if (whole) expect(partOf[e]).toBe(before[e]);
              else {
                if (!newPartOf.has(before[e]!)) newPartOf.set(before[e]!, partsBefore + newPartOf.size);
                expect(partOf[e]).toBe(newPartOf.get(before[e]!));
              }
            }
            for (let e = 0; e < n; e++) if (!subset.includes(e)) expect(partOf[e]).toBe(before[e]);
          }
          // The same partition as by keys: the start and each subset's yes or no.
          const key = (e: number): string => [start[e], ...valid.map((s) => s.includes(e))].join(" ");
          const expected = new Map<string, number[]>();
          for (let e = 0; e < n; e++) expected.set(key(e), [...(expected.get(key(e)) ?? []), e]);
          expect(parts(partOf)).toEqual([...expected.values()]);
          for (const list of parts(partOf)) expect(sizes[partOf[list[0]!]!]).toBe(list.length);
          expect(sizes.filter((s) => s > 0).length).toBe(expected.size);
        },
      ),
      { numRuns: 200 },
    );
  });
});
