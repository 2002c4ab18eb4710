import type { HostInterfaces } from "../calico/index.js";
import type { Dataplane, Prepared } from "../semantics/index.js";
import { prepareModel } from "../semantics/index.js";
import { hasErrors } from "../diagnostics/diagnostic.js";
import type { SourceTexts } from "../diagnostics/format.js";
import type { Model } from "../model/types.js";
import { loadCommandInputs, type InputRequest } from "./commandInputs.js";
import { painter } from "./formats/color.js";
import { renderText } from "./formats/text.js";
import type { Io } from "./io.js";

export interface PreparedInputs {
  readonly model: Model;
  readonly prepared: Prepared;
  readonly sources: SourceTexts;
}

/**
 * Loads what `request` names and prepares the model for the reference evaluator (`node`
 * undefined: every endpoint local; `dataplane`: whose behaviour the verdicts follow, iptables by
 * default; `hostInterfaces`: the node's interfaces, see PrepareOptions). Diagnostics go to stderr
 * (only errors with --quiet); with errors the result is undefined (exit code 1 for the caller).
 */
export function prepareInputs(
  request: InputRequest,
  node: string | undefined,
  io: Io,
  options: { readonly dataplane?: Dataplane; readonly hostInterfaces?: HostInterfaces; readonly endpoints?: ReadonlySet<string> } = {},
): PreparedInputs | undefined {
  const loaded = loadCommandInputs(request, io);
  const shown = request.quiet ? loaded.diagnostics.filter((d) => d.severity === "error") : loaded.diagnostics;
  if (shown.length > 0) io.stderr(renderText(shown, loaded.sources, undefined, painter(io, "stderr")));
  if (hasErrors(loaded.diagnostics)) return undefined;
  const prepareOptions = {
    ...(node === undefined ? {} : { node }),
    ...(options.dataplane === undefined ? {} : { dataplane: options.dataplane }),
    ...(options.hostInterfaces ? { hostInterfaces: options.hostInterfaces } : {}),
    ...(options.endpoints ? { endpoints: options.endpoints } : {}),
  };
  return { model: loaded.model, prepared: prepareModel(loaded.model, prepareOptions), sources: loaded.sources };
}
