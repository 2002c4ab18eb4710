import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseSelector, selectorMatches } from "../../model/selector/index.js";
import type { LabelSelector, LabelSelectorRequirement, Selector } from "../../model/types.js";
import { labelSelectorMatches } from "../labelSelectorMatches.js";
import { calicoSelectorContradiction, labelSelectorContradiction } from "./selectorContradiction.js";

const ls = (matchLabels: Record<string, string>, ...matchExpressions: LabelSelectorRequirement[]): LabelSelector => ({ matchLabels, matchExpressions });
const req = (key: string, operator: LabelSelectorRequirement["operator"], ...values: string[]): LabelSelectorRequirement => ({ key, operator, values });
const calico = (text: string): Selector => {
  const r = parseSelector(text);
  if (!r.ok) throw new Error(`bad selector ${text}`);
  return r.selector;
};

describe("labelSelectorContradiction", () => {
  it("finds In and NotIn of the same value, In and DoesNotExist, matchLabels and NotIn, disjoint In sets", () => {
    expect(labelSelectorContradiction(ls({}, req("a", "In", "x"), req("a", "NotIn", "x")))?.why).toBe("every value allowed is also excluded");
    expect(labelSelectorContradiction(ls({}, req("a", "In", "x"), req("a", "DoesNotExist")))?.why).toBe("the label must be both present and absent");
    expect(labelSelectorContradiction(ls({ a: "x" }, req("a", "NotIn", "x", "y")))?.clause.path).toBe("matchExpressions.0");
    expect(labelSelectorContradiction(ls({}, req("a", "In", "x", "y"), req("a", "In", "z")))?.why).toBe("no value is allowed by all of them");
    expect(labelSelectorContradiction(ls({}, req("a", "Exists"), req("a", "DoesNotExist")))).toBeDefined();
  });

  it("leaves satisfiable combinations alone", () => {
    expect(labelSelectorContradiction(ls({}, req("a", "In", "x", "y"), req("a", "NotIn", "x")))).toBeUndefined();
    expect(labelSelectorContradiction(ls({}, req("a", "NotIn", "x"), req("a", "DoesNotExist")))).toBeUndefined();
    expect(labelSelectorContradiction(ls({ a: "x" }, req("b", "DoesNotExist"), req("a", "Exists")))).toBeUndefined();
  });

  it("is sound: a selector it calls contradictory matches no labels (random selectors and labels)", () => {
    const key = fc.constantFrom("a", "b");
    const value = fc.constantFrom("x", "y", "z");
    const requirement = fc.record({
      key,
      operator: fc.constantFrom("In", "NotIn", "Exists", "DoesNotExist" as const),
      values: fc.uniqueArray(value, { minLength: 1, maxLength: 2 }),
    }).map((r) => (r.operator === "Exists" || r.operator === "DoesNotExist" ? { ...r, values: [] } : r));
    const selector = fc.record({ matchLabels: fc.dictionary(key, value, { maxKeys: 2 }), matchExpressions: fc.array(requirement, { maxLength: 3 }) });
    const labels = fc.dictionary(key, value, { maxKeys: 2 });
    fc.assert(
      fc.property(selector, fc.array(labels, { minLength: 1, maxLength: 20 }), (s, all) => {
        if (labelSelectorContradiction(s)) for (const l of all) expect(labelSelectorMatches(s, l)).toBe(false);
      }),
    );
    // And complete: a selector that no labels satisfy is found (w stands for every value the
    // selectors do not name).
    const every: Record<string, string>[] = [];
    for (const a of [undefined, "x", "y", "z", "w"]) for (const b of [undefined, "x", "y", "z", "w"]) every.push({ ...(a ? { a } : {}), ...(b ? { b } : {}) });
    fc.assert(
      fc.property(selector, (s) => {
        const none = every.every((l) => !labelSelectorMatches(s, l));
        expect(labelSelectorContradiction(s) !== undefined).toBe(none);
      }),
    );
  });
});

describe("calicoSelectorContradiction", () => {
  it("finds contradictions in the top-level conjunction", () => {
    expect(calicoSelectorContradiction(calico("app == 'a' && app == 'b'"))).toBeDefined();
    expect(calicoSelectorContradiction(calico("has(a) && !has(a)"))).toBeDefined();
    expect(calicoSelectorContradiction(calico("a in {'x'} && a not in {'x', 'y'}"))).toBeDefined();
    expect(calicoSelectorContradiction(calico("a == 'x' && b == 'y' && a != 'x'"))).toBeDefined();
  });

  it("leaves disjunctions, negated groups and satisfiable conjunctions alone", () => {
    expect(calicoSelectorContradiction(calico("app == 'a' || app == 'b'"))).toBeUndefined();
    expect(calicoSelectorContradiction(calico("!(has(a) && !has(a))"))).toBeUndefined();
    expect(calicoSelectorContradiction(calico("a != 'x' && !has(a)"))).toBeUndefined();
    expect(calicoSelectorContradiction(calico("a starts with 'x' && a == 'xy'"))).toBeUndefined();
  });

  it("is sound on random conjunctions", () => {
    const term = fc.constantFrom("a == 'x'", "a == 'y'", "a != 'x'", "has(a)", "!has(a)", "a in {'x', 'y'}", "a not in {'y'}", "b == 'x'", "a contains 'x'", "(a == 'x' || b == 'y')");
    const labels: Record<string, string>[] = [{}, { a: "x" }, { a: "y" }, { a: "z" }, { b: "x" }, { a: "x", b: "y" }, { a: "y", b: "x" }, { a: "xx", b: "y" }];
    fc.assert(
      fc.property(fc.array(term, { minLength: 1, maxLength: 4 }), (terms) => {
        const s = calico(terms.join(" && "));
        if (calicoSelectorContradiction(s)) for (const l of labels) expect(selectorMatches(s, l), `${terms.join(" && ")} on ${JSON.stringify(l)}`).toBe(false);
      }),
    );
  });
});
