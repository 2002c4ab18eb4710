import type { Diagnostic } from "./diagnostic.js";
import { displayColumn, lineColumn, lineColumnAt, lineStarts, type Span } from "./span.js";

/** The texts of the files that diagnostics point into, by file name. */
export type SourceTexts = Readonly<Record<string, string>>;

/**
 * Formats one diagnostic as `file:line:col: severity[code]: message`, followed by the source line
 * and a caret under the span (when the file's text is known), then any notes.
 */
export function formatDiagnostic(d: Diagnostic, sources: SourceTexts): string {
  const lines = [`${where(d.span, sources)}${d.severity}[${d.code}]: ${d.message}`];
  if (d.span) lines.push(...excerpt(d.span, sources));
  for (const note of d.notes ?? []) {
    lines.push(`  = note: ${note.span ? where(note.span, sources) : ""}${note.message}`);
  }
  return lines.join("\n");
}

/** Formats many diagnostics, separated by blank lines, with a closing count line. */
export function formatDiagnostics(diagnostics: readonly Diagnostic[], sources: SourceTexts): string {
  if (diagnostics.length === 0) return "";
  const body = diagnostics.map((d) => formatDiagnostic(d, sources)).join("\n\n");
  const errors = diagnostics.filter((d) => d.severity === "error").length;
  const warnings = diagnostics.filter((d) => d.severity === "warning").length;
  return `${body}\n\n${plural(errors, "error")}, ${plural(warnings, "warning")}\n`;
}

/** A diagnostic as plain JSON-ready data with 1-based line and column. */
export interface DiagnosticJson {
  readonly code: string;
  readonly severity: string;
  readonly message: string;
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  readonly endLine?: number;
  readonly endColumn?: number;
  readonly notes?: readonly { message: string; file?: string; line?: number; column?: number }[];
}

/** Converts a diagnostic to JSON-ready data (for `--format json`). */
export function diagnosticToJson(d: Diagnostic, sources: SourceTexts): DiagnosticJson {
  const pos = position(d.span, sources);
  const end = d.span ? position({ ...d.span, start: d.span.end }, sources) : {};
  const notes = d.notes?.map((n) => ({ message: n.message, ...position(n.span, sources) }));
  return {
    code: d.code,
    severity: d.severity,
    message: d.message,
    ...pos,
    ...(end.line !== undefined ? { endLine: end.line, endColumn: end.column } : {}),
    ...(notes ? { notes } : {}),
  };
}

function position(s: Span | undefined, sources: SourceTexts): { file?: string; line?: number; column?: number } {
  if (!s) return {};
  const text = sources[s.file];
  if (text === undefined) return { file: s.file };
  const lc = lineColumn(text, s.start);
  return { file: s.file, line: lc.line, column: lc.column };
}

function where(s: Span | undefined, sources: SourceTexts): string {
  if (!s) return "policyc: ";
  const pos = position(s, sources);
  return pos.line === undefined ? `${s.file}: ` : `${s.file}:${pos.line}:${pos.column}: `;
}

function excerpt(s: Span, sources: SourceTexts): string[] {
  const text = sources[s.file];
  if (text === undefined) return [];
  const starts = lineStarts(text);
  const { line, column: rawColumn } = lineColumnAt(starts, s.start);
  const next = starts[line];
  // The line as an editor shows it: without a `\r` before its line break or a BOM at its start.
  let lineEnd = next === undefined ? text.length : next - 1;
  if (text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
  let lineStart = starts[line - 1] ?? 0;
  const column = displayColumn(text, lineStart, rawColumn);
  if (text.charCodeAt(lineStart) === 0xfeff) lineStart++;
  const source = text.slice(lineStart, lineEnd);
  // The caret covers the span on its first line only, and at least one column.
  const width = Math.max(1, Math.min(s.end, lineEnd) - s.start);
  const gutter = String(line).length;
  const pad = " ".repeat(gutter);
  const indent = source.slice(0, column - 1).replace(/[^\t]/g, " ");
  return [`${pad} |`, `${line} | ${source}`, `${pad} | ${indent}${"^".repeat(width)}`];
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}
