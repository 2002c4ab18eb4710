/**
 * The loader's fastest path: plain values read straight from the text, without js-yaml, for the
 * YAML that tools write (kubectl, Helm, generators): block mappings and sequences, one-line plain
 * and quoted scalars, one-line flow sequences and mappings of scalars, comments and `---` markers.
 *
 * It is a recogniser of that subset, not a YAML parser. Every document it accepts gives exactly
 * what `eventsToPlain` gives for it (values, spans, resource paths, the exotic flag; the property
 * test `scanPlain.test.ts` checks it against js-yaml's events on generated and mutated text), and
 * anything outside the subset, or anything that could be an error, sends the document back to
 * js-yaml ("bail"): anchors, aliases, tags, block scalars, multi-line scalars, escapes in double
 * quotes, flow collections over several lines or nested, complex keys, duplicate keys, odd
 * indentation. A batch with tabs, carriage returns, byte order marks, non-printable characters or
 * directives goes to js-yaml whole, so the recogniser never has to reason about them.
 *
 * Documents are cut at `---` lines, which YAML forbids inside any content (1.2.2, 9.1.2), so a
 * document bailed here parses on its own exactly as it does in its stream (see `splitDocuments`).
 */
import { plainResources, type PlainResource } from "./eventsToPlain.js";
import { plainKey, resolvePlain } from "./resolveScalar.js";

/** What the recogniser made of one document: its resources, or the text js-yaml must parse. */
export type ScannedDocument =
  | {
      readonly ok: true;
      /** The document root's span, in the file (as `eventsToPlain`'s documents). */
      readonly start: number;
      readonly end: number;
      readonly resources: readonly PlainResource[];
    }
  /** `[start, end)` of the source: the document's text, from its `---` line, if any. */
  | { readonly ok: false; readonly start: number; readonly end: number };

/**
 * Characters that send a whole batch to js-yaml: what js-yaml rejects as non-printable, and tab,
 * carriage return, NEL, the Unicode line and paragraph separators and the byte order mark, whose
 * handling this recogniser leaves to the parser. Only looked for when the text is not plain
 * printable ASCII with line feeds, which most inputs are (`NOT_ASCII` finds out quickly).
 */
const OUTSIDE =
  // eslint-disable-next-line no-control-regex -- the control characters are what it looks for
  /[\x00-\x09\x0B-\x1F\x7F-\x9F\u2028\u2029\uFEFF\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:[^\uD800-\uDBFF]|^)[\uDC00-\uDFFF]/;
const NOT_ASCII = /[^\n\x20-\x7e]/;
/** A `%` directive or `...` document end marker at the start of a line: they tie documents together. */
const DIRECTIVE_OR_END = /^(?:%|\.\.\.(?=[ \n]|$))/m;

/** Whether `source` is text the recogniser reads at all (else js-yaml parses all of it). */
export function scannable(source: string): boolean {
  if (DIRECTIVE_OR_END.test(source)) return false;
  return !NOT_ASCII.test(source) || !OUTSIDE.test(source);
}

/** Thrown (and caught per document) when a document leaves the subset. */
const BAIL = Symbol("bail");

/** The most slots a cache of texts read before has (a power of two). */
const MAX_SLOTS = 1 << 14;

/**
 * Texts read before and what they were, in direct-mapped slots picked by a cheap hash of the text
 * in place: a text met again (keys, label values, `TCP`) costs a comparison, without a copy, a
 * lookup in a table or resolving it again, and every document shares one copy of it. One cache
 * serves a whole stream, batch after batch; a text that loses its slot to another is only read
 * again. (Texts are slices of the file's text, which the lazy trees keep anyway.)
 */
export class ScanCache {
  /** The slot count less one (slots are a power of two). */
  readonly mask: number;
  readonly keyTexts: (string | undefined)[];
  readonly keyValues: string[];
  readonly plainTexts: (string | undefined)[];
  readonly plainValues: unknown[];
  readonly quotedTexts: (string | undefined)[];

