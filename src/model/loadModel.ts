import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import { loadDocuments, plainToNode } from "./load/index.js";
import type { Model } from "./types.js";
import { validateDocuments, type ValidateOptions } from "./validate/index.js";
import type { LoadedDocument, SourceFile } from "./yamlTree.js";

export interface LoadModelResult {
  readonly model: Model;
  /** Every load and validation diagnostic, sorted by file and position. */
  readonly diagnostics: readonly Diagnostic[];
  /** Documents left out: kinds policyc does not compile, and kinds `skipKinds` names. */
  readonly skipped: number;
}

export type { ValidateOptions as LoadOptions } from "./validate/index.js";

/**
 * The front end in one call: parses the files and validates every document into the model.
 * Pure: the caller reads the files (see `src/cli/readInputs.ts`).
 */
export function loadModel(files: readonly SourceFile[], options: ValidateOptions = {}): LoadModelResult {
  const loaded = loadDocuments(files);
  const validated = validateDocuments(loaded.documents, files, options);
  return { model: validated.model, diagnostics: sortDiagnostics([...loaded.diagnostics, ...validated.diagnostics]), skipped: validated.skipped };
}

/**
 * The front end for resources already in memory (what a node agent holds after reading the
 * Kubernetes and Calico APIs): validates plain objects into the model. Diagnostics point at
 * `source` with no line or column; resources keep no positioned tree, so the model stays as small
 * as the objects themselves. `List` wrappers are not unwrapped here; pass their items.
 */
export function loadModelFromObjects(objects: readonly unknown[], source = "<memory>", options: ValidateOptions = {}): LoadModelResult {
  const span = { file: source, start: 0, end: 0 };
  const documents: LoadedDocument[] = objects.map((o, index) => ({ file: source, index, node: plainToNode(o, span) }));
  const validated = validateDocuments(documents, [], options);
  const resources = validated.model.resources.map((r) => {
    const { node: _tree, ...origin } = r.origin;
    return { ...r, origin };
  });
  return { model: { resources }, diagnostics: sortDiagnostics(validated.diagnostics), skipped: validated.skipped };
}
