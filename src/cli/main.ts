import { applyCommand } from "./applyCommand.js";
import { compileCommand } from "./compileCommand.js";
import { explainCommand } from "./explainCommand.js";
import { helpText } from "./help.js";
import { exitCodes, processIo, type Io } from "./io.js";
import { lintCommand } from "./lintCommand.js";
import { matrixCommand } from "./matrixCommand.js";
import { UsageError } from "./usageError.js";

type Command = (argv: readonly string[], io: Io) => Promise<number>;

const commands: Readonly<Record<string, Command>> = {
  lint: lintCommand,
  compile: compileCommand,
  apply: applyCommand,
  explain: explainCommand,
  matrix: matrixCommand,
};

/**
 * Runs `policyc` with the arguments after the program name and returns the exit code.
 * Every user-facing problem goes through a diagnostic or a usage message; only bugs throw.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.stdout(helpText);
    return name === undefined ? exitCodes.usage : exitCodes.ok;
  }
  const command = commands[name];
  if (!command) {
    io.stderr(`policyc: unknown command '${name}'\n\n${helpText}`);
    return exitCodes.usage;
  }
  try {
    return await command(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`policyc ${name}: ${e.message}\nRun 'policyc --help' for usage.\n`);
      return exitCodes.usage;
    }
    throw e;
  }
}
