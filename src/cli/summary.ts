/**
 * The summary line of a run, as kubeconform prints one: files, resources by kind, errors,
 * warnings, notes, skipped.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { InputSummary } from "./commandInputs.js";

export interface SummaryCounts extends InputSummary {
  readonly errors: number;
  readonly warnings: number;
  readonly notes: number;
}

export function summaryCounts(input: InputSummary, diagnostics: readonly Diagnostic[]): SummaryCounts {
  let errors = 0;
  let warnings = 0;
  let notes = 0;
  for (const d of diagnostics) {
    if (d.severity === "error") errors++;
    else if (d.severity === "warning") warnings++;
    else notes++;
  }
  return { ...input, errors, warnings, notes };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

/** `Summary: 3 files, 12 resources (2 Namespace, 8 Pod, 2 NetworkPolicy), 0 errors, 1 warning, 0 notes, 1 skipped` */
export function summaryLine(s: SummaryCounts): string {
  const kinds = Object.entries(s.resources)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, n]) => `${n} ${k}`);
  const total = Object.values(s.resources).reduce((a, b) => a + b, 0);
  const resources = `${plural(total, "resource")}${kinds.length > 0 ? ` (${kinds.join(", ")})` : ""}`;
  return `Summary: ${plural(s.files, "file")}, ${resources}, ${plural(s.errors, "error")}, ${plural(s.warnings, "warning")}, ${plural(s.notes, "note")}, ${s.skipped} skipped\n`;
}
