/**
 * Decodes a scalar from its source text while remembering, for every UTF-16 unit of the decoded
 * value, the source range it came from. This is the slow, exact path behind `scalarValueSpan`;
 * the loader itself decodes with js-yaml's `getScalarValue`, and the tests check that both agree.
 *
 * The folding and escaping rules follow YAML 1.2.2, chapters 6.5 (line folding), 7.3 (flow
 * scalars) and 8.1 (block scalars).
 */
import type { ScalarStyle } from "../yamlTree.js";

/** A decoded value and, per UTF-16 unit, the half-open source range `[starts[i], ends[i])`. */
export interface DecodedScalar {
  readonly value: string;
  readonly starts: readonly number[];
  readonly ends: readonly number[];
}

/**
 * Decodes the scalar written at `[start, end)` of `text` in `style` (the range includes quotes and
 * block headers, as `YScalar.span` does). `expected` is the value the loader decoded; it only
 * settles the content indentation of a block scalar with an explicit indentation indicator, which
 * depends on the parent's indentation that the span alone does not show.
 */
export function decodeScalar(text: string, style: ScalarStyle, start: number, end: number, expected?: string): DecodedScalar {
  switch (style) {
    case "plain":
      return decodeFlow(text, start, end, style);
    case "single":
    case "double":
      return decodeFlow(text, start + 1, Math.max(start + 1, end - 1), style);
    case "literal":
    case "folded":
      return decodeBlock(text, start, end, style === "folded", expected);
  }
}

class Builder {
  value = "";
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  push(s: string, from: number, to: number): void {
    this.value += s;
    for (let k = 0; k < s.length; k++) {
      this.starts.push(from);
      this.ends.push(to);
    }
  }
  result(): DecodedScalar {
    return { value: this.value, starts: this.starts, ends: this.ends };
  }
}

const isWhite = (c: string | undefined): boolean => c === " " || c === "\t";
const isBreak = (c: string | undefined): boolean => c === "\n" || c === "\r";

/** Length of the line break at `i` (`\r\n` counts as one break), 0 when there is none. */
function breakLength(text: string, i: number): number {
  const c = text[i];
  if (c === "\r") return text[i + 1] === "\n" ? 2 : 1;
  return c === "\n" ? 1 : 0;
}

/** Plain, single- and double-quoted scalars: `[from, to)` is the content between the quotes. */
function decodeFlow(text: string, from: number, to: number, style: ScalarStyle): DecodedScalar {
  const out = new Builder();
  let i = from;
  while (i < to) {
    const c = text[i] ?? "";
    if (style === "single" && c === "'") {
      // `''` is the only escape of single-quoted scalars.
      out.push("'", i, Math.min(i + 2, to));
      i += 2;
    } else if (style === "double" && c === "\\") {
      i = decodeEscape(text, i, to, out);
    } else if (isWhite(c)) {
      // White space right before a line break is not content (6.5, "trailing white space").
      let j = i;
      while (j < to && isWhite(text[j])) j++;
      if (j < to && isBreak(text[j])) {
        i = j;
      } else {
        for (; i < j; i++) out.push(text[i] ?? "", i, i + 1);
      }
    } else if (isBreak(c)) {
      i = foldBreak(text, i, to, out);
    } else {
      out.push(c, i, i + 1);
      i++;
    }
  }
  return out.result();
}

/**
 * Folds the line break at `i` and the empty lines after it: a lone break becomes a space, and `n`
 * empty lines become `n` line feeds (each mapped to its own empty line's break). Leading white
 * space of the next line is dropped. Returns the offset of the next content character.
 */
function foldBreak(text: string, i: number, to: number, out: Builder): number {
  const first = i;
  const firstLength = breakLength(text, i);
  i += firstLength;
  const empties: number[] = [];
  for (;;) {
    while (i < to && isWhite(text[i])) i++;
    const length = i < to ? breakLength(text, i) : 0;
    if (length === 0) break;
    empties.push(i);
    i += length;
  }
  if (empties.length === 0) out.push(" ", first, first + firstLength);
  for (const at of empties) out.push("\n", at, at + breakLength(text, at));
  return i;
}

const simpleEscapes: Readonly<Record<string, string>> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};

const hexDigits: Readonly<Record<string, number>> = { x: 2, u: 4, U: 8 };

/** Decodes the escape at `i` (a backslash) of a double-quoted scalar; returns the next offset. */
function decodeEscape(text: string, i: number, to: number, out: Builder): number {
  const c = text[i + 1];
  if (c === undefined || i + 1 >= to) {
    out.push("\\", i, i + 1);
    return i + 1;
  }
  if (isBreak(c)) {
    // An escaped line break joins the lines without a space (7.3.1); empty lines after it still
    // produce line feeds, and the next line's leading white space is dropped.
    i += 1 + breakLength(text, i + 1);
    for (;;) {
      while (i < to && isWhite(text[i])) i++;
      const length = i < to ? breakLength(text, i) : 0;
      if (length === 0) return i;
      out.push("\n", i, i + length);
      i += length;
    }
  }
  const simple = simpleEscapes[c];
  if (simple !== undefined) {
    out.push(simple, i, i + 2);
    return i + 2;
  }
  const digits = hexDigits[c];
  if (digits !== undefined) {
    const hex = text.slice(i + 2, i + 2 + digits);
    const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? Number.parseInt(hex, 16) : Number.NaN;
    if (Number.isFinite(code) && code <= 0x10ffff) {
      out.push(String.fromCodePoint(code), i, i + 2 + digits);
      return i + 2 + digits;
    }
  }
  // Not a valid escape (the parser rejects these); keep the text so offsets stay monotonic.
  out.push(c, i, i + 2);
  return i + 2;
}

