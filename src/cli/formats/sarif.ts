/**
 * SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), what code-scanning services
 * read: one run of the tool `policyc`, a rule per diagnostic code used, a result per finding with
 * its physical location (file, start and end line and column) and the notes as related
 * locations. Checked against the official schema in test/cli/formats.test.ts.
 */
import { diagnosticCodes } from "../../diagnostics/codes.js";
import type { Finding } from "../findings.js";

const LEVEL = { error: "error", warning: "warning", note: "note" } as const;

function region(f: { line?: number; column?: number; endLine?: number; endColumn?: number }): Record<string, number> | undefined {
  if (f.line === undefined) return undefined;
  return {
    startLine: f.line,
    startColumn: f.column ?? 1,
    ...(f.endLine !== undefined ? { endLine: f.endLine, endColumn: Math.max(f.endColumn ?? 1, f.endLine === f.line ? (f.column ?? 1) + 1 : 1) } : {}),
  };
}

function location(f: { file?: string; line?: number; column?: number; endLine?: number; endColumn?: number }, message?: string): Record<string, unknown> {
  const r = region(f);
  return {
    physicalLocation: { artifactLocation: { uri: encodeURI(f.file ?? "") }, ...(r ? { region: r } : {}) },
    ...(message !== undefined ? { message: { text: message } } : {}),
  };
}

export function renderSarif(findings: readonly Finding[], version: string): string {
  const codes = [...new Set(findings.map((f) => f.code))].sort();
  const rules = codes.map((id) => ({ id, shortDescription: { text: (diagnosticCodes as Record<string, string>)[id] ?? id } }));
  const results = findings.map((f) => ({
    ruleId: f.code,
    ruleIndex: codes.indexOf(f.code),
    level: LEVEL[f.severity as keyof typeof LEVEL] ?? "none",
    message: { text: f.message },
    ...(f.file !== undefined ? { locations: [location(f)] } : {}),
    ...(f.notes && f.notes.length > 0 ? { relatedLocations: f.notes.filter((n) => n.file !== undefined).map((n, i) => ({ id: i, ...location(n, n.message) })) } : {}),
    ...(f.resource ? { properties: { resource: f.resource } } : {}),
  }));
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "policyc", version, informationUri: "https://github.com/policyc/policyc", rules } }, results }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
