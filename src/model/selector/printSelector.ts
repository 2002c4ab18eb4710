import type { Selector } from "./ast.js";

/** A value in Calico's quoting: double quotes unless the value contains `"`, then single quotes. */
function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/**
 * Calico's canonical text of a selector (libcalico-go parser `String()`), on which its unique IDs
 * are computed. Every and/or node is wrapped in parentheses, including at the top level; `!` is
 * written directly before its operand, so not(not(x)) prints as `!!x` just as Calico prints
 * `!(!x)`. Sets print in the stored order (the parser keeps them sorted and de-duplicated).
 *
 * And/or nodes with fewer than two operands never come out of the parser; they print as their
 * only operand, `all()` (empty and) or `!all()` (empty or), which keeps print→parse→print stable
 * and agrees with `selectorMatches`.
 */
export function printSelector(selector: Selector): string {
  switch (selector.kind) {
    case "all":
      return "all()";
    case "global":
      return "global()";
    case "has":
      return `has(${selector.label})`;
    case "eq":
      return `${selector.label} == ${quote(selector.value)}`;
    case "ne":
      return `${selector.label} != ${quote(selector.value)}`;
    case "contains":
      return `${selector.label} contains ${quote(selector.value)}`;
    case "startsWith":
      return `${selector.label} starts with ${quote(selector.value)}`;
    case "endsWith":
      return `${selector.label} ends with ${quote(selector.value)}`;
    case "in":
      return `${selector.label} in {${selector.values.map(quote).join(", ")}}`;
    case "notIn":
      return `${selector.label} not in {${selector.values.map(quote).join(", ")}}`;
    case "not":
      return `!${printSelector(selector.operand)}`;
    case "and":
    case "or": {
      const [only] = selector.operands;
      if (selector.operands.length === 1 && only !== undefined) return printSelector(only);
      if (selector.operands.length === 0) return selector.kind === "and" ? "all()" : "!all()";
      return `(${selector.operands.map(printSelector).join(selector.kind === "and" ? " && " : " || ")})`;
    }
  }
}
