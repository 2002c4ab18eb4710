import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Labels, Selector } from "../../model/types.js";
import { selectorMatches } from "../../model/selector/index.js";
import { buildLabelIndex, selectMembers } from "./labelIndex.js";

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
    fc.record({ kind: fc.constantFrom("and" as const, "or" as const), operands: fc.array(tie("sel"), { minLength: 1, maxLength: 3 }) }),
  ),
})).sel;

describe("label index", () => {
  it("selects exactly the members the reference matcher selects", () => {
    fc.assert(
      fc.property(fc.array(labelsArb, { maxLength: 40 }), selectorArb, (members, sel) => {
        const expected = members.flatMap((l, i) => (selectorMatches(sel, l) ? [i] : []));
        expect(selectMembers(buildLabelIndex(members), sel)).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it("treats a present empty value as present", () => {
    const idx = buildLabelIndex([{ a: "" }, {}]);
    expect(selectMembers(idx, { kind: "has", label: "a" })).toEqual([0]);
    expect(selectMembers(idx, { kind: "ne", label: "a", value: "" })).toEqual([1]);
  });
});
