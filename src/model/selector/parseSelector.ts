import { error } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { Selector } from "./ast.js";
import { lexSelector } from "./lexSelector.js";
import type { SelectorSyntaxError } from "./selectorParser.js";
import { parseTokens } from "./selectorParser.js";
import type { ParseSelectorOptions, ParseSelectorResult } from "./types.js";

/** The file name used in spans when the caller gives no location. */
export const SELECTOR_PSEUDO_FILE = "<selector>";

const ALL: Selector = { kind: "all" };

/**
 * Parses a selector exactly as Calico's `parser.Parse` does (no trimming beyond the grammar's own
 * whitespace skipping; text with only spaces and tabs is `all()`). On failure returns one
 * `selector-syntax` diagnostic with Calico's message, spanning the offending token or character,
 * mapped through `options.location` when given.
 */
export function parseSelector(text: string, options?: ParseSelectorOptions): ParseSelectorResult {
  const lexed = lexSelector(text, options?.dialect ?? "v3");
  if ("error" in lexed) return failure(lexed.error, options);
  if (lexed.tokens.length === 0) return { ok: true, selector: ALL };
  const parsed = parseTokens(lexed.tokens, text.length);
  if ("message" in parsed) return failure(parsed, options);
  return { ok: true, selector: parsed };
}

function failure(syntax: SelectorSyntaxError, options: ParseSelectorOptions | undefined): ParseSelectorResult {
  const where: Span = options?.location
    ? options.location.toSpan(syntax.start, syntax.end)
    : { file: SELECTOR_PSEUDO_FILE, start: syntax.start, end: syntax.end };
  return { ok: false, diagnostics: [error("selector-syntax", syntax.message, where)] };
}
