/**
 * The validate stage: positioned documents to the typed model, with structural (zod) and semantic
 * checks.
 *
 * Design
 * - Each document is handled on its own (validateDocument): kind lookup, zod schema, builder,
 *   then the ordered per-resource rules of rules/index.ts. Then model rules (duplicates, tier
 *   references) run over the resources that passed.
 * - Resources with any error are left out of the model; warnings keep them.
 * - Output order is input order; diagnostics are unordered (the caller sorts them).
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Model, Resource } from "../types.js";
import type { LoadedDocument, SourceFile } from "../yamlTree.js";
import { modelRules } from "./rules/index.js";
import { validateDocument } from "./validateDocument.js";

export interface ValidateResult {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Validates documents into the model. Resources with errors are left out of the model; every
 * problem is reported. `files` gives the texts, so selector errors can point inside scalars.
 */
export function validateDocuments(documents: readonly LoadedDocument[], files: readonly SourceFile[]): ValidateResult {
  const texts = new Map(files.map((f) => [f.path, f.text]));
  const diagnostics: Diagnostic[] = [];
  const candidates: Resource[] = [];
  for (const doc of documents) {
    const result = validateDocument(doc, texts.get(doc.file) ?? "");
    diagnostics.push(...result.diagnostics);
    if (result.resource) candidates.push(result.resource);
  }
  const rejected = new Set<number>();
  for (const rule of modelRules) {
    rule.check(candidates, (d, i) => {
      diagnostics.push(d);
      if (d.severity === "error") rejected.add(i);
    });
  }
  return { model: { resources: candidates.filter((_, i) => !rejected.has(i)) }, diagnostics };
}
