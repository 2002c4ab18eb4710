import { applySeverityOverrides, hasErrors, sortDiagnostics } from "../diagnostics/diagnostic.js";
import { deepLint } from "../semantics/lint/deepLint.js";
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

/** `policyc lint [--format text|json|sarif|junit|tap] [--strict] [--deep] [input flags] PATH...` */
export async function lintCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    format: { type: "string" },
    strict: { type: "boolean" },
    deep: { type: "boolean" },
    ...inputFlags,
  });
  const format = oneOf("format", values.format, ["text", "json", "sarif", "junit", "tap"] as const, "text");
  const strict = values.strict === true;
  const request = inputRequest(values, positionals, io);
  const inputs = loadCommandInputs(request, io);
  // What the policies mean (src/semantics/lint): the checks that read endpoints only when
  // validation found no error, since a resource with an error is left out of the model.
  const meaning = deepLint(inputs.model, { endpoints: !hasErrors(inputs.diagnostics), deep: values.deep === true });
  const diagnostics = sortDiagnostics([...inputs.diagnostics, ...applySeverityOverrides(meaning, request.config.severity)]);
  const failed = hasErrors(diagnostics, strict);
  const summary = summaryCounts(inputs.summary, diagnostics);
  // --quiet: only what fails the run, and no summary.
  const shown = request.quiet ? diagnostics.filter((d) => d.severity === "error" || (strict && d.severity === "warning")) : diagnostics;
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
