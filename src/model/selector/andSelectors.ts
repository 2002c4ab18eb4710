import type { Selector } from "./ast.js";

/**
 * The conjunction of `selectors`, built the way Calico builds one from text: the same tree (and
 * so the same canonical form and ID) as parsing `(s1) && (s2) && …`. Operands are kept as they
 * are, so an and operand stays a nested group; one selector is returned unchanged; none is `all()`.
 */
export function andSelectors(...selectors: readonly Selector[]): Selector {
  const [only] = selectors;
  if (only === undefined) return { kind: "all" };
  if (selectors.length === 1) return only;
  return { kind: "and", operands: [...selectors] };
}