interface BlockLine {
  /** Offset of the first character of the line. */
  readonly start: number;
  /** Offset of the line break (or of the end of the scalar when the line has none). */
  readonly end: number;
  readonly breakLength: number;
}

/** Literal (`|`) and folded (`>`) block scalars; `start` is the offset of the indicator. */
function decodeBlock(text: string, start: number, end: number, folded: boolean, expected?: string): DecodedScalar {
  // The header: indicator, then an indentation digit and a chomping sign in either order.
  let chomping: "clip" | "strip" | "keep" = "clip";
  let explicitIndent = 0;
  for (let i = start + 1; i < start + 3; i++) {
    const c = text[i];
    if (c === "-") chomping = "strip";
    else if (c === "+") chomping = "keep";
    else if (c !== undefined && c >= "1" && c <= "9") explicitIndent = Number(c);
    else break;
  }
  let contentStart = end;
  for (let i = start; i < end; i++) {
    const length = breakLength(text, i);
    if (length > 0) {
      contentStart = i + length;
      break;
    }
  }
  const lines: BlockLine[] = [];
  for (let i = contentStart; i < end; ) {
    let j = i;
    while (j < end && !isBreak(text[j])) j++;
    const length = j < end ? breakLength(text, j) : 0;
    lines.push({ start: i, end: j, breakLength: length });
    i = j + length;
  }
  if (explicitIndent === 0) {
    // Auto-detected indentation: that of the first line with a non-space character (8.1.1.1).
    const first = lines.find((l) => leadingSpaces(text, l) < l.end - l.start);
    return emitBlock(text, lines, first ? leadingSpaces(text, first) : 0, folded, chomping);
  }
  // With an explicit indicator the indentation is the parent's plus the digit; the parent's is not
  // in the span, so try every indentation the lines allow and keep the one that reproduces the
  // loader's value (there are at most a few dozen candidates, and this path is rare).
  // Lines of only spaces count too: beyond the indentation their spaces are content.
  const most = lines.reduce((m, l) => Math.max(m, leadingSpaces(text, l)), explicitIndent);
  let fallback: DecodedScalar | undefined;
  for (let indent = most; indent >= 1; indent--) {
    const decoded = emitBlock(text, lines, indent, folded, chomping);
    if (expected === undefined || decoded.value === expected) return decoded;
    fallback ??= decoded;
  }
  return fallback ?? emitBlock(text, lines, explicitIndent, folded, chomping);
}

function leadingSpaces(text: string, line: BlockLine): number {
  let i = line.start;
  while (i < line.end && text[i] === " ") i++;
  return i - line.start;
}

function emitBlock(
  text: string,
  lines: readonly BlockLine[],
  indent: number,
  folded: boolean,
  chomping: "clip" | "strip" | "keep",
): DecodedScalar {
  const out = new Builder();
  const pushBreak = (line: BlockLine): void => {
    if (line.breakLength > 0) out.push("\n", line.end, line.end + line.breakLength);
  };
  // A line is empty when it holds at most `indent` spaces; spaces beyond the indentation are content.
  const isEmpty = (line: BlockLine): boolean => line.end - line.start <= indent && leadingSpaces(text, line) === line.end - line.start;
  // "More indented" lines of a folded scalar start with white space after the indentation; line
  // breaks next to them are kept rather than folded (8.1.3).
  const isMoreIndented = (line: BlockLine): boolean => isWhite(text[line.start + indent]);
  let previous: BlockLine | undefined;
  let pendingEmpties: BlockLine[] = [];
  for (const line of lines) {
    if (isEmpty(line)) {
      pendingEmpties.push(line);
      continue;
    }
    if (previous === undefined) {
      for (const empty of pendingEmpties) pushBreak(empty);
    } else if (folded && !isMoreIndented(previous) && !isMoreIndented(line)) {
      if (pendingEmpties.length === 0) out.push(" ", previous.end, previous.end + previous.breakLength);
      for (const empty of pendingEmpties) pushBreak(empty);
    } else {
      pushBreak(previous);
      for (const empty of pendingEmpties) pushBreak(empty);
    }
    pendingEmpties = [];
    for (let i = line.start + indent; i < line.end; i++) out.push(text[i] ?? "", i, i + 1);
    previous = line;
  }
  // Chomping (8.1.1.2): strip drops the final break, clip keeps it, keep also keeps trailing empties.
  if (chomping !== "strip" && previous !== undefined) pushBreak(previous);
  if (chomping === "keep") for (const empty of pendingEmpties) pushBreak(empty);
  return out.result();
}
