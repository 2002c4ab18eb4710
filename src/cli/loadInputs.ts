import { sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceTexts } from "../diagnostics/format.js";
import { loadModel } from "../model/loadModel.js";
import type { Model } from "../model/types.js";
import { terminalProgress, type Progress } from "./progress.js";
import { readInputs } from "./readInputs.js";

export interface LoadedInputs {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: SourceTexts;
}

export interface LoadInputsOptions {
  /**
   * Where to report progress. By default, a progress line on stderr when it is a terminal and
   * the run takes more than about two seconds (see `progress.ts`).
   */
  readonly progress?: Progress;
}

/** Reads the paths from disk and runs the front end (load and validate) on them. */
export function loadInputs(paths: readonly string[], options: LoadInputsOptions = {}): LoadedInputs {
  const progress = options.progress ?? terminalProgress(process.stderr);
  try {
    const read = readInputs(paths, { onProgress: (p) => progress.update({ phase: "reading", ...p }) });
    const loaded = loadModel(read.files, {
      onProgress: (p) => progress.update({ ...p, phase: p.phase === "parsing" ? "loading" : "checking" }),
    });
    const sources = Object.fromEntries(read.files.map((f) => [f.path, f.text]));
    return { model: loaded.model, diagnostics: sortDiagnostics([...read.diagnostics, ...loaded.diagnostics]), sources };
  } finally {
    progress.done();
  }
}
