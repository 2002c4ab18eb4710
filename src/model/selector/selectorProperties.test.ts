/**
 * Property tests over random selector trees: canonical printing is stable under re-parsing, and
 * `selectorMatches` agrees with an independent evaluator.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Labels, Selector } from "./index.js";
import { parseSelector, printSelector, selectorMatches, sortedUniqueValues } from "./index.js";

/** Keys include the operator words and call names, which are labels outside operator position. */
const labelKeys = ["a", "b", "in", "not", "contains", "starts", "ends", "with", "has", "all", "global", "x.io/y-z_1"];
const valueChars = ["a", "b", " ", "'", '"', "{", ")", "&", "é", "～", "😀"];

const labelArb = fc.oneof(fc.constantFrom(...labelKeys), fc.stringMatching(/^[A-Za-z0-9_./-]{1,6}$/));
/** A value the printer can quote: it never holds both kinds of quote (Calico has no escapes). */
const valueArb = fc
  .array(fc.constantFrom(...valueChars), { maxLength: 4 })
  .map((chars) => chars.join(""))
  .filter((v) => !(v.includes('"') && v.includes("'")));

const leafArb: fc.Arbitrary<Selector> = fc.oneof(
  fc.constant<Selector>({ kind: "all" }),
  fc.constant<Selector>({ kind: "global" }),
  labelArb.map((label): Selector => ({ kind: "has", label })),
  fc
    .tuple(fc.constantFrom("eq", "ne", "contains", "startsWith", "endsWith" as const), labelArb, valueArb)
    .map(([kind, label, value]): Selector => ({ kind, label, value })),
  fc
    .tuple(fc.constantFrom("in", "notIn" as const), labelArb, fc.array(valueArb, { maxLength: 4 }))
    .map(([kind, label, values]): Selector => ({ kind, label, values: sortedUniqueValues(values) })),
);

/**
 * Trees in the shape the parser produces: and/or have two or more operands, and a `not` never
 * directly wraps a `not` (a run of `!` collapses by parity when parsed).
 */
const { selector: selectorArb } = fc.letrec<{ selector: Selector }>((tie) => ({
  selector: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArb,
    tie("selector")
      .filter((s) => s.kind !== "not")
      .map((operand): Selector => ({ kind: "not", operand })),
    fc
      .tuple(fc.constantFrom("and", "or" as const), fc.array(tie("selector"), { minLength: 2, maxLength: 3 }))
      .map(([kind, operands]): Selector => ({ kind, operands })),
  ),
}));

const labelsArb: fc.Arbitrary<Labels> = fc.dictionary(fc.constantFrom(...labelKeys, "constructor"), valueArb, {
  maxKeys: 5,
});

/** A second evaluator, written independently from the semantics table (Map-based, no shared code). */
function reference(selector: Selector, labels: ReadonlyMap<string, string>): boolean {
  switch (selector.kind) {
    case "all":
    case "global":
      return true;
    case "has":
      return labels.has(selector.label);
    case "not":
      return !reference(selector.operand, labels);
    case "and":
      return selector.operands.every((s) => reference(s, labels));
    case "or":
      return selector.operands.some((s) => reference(s, labels));
  }
  const present = labels.has(selector.label);
  const value = labels.get(selector.label) ?? "";
  switch (selector.kind) {
    case "eq":
      return present && value === selector.value;
    case "ne":
      return !present || value !== selector.value;
    case "contains":
      return present && value.indexOf(selector.value) >= 0;
    case "startsWith":
      return present && value.slice(0, selector.value.length) === selector.value;
    case "endsWith":
      return present && value.length >= selector.value.length && value.slice(value.length - selector.value.length) === selector.value;
    case "in":
      return present && new Set(selector.values).has(value);
    case "notIn":
      return !present || !new Set(selector.values).has(value);
  }
}

function reparse(text: string): Selector {
  const result = parseSelector(text);
  if (!result.ok) throw new Error(`${text}: ${result.diagnostics[0]?.message ?? ""}`);
  return result.selector;
}

describe("selector properties", () => {
  it("print -> parse gives back the same tree, and print is stable", () => {
    fc.assert(
      fc.property(selectorArb, (selector) => {
        const text = printSelector(selector);
        const again = reparse(text);
        expect(again).toEqual(selector);
        expect(printSelector(again)).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it("selectorMatches agrees with an independent evaluator", () => {
    fc.assert(
      fc.property(selectorArb, labelsArb, (selector, labels) => {
        const expected = reference(selector, new Map(Object.entries(labels)));
        expect(selectorMatches(selector, labels)).toBe(expected);
        expect(selectorMatches(reparse(printSelector(selector)), labels)).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
