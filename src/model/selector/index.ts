/**
 * Calico's label selector language: parsing (with Calico's grammar, keywords and error messages),
 * evaluation, canonical printing, unique IDs and the small tree helpers the compiler needs.
 * Everything here works on the plain `Selector` AST of `./ast.ts`.
 *
 * The AST is the tree Calico's parser builds, so that canonical text and IDs match Calico's:
 * a run of `!` collapses by parity (`!!a == "b"` is `a == "b"`), but `!(!a == "b")` keeps two
 * nested nots and prints `!!a == "b"`, exactly as Calico does; a parenthesised and/or inside
 * another stays its own node (`(a && b) && c` and `a && b && c` have different IDs).
 */
export type { Labels, Selector } from "./ast.js";
export type { ParseSelectorOptions, ParseSelectorResult, SelectorLocation } from "./types.js";
export { parseSelector, SELECTOR_PSEUDO_FILE } from "./parseSelector.js";
export { labelTestMatches, labelTestValues, labelValue, selectorMatches, type LabelTest } from "./selectorMatches.js";
export { printSelector } from "./printSelector.js";
export { selectorId, uniqueId } from "./selectorId.js";
export { andSelectors } from "./andSelectors.js";
export { notSelector } from "./notSelector.js";
export { mapLabels } from "./mapLabels.js";
export { selectorLabels } from "./selectorLabels.js";
export { compareUtf8, sortedUniqueValues } from "./compareUtf8.js";
