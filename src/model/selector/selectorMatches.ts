import type { Labels, Selector } from "./ast.js";

/**
 * The value of label `key`, or undefined when absent. Only a string value counts, so inherited
 * properties such as `constructor` (functions) or `__proto__` (an object) are never labels; one
 * property lookup and no `hasOwnProperty` call, since the compiler runs this per endpoint.
 */
export function labelValue(labels: Labels, key: string): string | undefined {
  const v: unknown = labels[key];
  return typeof v === "string" ? v : undefined;
}

/** A selector that reads one label and nothing else. */
export type LabelTest = Extract<Selector, { readonly label: string }>;

/**
 * Whether a one-label selector holds for the label's value (undefined: absent), with Calico's
 * semantics: `==`, `in`, `contains`, `starts with` and `ends with` need the label present; `!=`
 * and `not in` are true when it is absent.
 */
export function labelTestMatches(test: LabelTest, v: string | undefined): boolean {
  switch (test.kind) {
    case "has":
      return v !== undefined;
    case "eq":
      return v === test.value;
    case "ne":
      return v !== test.value;
    case "contains":
      return v !== undefined && v.includes(test.value);
    case "startsWith":
      return v !== undefined && v.startsWith(test.value);
    case "endsWith":
      return v !== undefined && v.endsWith(test.value);
    case "in":
      return v !== undefined && test.values.includes(v);
    case "notIn":
      return v === undefined || !test.values.includes(v);
  }
}

/**
 * The only values a present label may have for the test to hold, when they are finitely many
 * (`==`, `in`); undefined otherwise. Lets an index look the values up instead of trying each.
 */
export function labelTestValues(test: LabelTest): readonly string[] | undefined {
  switch (test.kind) {
    case "eq":
      return [test.value];
    case "in":
      return test.values;
    default:
      return undefined;
  }
}

/**
 * Whether `labels` satisfy `selector` (see `labelTestMatches`); `all()` and `global()` are
 * always true. An and/or with no operands is true/false.
 */
export function selectorMatches(selector: Selector, labels: Labels): boolean {
  switch (selector.kind) {
    case "all":
    case "global":
      return true;
    case "has":
    case "eq":
    case "ne":
    case "contains":
    case "startsWith":
    case "endsWith":
    case "in":
    case "notIn":
      return labelTestMatches(selector, labelValue(labels, selector.label));
    case "not":
      return !selectorMatches(selector.operand, labels);
    case "and":
      for (const operand of selector.operands) if (!selectorMatches(operand, labels)) return false;
      return true;
    case "or":
      for (const operand of selector.operands) if (selectorMatches(operand, labels)) return true;
      return false;
  }
}