  /** A cache for about `chars` characters of text: a slot per 64 of them, 64 to 16,384. */
  constructor(chars: number) {
    let slots = 64;
    while (slots < MAX_SLOTS && slots * 64 < chars) slots *= 2;
    this.mask = slots - 1;
    this.keyTexts = new Array<string | undefined>(slots);
    this.keyValues = new Array<string>(slots);
    this.plainTexts = new Array<string | undefined>(slots);
    this.plainValues = new Array<unknown>(slots);
    this.quotedTexts = new Array<string | undefined>(slots);
  }
}

const NL = 0x0a;
const SPACE = 0x20;
const HASH = 0x23;
const DASH = 0x2d;
const COLON = 0x3a;
const COMMA = 0x2c;
const SQUOTE = 0x27;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const PIPE = 0x7c;
const PLUS = 0x2b;

/**
 * Characters that cannot start a plain scalar or key in this subset: YAML's indicators (1.2.2,
 * 5.3). `-`, `?` and `:` may start a plain scalar when a non-space follows; only `-` is accepted
 * so (negative numbers), in values.
 */
const INDICATOR = new Uint8Array(128);
for (const c of "-?:,[]{}#&*!|>'\"%@`") INDICATOR[c.charCodeAt(0)] = 1;

/** The characters a plain scalar cannot hold inside a flow collection (1.2.2, 7.3.3). */
const FLOW_INDICATOR = new Uint8Array(128);
for (const c of ",[]{}") FLOW_INDICATOR[c.charCodeAt(0)] = 1;

/**
 * Reads every document of `source` (a batch of a file starting at offset `base`, for which
 * `scannable` holds) and returns them in order. `cache` shares the texts read before (see
 * `ScanCache`) across the batches of a stream.
 */
