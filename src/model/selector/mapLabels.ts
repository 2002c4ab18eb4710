import type { Selector } from "./ast.js";

/**
 * `selector` with every label name replaced by `rename(name)`, e.g. to add the `pcns.` or `pcsa.`
 * prefix Calico gives namespace and service-account labels. Values, `all()` and `global()` are
 * left alone. Returns a new tree; the input is not modified.
 */
export function mapLabels(selector: Selector, rename: (label: string) => string): Selector {
  switch (selector.kind) {
    case "all":
    case "global":
      return selector;
    case "has":
    case "eq":
    case "ne":
    case "contains":
    case "startsWith":
    case "endsWith":
    case "in":
    case "notIn":
      return { ...selector, label: rename(selector.label) };
    case "not":
      return { kind: "not", operand: mapLabels(selector.operand, rename) };
    case "and":
    case "or":
      return { kind: selector.kind, operands: selector.operands.map((s) => mapLabels(s, rename)) };
  }
}
