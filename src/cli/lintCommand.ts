import { hasErrors } from "../diagnostics/diagnostic.js";
import { exitCodes, type Io } from "./io.js";
import { loadInputs } from "./loadInputs.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { renderDiagnostics } from "./printDiagnostics.js";

/** `policyc lint [--format text|json] [--strict] PATH...` */
export async function lintCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    format: { type: "string" },
    strict: { type: "boolean" },
  });
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  const { diagnostics, sources } = loadInputs(positionals);
  const text = renderDiagnostics(diagnostics, sources, format);
  if (format === "json") io.stdout(text);
  else if (text) io.stderr(text);
  return hasErrors(diagnostics, values.strict === true) ? exitCodes.invalidInput : exitCodes.ok;
}
