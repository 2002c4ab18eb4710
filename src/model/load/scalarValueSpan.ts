import type { Span } from "../../diagnostics/span.js";
import type { YScalar } from "../yamlTree.js";
import { decodeScalar } from "./decodeScalar.js";

/**
 * Maps the range `[start, end)` of a scalar's decoded value to a span in its file, accounting for
 * quotes, escapes, line folding and block-scalar indentation. `text` is the text of the file the
 * scalar's span points into. Offsets are clamped to the value; an escape (`\n`, `''`) is covered
 * whole when any of its characters is, and a folded line break maps to the source break. An empty
 * range gives an empty span at the position of `start`.
 */
export function scalarValueSpan(text: string, scalar: YScalar, start: number, end: number): Span {
  const { file } = scalar.span;
  const expected = typeof scalar.value === "string" ? scalar.value : undefined;
  const decoded = decodeScalar(text, scalar.style, scalar.span.start, scalar.span.end, expected);
  const length = decoded.value.length;
  const from = clamp(start, 0, length);
  const to = clamp(end, from, length);
  if (from < to) {
    return { file, start: decoded.starts[from] ?? scalar.span.start, end: decoded.ends[to - 1] ?? scalar.span.end };
  }
  const at = from < length ? decoded.starts[from] : decoded.ends[length - 1];
  const fallback = scalar.style === "single" || scalar.style === "double" ? scalar.span.start + 1 : scalar.span.start;
  const offset = at ?? fallback;
  return { file, start: offset, end: offset };
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(Math.max(Number.isFinite(n) ? Math.trunc(n) : lo, lo), hi);
}