export function scanPlain(source: string, base: number, cache: ScanCache): ScannedDocument[] {
  const s = source;
  const n = s.length;
  const out: ScannedDocument[] = [];
  // Where the current document's text ends (the start of the next `---` line, or n).
  let end = 0;
  // As in `eventsToPlain`: the furthest offset consumed (collections have no end offset of their
  // own), nulls seen, whether the last node was empty, and the spans of candidate mappings.
  let lastEnd = 0;
  let oddities = 0;
  let trailingEmpty = false;
  let spans = new Map<object, { start: number; end: number }>();
  const { mask, keyTexts, keyValues, plainTexts, plainValues, quotedTexts } = cache;
  /**
   * The slot of the text `[i, j)` in `texts`: the slot when the text is there, else the slot's
   * complement (negative). One function, not two: commands run without TurboFan's inlining
   * (src/cli/runtimeTuning.ts), and every key and scalar asks.
   */
  const find = (texts: readonly (string | undefined)[], i: number, j: number): number => {
    const length = j - i;
    const h = length === 0 ? 0 : (length * 31 + s.charCodeAt(i) * 7 + s.charCodeAt(j - 1) * 131 + s.charCodeAt(i + (length >> 1)) * 17) & mask;
    const text = texts[h];
    return text !== undefined && text.length === length && s.startsWith(text, i) ? h : ~h;
  };

  // The line whose column was found last, and that column: the parsers ask for the column of the
  // line `contentLine` just found, once or twice more (a line's spaces were counted three times).
  // A column does not depend on `end`: a line whose spaces run to `end` has no content.
  let indentLine = -1;
  let indentColumn = 0;

  /** The column of the line starting at `line` (spaces only). */
  const indentAt = (line: number): number => {
    if (line === indentLine) return indentColumn;
    let i = line;
    while (i < end && s.charCodeAt(i) === SPACE) i++;
    indentLine = line;
    indentColumn = i - line;
    return indentColumn;
  };

  /** The start of the line after the one `i` is in (or `end`). */
  const nextLine = (i: number): number => {
    const nl = s.indexOf("\n", i);
    return nl < 0 || nl >= end ? end : nl + 1;
  };

  /**
   * From the line starting at `line`, the start of the first line with content: blank lines and
   * lines holding only a comment are skipped. `end` when there is none.
   */
  const contentLine = (line: number): number => {
    let at = line;
    while (at < end) {
      let i = at;
      while (i < end && s.charCodeAt(i) === SPACE) i++;
      if (i >= end) return end;
      const c = s.charCodeAt(i);
      if (c !== NL && c !== HASH) {
        indentLine = at;
        indentColumn = i - at;
        return at;
      }
      at = nextLine(i);
    }
    return end;
  };

  /** After a node ending at `i` on its line: only spaces, then a comment (after a space) or the line's end. */
  const restOfLine = (i: number): number => {
    let j = i;
    while (j < end && s.charCodeAt(j) === SPACE) j++;
    if (j >= end) return end;
    const c = s.charCodeAt(j);
    if (c === NL) return j + 1;
    if (c === HASH && j > i) return nextLine(j);
    throw BAIL;
  };

  /** The plain key `[i, j)` as Kubernetes reads it (`plainKey`), or bail. */
  const keyAt = (i: number, j: number): string => {
    const found = find(keyTexts, i, j);
    if (found >= 0) return keyValues[found]!;
    const h = ~found;
    const text = s.slice(i, j);
    if (text === "<<" || text.length > 1024) throw BAIL;
    const key = plainKey(text);
    if (!key.ok) throw BAIL;
    keyTexts[h] = text;
    keyValues[h] = key.key;
    return key.key;
  };

  /** The plain scalar `[i, j)` resolved (YAML 1.1 types, as go-yaml v2). */
  const plainAt = (i: number, j: number): unknown => {
    const found = find(plainTexts, i, j);
    let value: unknown;
    if (found >= 0) {
      value = plainValues[found];
    } else {
      const h = ~found;
      const text = s.slice(i, j);
      const resolved = resolvePlain(text);
      value = resolved;
      plainTexts[h] = text;
      plainValues[h] = value;
    }
    if (value === null) oddities++;
    return value;
  };

  /** The quoted scalar whose text (no escapes) is `[i, j)`. */
  const quotedAt = (i: number, j: number): string => {
    const found = find(quotedTexts, i, j);
    if (found >= 0) return quotedTexts[found]!;
    const text = s.slice(i, j);
    quotedTexts[~found] = text;
    return text;
  };

  /** Sets `key` in `map`, bailing on a key seen before or one objects inherit (`__proto__`). */
  const put = (map: Record<string, unknown>, key: string, value: unknown): void => {
    if (map[key] !== undefined) throw BAIL;
    map[key] = value;
  };

  // The one-line scanners below leave their result's end offset in `at`.
  let at = 0;

  /** A single-quoted scalar starting at `i` (the quote), on one line. */
  const singleQuoted = (i: number): string => {
    let j = i + 1;
    let text: string | undefined;
    let from = j;
    for (;;) {
      if (j >= end) throw BAIL;
      const c = s.charCodeAt(j);
      if (c === NL) throw BAIL;
      if (c === SQUOTE) {
        if (s.charCodeAt(j + 1) === SQUOTE && j + 1 < end) {
          text = (text ?? "") + s.slice(from, j + 1);
          j += 2;
          from = j;
          continue;
        }
        at = j + 1;
        return text === undefined ? quotedAt(i + 1, j) : text + s.slice(from, j);
      }
      j++;
    }
  };

  /** A double-quoted scalar without escapes starting at `i` (the quote), on one line. */
  const doubleQuoted = (i: number): string => {
    let j = i + 1;
    for (;;) {
      if (j >= end) throw BAIL;
      const c = s.charCodeAt(j);
      if (c === NL || c === BACKSLASH) throw BAIL;
      if (c === DQUOTE) {
        at = j + 1;
        return quotedAt(i + 1, j);
      }
      j++;
    }
  };

  /** A quoted scalar at `i` (its quote, single or double); consumed to its closing quote. */
  const quoted = (i: number): string => {
    const text = s.charCodeAt(i) === SQUOTE ? singleQuoted(i) : doubleQuoted(i);
    lastEnd = at;
    return text;
  };

  /**
   * A plain scalar in block context starting at `i`, to a comment or the line's end; bails on
   * `: ` or a final `:` (a key where a value must be). Returns its end (trailing spaces off).
   */
  const blockPlain = (i: number): number => {
    let j = i;
    let last = i;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === NL) break;
      if (c === SPACE) {
        j++;
        continue;
      }
      if (c === HASH && s.charCodeAt(j - 1) === SPACE) break;
      if (c === COLON) {
        const next = j + 1 < end ? s.charCodeAt(j + 1) : NL;
        if (next === SPACE || next === NL) throw BAIL;
      }
      j++;
      last = j;
    }
    at = last;
    return last;
  };

  /**
   * A plain scalar inside a flow collection starting at `i`: to `,`, the closing bracket or a
   * comment. Bails on anything that would make it a key (`:`), or a line break.
   */
  const flowPlain = (i: number): number => {
    let j = i;
    let last = i;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === NL) throw BAIL;
      if (c === SPACE) {
        j++;
        continue;
      }
      if (c < 128 && FLOW_INDICATOR[c] === 1) break;
      if (c === HASH && s.charCodeAt(j - 1) === SPACE) throw BAIL;
      if (c === COLON) throw BAIL;
      j++;
      last = j;
    }
    at = last;
    return last;
  };

  /** A scalar in a flow collection at `i`: quoted or plain. Leaves its end in `at`, sets lastEnd. */
  const flowScalar = (i: number): unknown => {
    const c = s.charCodeAt(i);
    if (c === SQUOTE || c === DQUOTE) return quoted(i);
    if ((c < 128 && INDICATOR[c] === 1) || c === NL || c === SPACE) throw BAIL;
    const valueEnd = flowPlain(i);
    lastEnd = at;
    return plainAt(i, valueEnd);
  };

  const skipSpaces = (i: number): number => {
    let j = i;
    while (j < end && s.charCodeAt(j) === SPACE) j++;
    return j;
  };

  /**
   * A one-line flow collection at `i` (its opening bracket) closed by `close`: `entry` reads each
   * entry at its first character and leaves its end in `at`. Leaves the offset after the closing
   * bracket in `at`, where the events path ends the collection.
   */
  const flowCollection = (i: number, close: number, entry: (j: number) => void): void => {
    lastEnd = Math.max(lastEnd, i + 1);
    let j = skipSpaces(i + 1);
    if (s.charCodeAt(j) !== close) {
      for (;;) {
        entry(j);
        j = skipSpaces(at);
        const c = s.charCodeAt(j);
        if (c === close) break;
        if (c !== COMMA) throw BAIL;
        j = skipSpaces(j + 1);
      }
    }
    at = j + 1;
    lastEnd = at;
    trailingEmpty = false;
  };

  /** A one-line flow sequence of scalars at `i` (the `[`). */
  const flowSequence = (i: number): unknown[] => {
    const items: unknown[] = [];
    flowCollection(i, RBRACKET, (j) => items.push(flowScalar(j)));
    return items;
  };

  /** A one-line flow mapping of scalars at `i` (the `{`), each key followed by `: `. */
  const flowMapping = (i: number): Record<string, unknown> => {
    const map: Record<string, unknown> = {};
    flowCollection(i, RBRACE, (j) => {
      const c = s.charCodeAt(j);
      let key: string;
      if (c === SQUOTE || c === DQUOTE) {
        key = c === SQUOTE ? singleQuoted(j) : doubleQuoted(j);
      } else {
        if ((c < 128 && INDICATOR[c] === 1) || c === NL || c === SPACE) throw BAIL;
        key = keyAt(j, flowKeyEnd(j));
      }
      lastEnd = at;
      if (s.charCodeAt(at) !== COLON || s.charCodeAt(at + 1) !== SPACE) throw BAIL;
      const value = skipSpaces(at + 2);
      const first = s.charCodeAt(value);
      if (first === COMMA || first === RBRACE) throw BAIL;
      put(map, key, flowScalar(value));
    });
    return map;
  };

  /** A plain key in a flow mapping at `i`: to the `:` (which must follow at once). Returns its end. */
  const flowKeyEnd = (i: number): number => {
    let j = i;
    while (j < end) {
      const c = s.charCodeAt(j);
      if (c === NL || c === SPACE || c === HASH) throw BAIL;
      if (c === COLON) break;
      if (c < 128 && FLOW_INDICATOR[c] === 1) throw BAIL;
      j++;
    }
    at = j;
    return j;
  };

  /**
   * A value written on its key's (or dash's) line at `i`: a scalar or a one-line flow
   * collection. Returns the value; `at` is left at the offset after it.
   */
  const inlineValue = (i: number): unknown => {
    const c = s.charCodeAt(i);
    trailingEmpty = false;
    if (c === SQUOTE || c === DQUOTE) return quoted(i);
    if (c === LBRACKET) return flowSequence(i);
    if (c === LBRACE) return flowMapping(i);
    if (c < 128 && INDICATOR[c] === 1) {
      // `-1` is a plain scalar; `- x` (a sequence here) and every other indicator are not read here.
      if (c !== DASH) throw BAIL;
      const next = i + 1 < end ? s.charCodeAt(i + 1) : NL;
      if (next === SPACE || next === NL) throw BAIL;
    }
    const valueEnd = blockPlain(i);
    lastEnd = at;
    return plainAt(i, valueEnd);
  };

  /**
   * A literal block scalar (`|`, `|-`, `|+`) whose indicator is at `i`, in a node at `parent`'s
   * column (YAML 1.2.2, 8.1.1.1-2 and 8.1.2): its content lines are the ones indented more than
   * `parent`, at the first one's column, empty lines included. Bails on an explicit indentation
   * indicator, leading empty lines, empty content, and lines of spaces longer than the
   * indentation. Leaves in `at` where the events path ends it: the start of the first line after
   * it (trailing empty lines included), and sets lastEnd there.
   */
  const literal = (i: number, parent: number): string => {
    let j = i + 1;
    const chomp = s.charCodeAt(j);
    if (chomp === DASH || chomp === PLUS) j++;
    const first = restOfLine(j);
    if (first >= end) throw BAIL;
    const indent = indentAt(first);
    const c = s.charCodeAt(first + indent);
    if (indent <= parent || first + indent >= end || c === NL) throw BAIL;
    let text = "";
    let lineAt = first;
    // Empty lines after the last content line, and where that line ended.
    let blank = 0;
    let contentEnd = first;
    while (lineAt < end) {
      let k = lineAt;
      while (k < end && k - lineAt < indent && s.charCodeAt(k) === SPACE) k++;
      const d = k < end ? s.charCodeAt(k) : NL;
      if (d === NL) {
        // Spaces at the very end of the text: left to js-yaml.
        if (k >= end) throw BAIL;
        blank++;
        lineAt = k + 1;
        continue;
      }
      if (k - lineAt < indent) break;
      // A content line: the empty lines before it are line breaks of the content.
      const nl = s.indexOf("\n", k);
      if (nl < 0 || nl >= end) throw BAIL;
      if (s.charCodeAt(k) === SPACE && s.slice(k, nl).trim() === "") throw BAIL;
      text += (text === "" && contentEnd === first ? "" : "\n") + "\n".repeat(blank) + s.slice(k, nl);
      blank = 0;
      contentEnd = nl + 1;
      lineAt = nl + 1;
    }
    if (lineAt > end) lineAt = end;
    at = lineAt;
    lastEnd = lineAt;
    trailingEmpty = false;
    if (chomp === DASH) return text;
    if (chomp === PLUS) return text + "\n" + "\n".repeat(blank);
    return text + "\n";
  };

  /**
   * The value written at `i` on its key's or dash's line, in a node at `column`: a literal block
   * or a one-line value; then `line` is the next line with content, which may not be indented
   * more than `column`.
   */
  const valueOnLine = (i: number, column: number): unknown => {
    let value: unknown;
    if (s.charCodeAt(i) === PIPE) {
      value = literal(i, column);
      line = contentLine(at);
    } else {
      value = inlineValue(i);
      line = contentLine(restOfLine(at));
    }
    if (line < end && indentAt(line) > column) throw BAIL;
    return value;
  };

  /**
   * Whether the line content at `i` is a key: returns the offset of its `:` (followed by a space
   * or the line's end), or -1 when the line holds no key. A quoted key is accepted whole.
   */
  const keyColon = (i: number): number => {
    const c = s.charCodeAt(i);
    if (c === SQUOTE || c === DQUOTE) {
      if (c === SQUOTE) singleQuoted(i);
      else doubleQuoted(i);
      let j = at;
      while (j < end && s.charCodeAt(j) === SPACE) j++;
      if (s.charCodeAt(j) !== COLON) return -1;
      const next = j + 1 < end ? s.charCodeAt(j + 1) : NL;
      return next === SPACE || next === NL ? j : -1;
    }
    for (let j = i; j < end; j++) {
      const d = s.charCodeAt(j);
      if (d === NL) return -1;
      if (d === HASH && s.charCodeAt(j - 1) === SPACE) return -1;
      if (d === COLON) {
        const next = j + 1 < end ? s.charCodeAt(j + 1) : NL;
        if (next === SPACE || next === NL) return j;
      }
    }
    return -1;
  };

  /**
   * The key whose text starts at `i` and whose `:` is at `colon`: its JSON name. Sets lastEnd to
   * the key's end as the events path does.
   */
  const readKey = (i: number, colon: number): string => {
    const c = s.charCodeAt(i);
    trailingEmpty = false;
    if (c === SQUOTE || c === DQUOTE) return quoted(i);
    if ((c < 128 && INDICATOR[c] === 1) || c === SPACE) throw BAIL;
    let keyEnd = colon;
    while (s.charCodeAt(keyEnd - 1) === SPACE) keyEnd--;
    lastEnd = keyEnd;
    return keyAt(i, keyEnd);
  };

  // The block parsers leave in `line` the start of the next line with content (or `end`).
  let line = 0;

  /** Whether the content at `i` is a sequence entry's dash (`-` then a space or the line's end). */
  const isDash = (i: number): boolean => {
    if (s.charCodeAt(i) !== DASH) return false;
    const next = i + 1 < end ? s.charCodeAt(i + 1) : NL;
    return next === SPACE || next === NL;
  };

  /** An empty node (nothing written): null, consuming no text. */
  const empty = (): null => {
    oddities++;
    trailingEmpty = true;
    return null;
  };

  /**
   * The node of a key or dash whose own line holds nothing more: the block on the following lines
   * more indented than `parent` (or, for a mapping's value, a sequence at the key's column), or
   * an empty node. `line` is the first line after the key's or dash's.
   */
  const nodeBelow = (parent: number, seqAtParent: boolean, candidate: boolean): unknown => {
    const next = contentLine(line);
    line = next;
    if (next >= end) return empty();
    const column = indentAt(next);
    if (column > parent) return block(next, column, candidate);
    if (seqAtParent && column === parent && isDash(next + column)) return sequence(next, column, candidate);
    return empty();
  };

  /** The block node whose first line starts at `lineStart`, with content at `column`. */
  const block = (lineStart: number, column: number, candidate: boolean): unknown => {
    const i = lineStart + column;
    if (isDash(i)) return sequence(lineStart, column, candidate);
    const colon = keyColon(i);
    if (colon < 0) throw BAIL;
    return mapping(i, colon, column, candidate);
  };

  /**
   * A block mapping whose first key starts at `first`, with its `:` at `firstColon` (`keyColon`,
   * which the caller asked already), its keys at `column`. On return `line` is the first content
   * line after it.
   */
  const mapping = (first: number, firstColon: number, column: number, candidate: boolean): Record<string, unknown> => {
    const map: Record<string, unknown> = {};
    let i = first;
    let colon = firstColon;
    for (;;) {
      if (colon < 0) throw BAIL;
      const key = readKey(i, colon);
      const valueAt = skipSpaces(colon + 1);
      let value: unknown;
      const c = valueAt < end ? s.charCodeAt(valueAt) : NL;
      if (c === NL || (c === HASH && valueAt > colon + 1)) {
        line = valueAt >= end ? end : nextLine(valueAt);
        value = nodeBelow(column, true, candidate && key === "items");
      } else {
        value = valueOnLine(valueAt, column);
      }
      // `put`, written out: the one store of every key of a block mapping.
      if (map[key] !== undefined) throw BAIL;
      map[key] = value;
      if (line >= end) break;
      const next = indentAt(line);
      if (next < column) break;
      if (next > column) throw BAIL;
      i = line + column;
      if (isDash(i)) throw BAIL;
      colon = keyColon(i);
    }
    if (candidate) {
      if (trailingEmpty) throw BAIL;
      spans.set(map, { start: first, end: lastEnd });
    }
    return map;
  };

  /** A block sequence whose first dash is at `lineStart + column`. */
  const sequence = (lineStart: number, column: number, candidate: boolean): unknown[] => {
    const items: unknown[] = [];
    lastEnd = Math.max(lastEnd, lineStart + column + 1);
    let dash = lineStart + column;
    for (;;) {
      const after = skipSpaces(dash + 1);
      const c = after < end ? s.charCodeAt(after) : NL;
      if (c === NL || (c === HASH && after > dash + 1)) {
        line = after >= end ? end : nextLine(after);
        items.push(nodeBelow(column, false, candidate));
      } else if (isDash(after)) {
        throw BAIL;
      } else {
        const colon = keyColon(after);
        items.push(colon >= 0 ? mapping(after, colon, after - (dash - column), candidate) : valueOnLine(after, column));
      }
      if (line >= end) break;
      const next = indentAt(line);
      if (next !== column || !isDash(line + column)) {
        if (next > column) throw BAIL;
        break;
      }
      dash = line + column;
    }
    return items;
  };

  /** The document whose text is `[from, end)`. */
  const document = (from: number): ScannedDocument => {
    lastEnd = 0;
    trailingEmpty = false;
    spans = new Map();
    indentLine = -1;
    const oddStart = oddities;
    let first = from;
    if (s.startsWith("---", from)) first = restOfLine(from + 3);
    first = contentLine(first);
    if (first >= end) return { ok: true, start: base, end: base, resources: [] };
    const column = indentAt(first);
    const root = block(first, column, true);
    if (line < end) throw BAIL;
    const rootStart = first + column;
    return { ok: true, start: base + rootStart, end: base + lastEnd, resources: unwrap(root, oddStart) };
  };

  /** The resources of a document root (a mapping, a List, or a sequence of mappings). */
  const unwrap = (root: unknown, oddStart: number): PlainResource[] => {
    const resources = plainResources(root, spans, base, oddities > oddStart);
    if (resources === undefined) throw BAIL;
    return resources;
  };

  let from = 0;
  while (from < n) {
    end = nextMarker(s, from);
    try {
      out.push(document(from));
    } catch (thrown) {
      if (thrown !== BAIL) throw thrown;
      out.push({ ok: false, start: from, end });
    }
    from = end;
  }
  return out;
}

/** The start of the first `---` marker line after the line at `from` (or the text's length). */
function nextMarker(s: string, from: number): number {
  let i = s.indexOf("\n---", from);
  while (i >= 0) {
    const c = s.charCodeAt(i + 4);
    if (i + 4 >= s.length || c === SPACE || c === NL) return i + 1;
    i = s.indexOf("\n---", i + 4);
  }
  return s.length;
}
