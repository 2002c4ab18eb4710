import type { Ir } from "../compiler/ir/types.js";
import { compileModel } from "../compiler/compile.js";
import { hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { Io } from "./io.js";
import { loadInputs } from "./loadInputs.js";
import { renderDiagnostics } from "./printDiagnostics.js";

/**
 * Reads, validates and compiles the paths for `node` (every endpoint local when absent), printing
 * every diagnostic to stderr. Returns the IR, or undefined when there were errors (the caller
 * exits 1 and writes nothing).
 */
export function compileInputs(paths: readonly string[], node: string | undefined, io: Io): Ir | undefined {
  const loaded = loadInputs(paths);
  if (hasErrors(loaded.diagnostics)) {
    io.stderr(renderDiagnostics(loaded.diagnostics, loaded.sources, "text"));
    return undefined;
  }
  const compiled = compileModel(loaded.model, node === undefined ? {} : { node });
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...compiled.diagnostics]);
  if (diagnostics.length > 0) io.stderr(renderDiagnostics(diagnostics, loaded.sources, "text"));
  return hasErrors(diagnostics) ? undefined : compiled.ir;
}
