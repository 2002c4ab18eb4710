/**
 * JUnit XML, which CI systems show as test results: one test suite per file, one test case per
 * file when it is clean, and one failing test case per error (or warning, with --strict);
 * notes and non-failing warnings are system-out of their file's case.
 */
import type { Finding } from "../findings.js";
import type { SummaryCounts } from "../summary.js";

function xml(text: string): string {
  // XML 1.0 allows no control characters but tab, newline and carriage return.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, "?").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function where(f: Finding): string {
  return `${f.file ?? "policyc"}${f.line !== undefined ? `:${f.line}:${f.column ?? 1}` : ""}`;
}

export function renderJunit(findings: readonly Finding[], files: readonly string[], summary: SummaryCounts, strict: boolean): string {
  const failing = (f: Finding): boolean => f.severity === "error" || (strict && f.severity === "warning");
  const byFile = new Map<string, Finding[]>(files.map((f) => [f, []]));
  for (const f of findings) {
    const key = f.file ?? "policyc";
    const list = byFile.get(key);
    if (list) list.push(f);
    else byFile.set(key, [f]);
  }
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  for (const [file, list] of byFile) {
    const fails = list.filter(failing);
    const other = list.filter((f) => !failing(f));
    const cases: string[] = [];
    for (const f of fails) {
      cases.push(`    <testcase classname="${xml(file)}" name="${xml(`${where(f)} ${f.code}`)}">\n      <failure type="${xml(f.code)}" message="${xml(f.message)}">${xml(`${where(f)}: ${f.severity}[${f.code}]: ${f.message}`)}</failure>\n    </testcase>`);
    }
    if (fails.length === 0) {
      const out = other.map((f) => `${where(f)}: ${f.severity}[${f.code}]: ${f.message}`).join("\n");
      cases.push(`    <testcase classname="${xml(file)}" name="${xml(file)}">${out ? `\n      <system-out>${xml(out)}</system-out>\n    ` : ""}</testcase>`);
    }
    tests += cases.length;
    failures += fails.length;
    suites.push(`  <testsuite name="${xml(file)}" tests="${cases.length}" failures="${fails.length}" errors="0" skipped="0">\n${cases.join("\n")}\n  </testsuite>`);
  }
  const props = `errors=${summary.errors} warnings=${summary.warnings} notes=${summary.notes} skipped=${summary.skipped}`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="policyc lint" tests="${tests}" failures="${failures}" errors="0">\n<!-- ${xml(props)} -->\n${suites.join("\n")}\n</testsuites>\n`;
}
