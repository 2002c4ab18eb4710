import type { Selector } from "./ast.js";
import { sortedUniqueValues } from "./compareUtf8.js";

/** A value in Calico's quoting: double quotes unless the value contains `"`, then single quotes. */
function quote(value: string): string {
  return value.includes('"') ? `'${value}'` : `"${value}"`;
}

/**
 * Calico's canonical text of a selector (libcalico-go parser `String()`), on which its unique IDs
 * are computed. Every and/or node is wrapped in parentheses, including at the top level; `!` is
 * written directly before its operand, so not(not(x)) prints as `!!x` just as Calico prints
 * `!(!x)`. Set values print sorted by UTF-8 bytes and de-duplicated even when a hand-built tree
 * does not keep them so (the parser always does), so the ID never depends on construction order.
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
      return `${selector.label} in {${printSet(selector.values)}}`;
    case "notIn":
      return `${selector.label} not in {${printSet(selector.values)}}`;
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

function printSet(values: readonly string[]): string {
  return sortedUniqueValues(values).map(quote).join(", ");
}
