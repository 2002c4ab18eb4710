import type { Ir } from "../compiler/ir/types.js";
import type { HostInterfaces } from "../calico/index.js";
import { compileModel } from "../compiler/compile.js";
import { escalate, hasErrors, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceTexts } from "../diagnostics/format.js";
import type { Model } from "../model/types.js";
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
 * absent; `hostInterfaces`: the node's interfaces, see CompileOptions), printing every diagnostic to stderr (only errors with --quiet). Returns the IR, or
 * undefined when there were errors (the caller exits 1 and writes nothing). No resources at all
 * is an error unless `allowEmpty`: the ruleset would be empty, and applying it would remove
 * everything policyc programmed.
 */
export function compileInputs(request: InputRequest, node: string | undefined, allowEmpty: boolean, io: Io, hostInterfaces?: HostInterfaces): Ir | undefined {
  const loaded = loadCompileInputs(request, allowEmpty, io);
  return loaded && compileLoaded(loaded, node, io, hostInterfaces);
}

/** What `loadCompileInputs` read: the model and what its diagnostics need. */
export interface LoadedInputs {
  readonly request: InputRequest;
  readonly model: Model;
  readonly sources: SourceTexts;
  /** The front end's diagnostics, with the fail-closed ones escalated. */
  readonly diagnostics: readonly Diagnostic[];
}

function showDiagnostics(request: InputRequest, sources: SourceTexts, ds: readonly Diagnostic[], io: Io): void {
  const shown = request.quiet ? ds.filter((d) => d.severity === "error") : ds;
  if (shown.length > 0) io.stderr(renderText(shown, sources, undefined, painter(io, "stderr")));
}

/**
 * The first half of `compileInputs`: reads and validates. Undefined (diagnostics printed) on
 * errors; throws a CommandError on no resources without `allowEmpty`.
 */
export function loadCompileInputs(request: InputRequest, allowEmpty: boolean, io: Io): LoadedInputs | undefined {
  const loaded = loadCommandInputs(request, io);
  const front = escalate(loaded.diagnostics, FAIL_CLOSED);
  if (hasErrors(front)) {
    showDiagnostics(request, loaded.sources, front, io);
    return undefined;
  }
  if (loaded.model.resources.length === 0 && !allowEmpty) {
    showDiagnostics(request, loaded.sources, front, io);
    const where = request.paths.join(" ");
    throw new CommandError(`no resources found in ${where}: the ruleset would be empty (an apply of it removes everything policyc programmed); pass --allow-empty to mean that`);
  }
  return { request, model: loaded.model, sources: loaded.sources, diagnostics: front };
}

/** The second half of `compileInputs`: compiles, prints every diagnostic; undefined on errors. */
export function compileLoaded(loaded: LoadedInputs, node: string | undefined, io: Io, hostInterfaces?: HostInterfaces): Ir | undefined {
  const compiled = compileModel(loaded.model, { ...(node === undefined ? {} : { node }), ...(hostInterfaces ? { hostInterfaces } : {}) });
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...compiled.diagnostics]);
  showDiagnostics(loaded.request, loaded.sources, diagnostics, io);
  return hasErrors(diagnostics) ? undefined : compiled.ir;
}
