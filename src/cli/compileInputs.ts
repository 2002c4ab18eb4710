import type { Ir } from "../compiler/ir/types.js";
import { compileModel } from "../compiler/compile.js";
import { escalate, hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { DiagnosticCode } from "../diagnostics/codes.js";
import type { Io } from "./io.js";
import { loadInputs } from "./loadInputs.js";
import { renderDiagnostics } from "./printDiagnostics.js";

/**
 * What `lint` reports as a warning but `compile` and `apply` refuse: a policy kind that the
 * cluster enforces and policyc does not compile, so the ruleset would not be the cluster's.
 */
const FAIL_CLOSED: readonly DiagnosticCode[] = ["uncompiled-policy-kind"];

/**
 * Reads, validates and compiles the paths for `node` (every endpoint local when absent), printing
 * every diagnostic to stderr. Returns the IR, or undefined when there were errors (the caller
 * exits 1 and writes nothing).
 */
export function compileInputs(paths: readonly string[], node: string | undefined, io: Io): Ir | undefined {
  const loaded = loadInputs(paths);
  const front = escalate(loaded.diagnostics, FAIL_CLOSED);
  if (hasErrors(front)) {
    io.stderr(renderDiagnostics(front, loaded.sources, "text"));
    return undefined;
  }
  const compiled = compileModel(loaded.model, node === undefined ? {} : { node });
  const diagnostics = sortDiagnostics([...front, ...compiled.diagnostics]);
  if (diagnostics.length > 0) io.stderr(renderDiagnostics(diagnostics, loaded.sources, "text"));
  return hasErrors(diagnostics) ? undefined : compiled.ir;
}
