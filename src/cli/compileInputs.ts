import type { Ir } from "../compiler/ir/types.js";
import { compileModel } from "../compiler/compile.js";
import { escalate, hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import type { DiagnosticCode } from "../diagnostics/codes.js";
import { loadCommandInputs, type InputRequest } from "./commandInputs.js";
import { painter } from "./formats/color.js";
import { renderText } from "./formats/text.js";
import type { Io } from "./io.js";
import { CommandError } from "./usageError.js";

/**
 * What `lint` reports as a warning but `compile` and `apply` refuse: a policy kind that the
 * cluster enforces and policyc does not compile, so the ruleset would not be the cluster's.
 */
const FAIL_CLOSED: readonly DiagnosticCode[] = ["uncompiled-policy-kind"];

/**
 * Reads, validates and compiles what `request` names for `node` (every endpoint local when
 * absent), printing every diagnostic to stderr (only errors with --quiet). Returns the IR, or
 * undefined when there were errors (the caller exits 1 and writes nothing). No resources at all
 * is an error unless `allowEmpty`: the ruleset would be empty, and applying it would remove
 * everything policyc programmed.
 */
export function compileInputs(request: InputRequest, node: string | undefined, allowEmpty: boolean, io: Io): Ir | undefined {
  const loaded = loadCommandInputs(request, io);
  const front = escalate(loaded.diagnostics, FAIL_CLOSED);
  const show = (ds: typeof front): void => {
    const shown = request.quiet ? ds.filter((d) => d.severity === "error") : ds;
    if (shown.length > 0) io.stderr(renderText(shown, loaded.sources, undefined, painter(io, "stderr")));
  };
  if (hasErrors(front)) {
    show(front);
    return undefined;
  }
  if (loaded.model.resources.length === 0 && !allowEmpty) {
    show(front);
    const where = request.paths.join(" ");
    throw new CommandError(`no resources found in ${where}: the ruleset would be empty (an apply of it removes everything policyc programmed); pass --allow-empty to mean that`);
  }
  const compiled = compileModel(loaded.model, node === undefined ? {} : { node });
  const diagnostics = sortDiagnostics([...front, ...compiled.diagnostics]);
  show(diagnostics);
  return hasErrors(diagnostics) ? undefined : compiled.ir;
}
