import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Labels, Selector } from "../../model/types.js";
import { labelValue, selectorMatches } from "../../model/selector/index.js";
import { LabelColumns } from "./labelColumns.js";

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

/** Columns over a list of label sets (undefined: a free slot). */
function columnsOf(slots: (Labels | undefined)[]): LabelColumns {
  const columns = new LabelColumns((slot, label) => labelValue(slots[slot]!, label));
  slots.forEach((l, slot) => {
    if (l) columns.added(slot);
  });
  return columns;
}

describe("LabelColumns", () => {
  it("selects exactly the members the reference matcher selects", () => {
    fc.assert(
      fc.property(fc.array(labelsArb, { maxLength: 40 }), fc.array(selectorArb, { minLength: 1, maxLength: 3 }), (members, selectors) => {
        const columns = columnsOf(members);
        for (const sel of selectors) expect(Array.from(columns.select(sel))).toEqual(members.flatMap((l, i) => (selectorMatches(sel, l) ? [i] : [])));
      }),
      { numRuns: 500 },
    );
  });

  it("treats a present empty value as present", () => {
    const columns = columnsOf([{ a: "" }, {}]);
    expect(Array.from(columns.select({ kind: "has", label: "a" }))).toEqual([0]);
    expect(Array.from(columns.select({ kind: "ne", label: "a", value: "" }))).toEqual([1]);
  });

  it("selects what the reference matcher selects, as members come, go and change", () => {
    const op = fc.record({ slot: fc.integer({ min: 0, max: 40 }), labels: fc.option(labelsArb) });
    // The same selectors after every step: their leaf tables grow as new values come.
    fc.assert(
      fc.property(fc.array(op, { maxLength: 30 }), fc.array(selectorArb, { minLength: 1, maxLength: 4 }), (steps, selectors) => {
        const slots: (Labels | undefined)[] = [];
        const columns = new LabelColumns((slot, label) => labelValue(slots[slot]!, label));
        for (const { slot, labels } of steps) {
          const before = slots[slot];
          slots[slot] = labels ?? undefined;
          if (!labels) {
            if (before) columns.removed(slot);
          } else if (before) columns.changed(slot);
          else columns.added(slot);
          for (const sel of selectors) expect(Array.from(columns.select(sel))).toEqual(slots.flatMap((l, i) => (l && selectorMatches(sel, l) ? [i] : [])));
        }
      }),
      { numRuns: 400 },
    );
  });
});
