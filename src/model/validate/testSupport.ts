/**
 * Test support for the validate stage: runs load + validate over a YAML snippet and reduces the
 * diagnostics to `{code, severity, line, column}` for exact assertions.
 */
import { deepStrictEqual } from "node:assert";
import { sortDiagnostics, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { lineColumn } from "../../diagnostics/span.js";
import { loadDocuments } from "../load/index.js";
import type { Model } from "../types.js";
import { validateDocuments } from "./index.js";

export interface Found {
  readonly code: string;
  readonly severity: string;
  readonly line: number;
  readonly column: number;
}

export interface ValidatedYaml {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
  readonly found: readonly Found[];
}

/**
 * Loads and validates `yaml` as file `test.yaml`; load diagnostics are included. The loader's
 * fast path (`positions: "lazy"`) must give the same model and diagnostics as the positioned
 * path; this throws when it does not, so every test of validation also tests the fast path.
 */
export function validateYaml(yaml: string, file = "test.yaml"): ValidatedYaml {
  const files = [{ path: file, text: yaml }];
  const loaded = loadDocuments(files);
  const result = validateDocuments(loaded.documents, files);
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...result.diagnostics]);
  const fastLoaded = loadDocuments(files, { positions: "lazy" });
  const fast = validateDocuments(fastLoaded.documents, files);
  deepStrictEqual(sortDiagnostics([...fastLoaded.diagnostics, ...fast.diagnostics]), diagnostics, "the fast path's diagnostics differ");
  deepStrictEqual(fast.model, result.model, "the fast path's model differs");
  const found = diagnostics.map((d) => {
    const lc = d.span ? lineColumn(yaml, d.span.start) : { line: 0, column: 0 };
    return { code: d.code, severity: d.severity, line: lc.line, column: lc.column };
  });
  return { model: result.model, diagnostics, found };
}

/**
 * `{code, line, column}` of every diagnostic of `yaml`, in source order, except `unsupported`
 * warnings (tests of other checks need not list them; `unsupportedFields.test.ts` covers them).
 */
export function codesAt(yaml: string): { code: string; line: number; column: number }[] {
  return validateYaml(yaml)
    .found.filter((f) => f.code !== "unsupported")
    .map(({ code, line, column }) => ({ code, line, column }));
}

/** Joins lines into a YAML text (keeps test snippets free of template-literal indentation). */
export function yaml(...lines: string[]): string {
  return `${lines.join("\n")}\n`;
}

/**
 * A GlobalNetworkPolicy named `p` whose spec is `specLines` (indented by two more spaces); the
 * first spec line is line 6 of the text.
 */
export function gnpYaml(...specLines: string[]): string {
  return yaml(
    "apiVersion: projectcalico.org/v3",
    "kind: GlobalNetworkPolicy",
    "metadata:",
    "  name: p",
    "spec:",
    ...specLines.map((l) => `  ${l}`),
  );
}
