/**
 * The validate stage (API contract; implementation in progress): positioned documents to the
 * typed model, with structural (zod) and semantic checks.
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Model } from "../types.js";
import type { LoadedDocument, SourceFile } from "../yamlTree.js";

export interface ValidateResult {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Validates documents into the model. Resources with errors are left out of the model; every
 * problem is reported. `files` gives the texts, so selector errors can point inside scalars.
 */
export function validateDocuments(_documents: readonly LoadedDocument[], _files: readonly SourceFile[]): ValidateResult {
  throw new Error("not implemented");
}
