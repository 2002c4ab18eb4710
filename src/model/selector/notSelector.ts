import type { Selector } from "./ast.js";

/**
 * The negation of `selector`: the same tree as parsing `!(<selector>)`. A negated selector is
 * wrapped again rather than unwrapped, as Calico does (its canonical form is then `!!…`).
 */
export function notSelector(selector: Selector): Selector {
  return { kind: "not", operand: selector };
}
