import type { DiagnosticCode } from "./codes.js";
import { plainSpan, type Span } from "./span.js";

/**
 * How bad a diagnostic is. Errors stop compilation; warnings do not (unless `--strict`); notes are
 * information (what was skipped, what the cluster does differently from what one might expect).
 */
export type Severity = "error" | "warning" | "note";

/** A secondary message that points somewhere else, e.g. at the first of two duplicates. */
export interface DiagnosticNote {
  readonly message: string;
  readonly span?: Span;
}

/**
 * The one diagnostic shape of the project. Stages return arrays of these instead of throwing;
 * only internal bugs throw.
 */
export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** Where the problem is; absent only for problems with no source (e.g. a bad CLI flag). */
  readonly span?: Span;
  readonly notes?: readonly DiagnosticNote[];
}

/** Builds an error diagnostic. */
export function error(code: DiagnosticCode, message: string, span?: Span, notes?: readonly DiagnosticNote[]): Diagnostic {
  return withOptional({ code, severity: "error", message }, span, notes);
}

/** Builds a warning diagnostic. */
export function warning(code: DiagnosticCode, message: string, span?: Span, notes?: readonly DiagnosticNote[]): Diagnostic {
  return withOptional({ code, severity: "warning", message }, span, notes);
}

/** Builds a note (information; never fails a run, not even with `--strict`). */
export function note(code: DiagnosticCode, message: string, span?: Span, notes?: readonly DiagnosticNote[]): Diagnostic {
  return withOptional({ code, severity: "note", message }, span, notes);
}

/**
 * Adds the span and notes. A span found through a YAML merge key (`Span.mergedAt`) is placed at the
 * merge, where the document uses the field, with a first note at the anchored text it came from; a
 * note's span the same way (the note at the merge, then "merged from here").
 */
function withOptional(base: Diagnostic, span?: Span, notes?: readonly DiagnosticNote[]): Diagnostic {
  const placed: DiagnosticNote[] = [];
  if (span?.mergedAt) placed.push({ message: "merged from here", span: plainSpan(span) });
  for (const note of notes ?? []) {
    if (note.span?.mergedAt) {
      placed.push({ message: note.message, span: plainSpan(note.span.mergedAt) }, { message: "merged from here", span: plainSpan(note.span) });
    } else {
      placed.push(note);
    }
  }
  const at = span?.mergedAt ? plainSpan(span.mergedAt) : span;
  return { ...base, ...(at ? { span: at } : {}), ...(placed.length > 0 ? { notes: placed } : {}) };
}

/** The diagnostics with every one of the given codes raised to an error (for commands that must fail closed). */
export function escalate(diagnostics: readonly Diagnostic[], codes: readonly DiagnosticCode[]): Diagnostic[] {
  return diagnostics.map((d) => (d.severity !== "error" && codes.includes(d.code) ? { ...d, severity: "error" } : d));
}

/** A per-code change of severity (`off` silences), as a config file gives it. */
export type SeverityOverrides = Readonly<Partial<Record<DiagnosticCode, Severity | "off">>>;

/**
 * Applies per-code overrides, as esbuild's per-message log overrides do. Anything may be raised
 * to an error; an error is never lowered or silenced (the resource it concerns is already left
 * out of the model, and a run must not look clean while it drops it).
 */
export function applySeverityOverrides(diagnostics: readonly Diagnostic[], overrides: SeverityOverrides): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diagnostics) {
    const wanted = Object.hasOwn(overrides, d.code) ? overrides[d.code] : undefined;
    if (wanted === undefined || d.severity === "error") out.push(d);
    else if (wanted !== "off") out.push(wanted === d.severity ? d : { ...d, severity: wanted });
  }
  return out;
}

/** True when any diagnostic is an error (or, with `strict`, a warning). */
export function hasErrors(diagnostics: readonly Diagnostic[], strict = false): boolean {
  return diagnostics.some((d) => d.severity === "error" || (strict && d.severity === "warning"));
}

/**
 * Sorts diagnostics by file, then offset, then code, so that output does not depend on the order
 * in which stages found them.
 */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) => {
    const fa = a.span?.file ?? "";
    const fb = b.span?.file ?? "";
    if (fa !== fb) return fa < fb ? -1 : 1;
    const oa = a.span?.start ?? -1;
    const ob = b.span?.start ?? -1;
    if (oa !== ob) return oa - ob;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
  });
}
