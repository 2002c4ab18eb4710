import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { Selector } from "./ast.js";

/**
 * Where a selector's text sits in a source file, so that errors point at the bad token there.
 * `toSpan(start, end)` maps offsets in the selector text to a span in the file (it accounts for
 * quotes, escapes and block-scalar indentation).
 */
export interface SelectorLocation {
  readonly toSpan: (start: number, end: number) => Span;
}

export interface ParseSelectorOptions {
  /** `v1` is the legacy grammar: no `contains`, `starts with`, `ends with` or `global()`. */
  readonly dialect?: "v3" | "v1";
  readonly location?: SelectorLocation;
}

export type ParseSelectorResult =
  | { readonly ok: true; readonly selector: Selector }
  | { readonly ok: false; readonly diagnostics: readonly Diagnostic[] };
