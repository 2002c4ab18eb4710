import type { Prepared } from "../semantics/index.js";
import { prepareModel } from "../semantics/index.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import type { SourceTexts } from "../diagnostics/format.js";
import type { Model } from "../model/types.js";
import type { Io } from "./io.js";
import { loadInputs } from "./loadInputs.js";
import { renderDiagnostics } from "./printDiagnostics.js";

export interface PreparedInputs {
  readonly model: Model;
  readonly prepared: Prepared;
  readonly sources: SourceTexts;
}

/**
 * Loads PATHs and prepares the model for the reference evaluator (`node` undefined: every
 * endpoint local). Diagnostics go to stderr as `lint` prints them; with errors the result is
 * undefined (exit code 1 for the caller).
 */
export function prepareInputs(paths: readonly string[], node: string | undefined, io: Io): PreparedInputs | undefined {
  const loaded = loadInputs(paths);
  if (loaded.diagnostics.length > 0) io.stderr(renderDiagnostics(loaded.diagnostics, loaded.sources, "text"));
  if (hasErrors(loaded.diagnostics)) return undefined;
  return { model: loaded.model, prepared: prepareModel(loaded.model, node === undefined ? {} : { node }), sources: loaded.sources };
}
