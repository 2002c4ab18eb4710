import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { loadDocuments } from "./load/index.js";
import type { Model } from "./types.js";
import { validateDocuments } from "./validate/index.js";
import type { SourceFile } from "./yamlTree.js";

export interface LoadModelResult {
  readonly model: Model;
  /** Every load and validation diagnostic, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * The front end in one call: parses the files and validates every document into the model.
 * Pure: the caller reads the files (see `src/cli/readInputs.ts`).
 */
export function loadModel(files: readonly SourceFile[]): LoadModelResult {
  const loaded = loadDocuments(files);
  const validated = validateDocuments(loaded.documents, files);
  return { model: validated.model, diagnostics: sortDiagnostics([...loaded.diagnostics, ...validated.diagnostics]) };
}
