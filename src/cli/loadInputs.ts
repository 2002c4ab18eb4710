import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceTexts } from "../diagnostics/format.js";
import { loadModel } from "../model/loadModel.js";
import type { Model } from "../model/types.js";
import { readInputs } from "./readInputs.js";

export interface LoadedInputs {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: SourceTexts;
}

/** Reads the paths from disk and runs the front end (load and validate) on them. */
export function loadInputs(paths: readonly string[]): LoadedInputs {
  const read = readInputs(paths);
  const loaded = loadModel(read.files);
  const sources = Object.fromEntries(read.files.map((f) => [f.path, f.text]));
  return { model: loaded.model, diagnostics: sortDiagnostics([...read.diagnostics, ...loaded.diagnostics]), sources };
}
