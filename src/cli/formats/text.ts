/** Findings for people: each with its source line and caret, then the summary line. */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { formatDiagnostic, type SourceTexts } from "../../diagnostics/format.js";
import { summaryLine, type SummaryCounts } from "../summary.js";
import type { Paint } from "./color.js";

export function renderText(diagnostics: readonly Diagnostic[], sources: SourceTexts, summary: SummaryCounts | undefined, paint: Paint): string {
  const blocks = diagnostics.map((d) => {
    const text = formatDiagnostic(d, sources);
    const tag = `${d.severity}[${d.code}]`;
    return text.replace(tag, paint(d.severity, d.severity) + paint("bold", `[${d.code}]`));
  });
  const body = blocks.length > 0 ? `${blocks.join("\n\n")}\n\n` : "";
  return summary ? body + paint("dim", summaryLine(summary).trimEnd()) + "\n" : body;
}
