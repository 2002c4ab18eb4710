/**
 * Calico's label selector language (API contract; implementation in progress).
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { Labels, Selector } from "./ast.js";

export type { Labels, Selector } from "./ast.js";

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

/** Parses a selector exactly as Calico does; blank text is `all()`. Errors use code `selector-syntax`. */
export function parseSelector(_text: string, _options?: ParseSelectorOptions): ParseSelectorResult {
  throw new Error("not implemented");
}

/** Whether `labels` satisfy `selector` (all() and global() are always true). */
export function selectorMatches(_selector: Selector, _labels: Labels): boolean {
  throw new Error("not implemented");
}

/** Calico's canonical text of a selector. */
export function printSelector(_selector: Selector): string {
  throw new Error("not implemented");
}

/** Calico's unique ID: "s:" + base64url-nopad(SHA-224("s:" + canonical)). */
export function selectorId(_selector: Selector): string {
  throw new Error("not implemented");
}
