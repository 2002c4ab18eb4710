/** Findings for tools: one JSON object with every finding (and its resource) and the summary. */
import type { Finding } from "../findings.js";
import type { SummaryCounts } from "../summary.js";

export function renderJson(findings: readonly Finding[], summary: SummaryCounts): string {
  return `${JSON.stringify({ findings, summary }, null, 2)}\n`;
}
