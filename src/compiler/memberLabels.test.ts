import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Labels } from "../model/types.js";
import { labelValue } from "../model/selector/index.js";
import { flattenLabels, labelOf, type LabelBase } from "./memberLabels.js";

// Keys that shadow or hide behind Object.prototype, and reserved prefixes, among plain ones.
const keys = ["a", "b", "pcns.a", "pcsa.b", "constructor", "toString", "__proto__", "hasOwnProperty"];
const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(fc.constantFrom(...keys), fc.constantFrom("", "x", "y"), { maxKeys: 5 });
const baseArb: fc.Arbitrary<LabelBase> = fc.record({ inherited: labelsArb, automatic: labelsArb, strip: fc.boolean() });

describe("member labels", () => {
  it("reads through the layers what the flattened label set holds", () => {
    fc.assert(
      fc.property(labelsArb, baseArb, (own, base) => {
        const flat = flattenLabels(own, base);
        for (const k of keys) expect(labelOf(own, base, k)).toBe(labelValue(flat, k));
      }),
      { numRuns: 1000 },
    );
  });

  it("puts automatic labels over own ones over inherited ones, and strips reserved own labels", () => {
    const base: LabelBase = { inherited: { a: "i", b: "i", "pcns.a": "i" }, automatic: { a: "auto" }, strip: true };
    const own = { a: "own", b: "own", "pcns.a": "own" };
    expect(flattenLabels(own, base)).toEqual({ a: "auto", b: "own", "pcns.a": "i" });
    expect(["a", "b", "pcns.a"].map((k) => labelOf(own, base, k))).toEqual(["auto", "own", "i"]);
  });
});
