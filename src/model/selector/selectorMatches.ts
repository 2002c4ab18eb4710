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

/**
 * Whether `labels` satisfy `selector`, with Calico's semantics: `==`, `in`, `contains`,
 * `starts with` and `ends with` need the label present; `!=` and `not in` are true when it is
 * absent; `all()` and `global()` are always true. An and/or with no operands is true/false.
 */
export function selectorMatches(selector: Selector, labels: Labels): boolean {
  switch (selector.kind) {
    case "all":
    case "global":
      return true;
    case "has":
      return labelValue(labels, selector.label) !== undefined;
    case "eq":
      return labelValue(labels, selector.label) === selector.value;
    case "ne":
      return labelValue(labels, selector.label) !== selector.value;
    case "contains": {
      const v = labelValue(labels, selector.label);
      return v !== undefined && v.includes(selector.value);
    }
    case "startsWith": {
      const v = labelValue(labels, selector.label);
      return v !== undefined && v.startsWith(selector.value);
    }
    case "endsWith": {
      const v = labelValue(labels, selector.label);
      return v !== undefined && v.endsWith(selector.value);
    }
    case "in": {
      const v = labelValue(labels, selector.label);
      return v !== undefined && selector.values.includes(v);
    }
    case "notIn": {
      const v = labelValue(labels, selector.label);
      return v === undefined || !selector.values.includes(v);
    }
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
