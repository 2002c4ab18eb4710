/**
 * Tokenizes selector text and reports the first tokenizer error with Calico's message. Calico's
 * tokenizer stops at its first error, so only the earliest one (by offset) is reported.
 */
import type { ILexingError, IToken } from "chevrotain";
import type { SelectorSyntaxError } from "./selectorParser.js";
import { Has, hasLabel, Label, mayFollowLabel, v1Lexer, v3Lexer } from "./tokens.js";

/** Calico's label length limit (libcalico-go tokenizer `MaxLabelLength`). */
export const MAX_LABEL_LENGTH = 512;

/** Tokens of a selector, or its first tokenizer error. */
export type LexResult = { readonly tokens: IToken[] } | { readonly error: SelectorSyntaxError };

const labelChar = /[A-Za-z0-9_./-]/;

/** Lexes `text` with the v3 (default) or v1 grammar. */
export function lexSelector(text: string, dialect: "v3" | "v1" = "v3"): LexResult {
  const result = (dialect === "v1" ? v1Lexer : v3Lexer).tokenize(text);
  const lexError = result.errors[0];
  const limit = lexError?.offset ?? Infinity;
  const tokens = result.tokens;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as IToken;
    if (token.startOffset > limit) break;
    const error = tokenError(text, token, tokens[i - 1], dialect);
    if (error !== undefined) return { error };
  }
  if (lexError !== undefined) return { error: unmatchedError(text, lexError, tokens) };
  return { tokens };
}

/** An error in an otherwise lexed token: Calico rejects it where chevrotain's patterns accept it. */
function tokenError(text: string, token: IToken, previous: IToken | undefined, dialect: string): SelectorSyntaxError | undefined {
  const start = token.startOffset;
  const end = start + token.image.length;
  if (previous?.tokenType === Label && !mayFollowLabel.has(token.tokenType)) {
    return { message: afterLabelMessage(previous), start, end };
  }
  if (token.tokenType === Has) {
    const label = hasLabel(token);
    if (label.length > MAX_LABEL_LENGTH) return { message: `label too long: ${label}`, start, end };
  }
  if (token.tokenType !== Label) return undefined;
  if (token.image.length > MAX_LABEL_LENGTH) return { message: `label too long: ${token.image}`, start, end };
  if (text.charCodeAt(end) === 0x28 /* ( */) return malformedCall(text, token.image, end + 1, dialect);
  return undefined;
}

/**
 * Calico treats `has(`, `all(` and `global(` as the start of a call whatever follows; when the
 * call's token pattern did not match, says what is missing, at the character where it is missing.
 */
function malformedCall(text: string, name: string, afterParen: number, dialect: string): SelectorSyntaxError | undefined {
  if (name !== "has" && name !== "all" && !(name === "global" && dialect === "v3")) return undefined;
  let pos = skipBlanks(text, afterParen);
  if (name === "has") {
    const identStart = pos;
    while (pos < text.length && labelChar.test(text.charAt(pos))) pos++;
    if (pos === identStart) return charError("expected identifier", text, pos);
    if (pos - identStart > MAX_LABEL_LENGTH) {
      return { message: `label too long: ${text.slice(identStart, pos)}`, start: identStart, end: pos };
    }
    pos = skipBlanks(text, pos);
  }
  return charError(`no closing ')' after ${name}(`, text, pos);
}

function skipBlanks(text: string, pos: number): number {
  let p = pos;
  while (p < text.length && (text.charCodeAt(p) === 0x20 || text.charCodeAt(p) === 0x09)) p++;
  return p;
}

/** A one-character error span at `pos`, or an empty one at the end of the text. */
function charError(message: string, text: string, pos: number): SelectorSyntaxError {
  return { message, start: pos, end: Math.min(pos + 1, text.length) };
}

function afterLabelMessage(label: IToken): string {
  return `expected operator after label ${JSON.stringify(label.image)}`;
}

/** Calico's message for a character that starts no token. */
function unmatchedError(text: string, error: ILexingError, tokens: readonly IToken[]): SelectorSyntaxError {
  const pos = error.offset;
  const ch = text.charAt(pos);
  switch (ch) {
    case '"':
    case "'":
      return { message: "unterminated string", start: pos, end: text.length };
    case "=":
      return charError("expected ==", text, pos);
    case "&":
      return charError("expected &&", text, pos);
    case "|":
      return charError("expected ||", text, pos);
  }
  const previous = lastTokenBefore(tokens, pos);
  if (previous?.tokenType === Label) return charError(afterLabelMessage(previous), text, pos);
  return charError("expected identifier", text, pos);
}

function lastTokenBefore(tokens: readonly IToken[], pos: number): IToken | undefined {
  let found: IToken | undefined;
  for (const t of tokens) {
    if (t.startOffset >= pos) break;
    found = t;
  }
  return found;
}

