import type { Selector } from "./ast.js";
import { compareUtf8 } from "./compareUtf8.js";

/** The label keys `selector` refers to, each once, in UTF-8 byte order. */
export function selectorLabels(selector: Selector): readonly string[] {
  const found = new Set<string>();
  collect(selector, found);
  return [...found].sort(compareUtf8);
}

function collect(selector: Selector, found: Set<string>): void {
  switch (selector.kind) {
    case "all":
    case "global":
      return;
    case "not":
      collect(selector.operand, found);
      return;
    case "and":
    case "or":
      for (const operand of selector.operands) collect(operand, found);
      return;
    default:
      found.add(selector.label);
  }
}
