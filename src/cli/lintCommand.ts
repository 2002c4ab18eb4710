import { hasErrors } from "../diagnostics/diagnostic.js";
import { inputFlags, inputRequest, loadCommandInputs } from "./commandInputs.js";
import { toFindings } from "./findings.js";
import { painter } from "./formats/color.js";
import { renderJson } from "./formats/json.js";
import { renderJunit } from "./formats/junit.js";
import { renderSarif } from "./formats/sarif.js";
import { renderTap } from "./formats/tap.js";
import { renderText } from "./formats/text.js";
import { exitCodes, type Io } from "./io.js";
import { policycVersion } from "./version.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { summaryCounts } from "./summary.js";

/** `policyc lint [--format text|json|sarif|junit|tap] [--strict] [input flags] PATH...` */
export async function lintCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    format: { type: "string" },
    strict: { type: "boolean" },
    ...inputFlags,
  });
  const format = oneOf("format", values.format, ["text", "json", "sarif", "junit", "tap"] as const, "text");
  const strict = values.strict === true;
  const request = inputRequest(values, positionals, io);
  const inputs = loadCommandInputs(request, io);
  const failed = hasErrors(inputs.diagnostics, strict);
  const summary = summaryCounts(inputs.summary, inputs.diagnostics);
  // --quiet: only what fails the run, and no summary.
  const shown = request.quiet ? inputs.diagnostics.filter((d) => d.severity === "error" || (strict && d.severity === "warning")) : inputs.diagnostics;
  const files = Object.keys(inputs.sources);
  switch (format) {
    case "text":
      io.stdout(renderText(shown, inputs.sources, request.quiet ? undefined : summary, painter(io)));
      break;
    case "json":
      io.stdout(renderJson(toFindings(shown, inputs.sources), summary));
      break;
    case "sarif":
      io.stdout(renderSarif(toFindings(shown, inputs.sources), policycVersion()));
      break;
    case "junit":
      io.stdout(renderJunit(toFindings(shown, inputs.sources), files, summary, strict));
      break;
    case "tap":
      io.stdout(renderTap(toFindings(shown, inputs.sources), files, summary, strict));
      break;
  }
  return failed ? exitCodes.invalidInput : exitCodes.ok;
}
