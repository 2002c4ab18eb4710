import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Labels, Selector } from "../../model/types.js";
import { selectorMatches } from "../../model/selector/index.js";
import { changedLabels, SelectorIndex } from "./selectorIndex.js";

const keys = ["a", "b", "c"];
const values = ["", "x", "xy", "yx"];
const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom(...values), { maxKeys: 3 });
const key = fc.constantFrom(...keys);
const value = fc.constantFrom(...values);

const selectorArb: fc.Arbitrary<Selector> = fc.letrec<{ sel: Selector }>((tie) => ({
  sel: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant({ kind: "all" } as const),
    fc.record({ kind: fc.constant("has" as const), label: key }),
    fc.record({ kind: fc.constantFrom("eq" as const, "ne" as const, "contains" as const, "startsWith" as const, "endsWith" as const), label: key, value }),
    fc.record({ kind: fc.constantFrom("in" as const, "notIn" as const), label: key, values: fc.uniqueArray(value, { maxLength: 3 }) }),
    fc.record({ kind: fc.constant("not" as const), operand: tie("sel") }),
    fc.record({ kind: fc.constantFrom("and" as const, "or" as const), operands: fc.array(tie("sel"), { minLength: 0, maxLength: 3 }) }),
  ),
})).sel;

describe("SelectorIndex", () => {
  it("offers every selector that matches a member as a candidate", () => {
    fc.assert(
      fc.property(fc.array(selectorArb, { maxLength: 12 }), fc.array(labelsArb, { maxLength: 10 }), (selectors, members) => {
        const index = new SelectorIndex<number>();
        selectors.forEach((s, i) => index.add(`s${i}`, s, i));
        for (const labels of members) {
          const offered = new Set<number>();
          index.candidates(labels, (e) => {
            expect(offered.has(e.value)).toBe(false);
            offered.add(e.value);
          });
          selectors.forEach((s, i) => {
            if (selectorMatches(s, labels)) expect(offered.has(i)).toBe(true);
          });
        }
      }),
      { numRuns: 400 },
    );
  });

  it("offers every selector whose result a label change may flip", () => {
    fc.assert(
      fc.property(fc.array(selectorArb, { maxLength: 12 }), labelsArb, labelsArb, (selectors, before, after) => {
        const index = new SelectorIndex<number>();
        selectors.forEach((s, i) => index.add(`s${i}`, s, i));
        const offered = new Set<number>();
        index.readersOf(changedLabels(before, after), (e) => offered.add(e.value));
        selectors.forEach((s, i) => {
          if (selectorMatches(s, before) !== selectorMatches(s, after)) expect(offered.has(i)).toBe(true);
        });
      }),
      { numRuns: 400 },
    );
  });
});
