/**
 * The inverted index answers exactly what matching each member's labels one by one answers, for
 * Calico selectors and Kubernetes label selectors (with and without a key prefix).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Labels, LabelSelector, Selector } from "../model/types.js";
import { selectorMatches } from "../model/selector/index.js";
import { bitIndexes, bitsArena, bitsOf } from "./bits.js";
import { labelIndex, wordSpan } from "./labelIndex.js";
import { labelSelectorMatches } from "./labelSelectorMatches.js";

const keys = ["a", "b", "pcns.a", "pcns.b", "__proto__", "constructor"];
const values = ["", "x", "xy", "yx", "y"];
const labelsArb: fc.Arbitrary<Labels> = fc
  .array(fc.tuple(fc.constantFrom(...keys), fc.constantFrom(...values)), { maxLength: 4 })
  .map((pairs) => Object.fromEntries(pairs));

const leafArb: fc.Arbitrary<Selector> = fc.oneof(
  fc.constant<Selector>({ kind: "all" }),
  fc.constantFrom(...keys).map((label): Selector => ({ kind: "has", label })),
  fc
    .tuple(fc.constantFrom("eq", "ne", "contains", "startsWith", "endsWith" as const), fc.constantFrom(...keys), fc.constantFrom(...values))
    .map(([kind, label, value]): Selector => ({ kind, label, value })),
  fc
    .tuple(fc.constantFrom("in", "notIn" as const), fc.constantFrom(...keys), fc.uniqueArray(fc.constantFrom(...values), { maxLength: 3 }))
    .map(([kind, label, vs]): Selector => ({ kind, label, values: vs })),
);
const { selector: selectorArb } = fc.letrec<{ selector: Selector }>((tie) => ({
  selector: fc.oneof(
    { depthSize: "small" },
    leafArb,
    tie("selector").map((operand): Selector => ({ kind: "not", operand })),
    fc.tuple(fc.constantFrom("and", "or" as const), fc.array(tie("selector"), { maxLength: 3 })).map(([kind, operands]): Selector => ({ kind, operands })),
  ),
}));
const labelSelectorArb: fc.Arbitrary<LabelSelector> = fc.record({
  matchLabels: fc.array(fc.tuple(fc.constantFrom("a", "b"), fc.constantFrom(...values)), { maxLength: 2 }).map((p) => Object.fromEntries(p)),
  matchExpressions: fc.array(
    fc.record({
      key: fc.constantFrom("a", "b", "constructor"),
      operator: fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist" as const),
      values: fc.uniqueArray(fc.constantFrom(...values), { maxLength: 2 }),
    }),
    { maxLength: 3 },
  ),
});

const prefixed = (labels: Labels, prefix: string): Labels =>
  Object.fromEntries(Object.entries(labels).flatMap(([k, v]) => (k.startsWith(prefix) ? [[k.slice(prefix.length), v]] : [])));

describe("labelIndex", () => {
  it("matches selectorMatches on every member", () => {
    fc.assert(
      fc.property(fc.array(labelsArb, { maxLength: 40 }), selectorArb, (labels, selector) => {
        const got = [...bitIndexes(labelIndex(labels).selector(selector))];
        expect(got).toEqual(labels.flatMap((l, i) => (selectorMatches(selector, l) ? [i] : [])));
      }),
      { numRuns: 300 },
    );
  });

  it("matches labelSelectorMatches, with and without a prefix", () => {
    fc.assert(
      fc.property(fc.array(labelsArb, { maxLength: 40 }), labelSelectorArb, fc.constantFrom("", "pcns."), (labels, selector, prefix) => {
        const got = [...bitIndexes(labelIndex(labels).labelSelector(selector, prefix))];
        const view = prefix === "" ? (l: Labels) => l : (l: Labels) => prefixed(l, prefix);
        expect(got).toEqual(labels.flatMap((l, i) => (labelSelectorMatches(selector, view(l)) ? [i] : [])));
      }),
      { numRuns: 300 },
    );
  });

  it("writes the same sets in place: selectorInto over a dirty set, andLabelSelector into a starting set", () => {
    fc.assert(
      fc.property(
        fc.array(labelsArb, { maxLength: 70 }),
        selectorArb,
        labelSelectorArb,
        fc.constantFrom("", "pcns."),
        fc.array(fc.nat(69)),
        (labels, selector, k8s, prefix, start) => {
          const index = labelIndex(labels);
          // Sets from one arena: writing one must leave its neighbours alone.
          const kept = bitsArena(labels.length);
          const [before, out, after] = [kept(), kept(), kept()];
          before.fill(0xffffffff);
          after.fill(0xffffffff);
          out.fill(0xffffffff);
          index.selectorInto(selector, out);
          expect([...bitIndexes(out)]).toEqual(labels.flatMap((l, i) => (selectorMatches(selector, l) ? [i] : [])));
          const from = bitsOf(labels.length, start.filter((i) => i < labels.length));
          const and = kept();
          and.set(from);
          index.andLabelSelector(k8s, and, prefix);
          const view = prefix === "" ? (l: Labels) => l : (l: Labels) => prefixed(l, prefix);
          const starting = new Set(bitIndexes(from));
          expect([...bitIndexes(and)]).toEqual(labels.flatMap((l, i) => (starting.has(i) && labelSelectorMatches(k8s, view(l)) ? [i] : [])));
          expect([before, after].every((b) => b.every((w) => w === 0xffffffff))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("confines a selector to its span; computes over a span only, given a set clear outside it", () => {
    fc.assert(
      fc.property(
        fc.array(labelsArb, { maxLength: 130 }),
        selectorArb,
        labelSelectorArb,
        fc.constantFrom("", "pcns."),
        fc.array(fc.nat(129)),
        (labels, selector, k8s, prefix, start) => {
          const index = labelIndex(labels);
          const matched = labels.flatMap((l, i) => (selectorMatches(selector, l) ? [i] : []));
          const { lo, hi } = index.span(selector);
          expect(matched.every((i) => i >>> 5 >= lo && i >>> 5 < hi)).toBe(true);
          // A clear set: only the span's words are written, to the same members.
          const kept = bitsArena(labels.length);
          const out = kept();
          index.selectorInto(selector, out, true);
          expect([...bitIndexes(out)]).toEqual(matched);
          // andLabelSelector over the span of a starting set clear outside it.
          const from = bitsOf(labels.length, start.filter((i) => i < labels.length));
          const s = wordSpan(from);
          const and = kept();
          and.set(from);
          index.andLabelSelector(k8s, and, prefix, s.lo, s.hi);
          const whole = kept();
          whole.set(from);
          index.andLabelSelector(k8s, whole, prefix);
          expect([...and]).toEqual([...whole]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
