import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnosticToJson, formatDiagnostics, type SourceTexts } from "../diagnostics/format.js";

/** Diagnostics in the requested format: text for people, JSON (one array) for tools. */
export function renderDiagnostics(diagnostics: readonly Diagnostic[], sources: SourceTexts, format: "text" | "json"): string {
  if (format === "json") return `${JSON.stringify(diagnostics.map((d) => diagnosticToJson(d, sources)), null, 2)}\n`;
  return formatDiagnostics(diagnostics, sources);
}
