/**
 * TAP version 14 (Test Anything Protocol): one test point per file, `not ok` when it has an error
 * (or a warning, with --strict), with the findings as a YAML diagnostic block; then the summary as a
 * comment.
 */
import type { Finding } from "../findings.js";
import { summaryLine, type SummaryCounts } from "../summary.js";

function yamlString(s: string): string {
  return JSON.stringify(s);
}

export function renderTap(findings: readonly Finding[], files: readonly string[], summary: SummaryCounts, strict: boolean): string {
  const failing = (f: Finding): boolean => f.severity === "error" || (strict && f.severity === "warning");
  const byFile = new Map<string, Finding[]>(files.map((f) => [f, []]));
  for (const f of findings) {
    const key = f.file ?? "policyc";
    const list = byFile.get(key);
    if (list) list.push(f);
    else byFile.set(key, [f]);
  }
  const out = ["TAP version 14", `1..${byFile.size}`];
  let n = 0;
  for (const [file, list] of byFile) {
    n++;
    const ok = !list.some(failing);
    out.push(`${ok ? "ok" : "not ok"} ${n} - ${file.replace(/#/g, "\\#")}`);
    if (list.length > 0) {
      out.push("  ---", "  findings:");
      for (const f of list) {
        out.push(`    - code: ${yamlString(f.code)}`, `      severity: ${yamlString(f.severity)}`, `      message: ${yamlString(f.message)}`);
        if (f.line !== undefined) out.push(`      at: ${yamlString(`${file}:${f.line}:${f.column ?? 1}`)}`);
      }
      out.push("  ...");
    }
  }
  out.push(`# ${summaryLine(summary).trimEnd()}`);
  return `${out.join("\n")}\n`;
}
