import { agentCommand } from "./agentCommand.js";
import { applyCommand } from "./applyCommand.js";
import { codesCommand } from "./codesCommand.js";
import { compileCommand } from "./compileCommand.js";
import { datastoreCommand } from "./datastoreCommand.js";
import { diffCommand } from "./diffCommand.js";
import { explainCommand } from "./explainCommand.js";
import { commandNames, helpFor, isCommand, overviewHelp, type CommandName } from "./help.js";
import { exitCodes, processIo, type Io } from "./io.js";
import { lintCommand } from "./lintCommand.js";
import { matrixCommand } from "./matrixCommand.js";
import { verifyCommand } from "./verifyCommand.js";
import { CommandError, UsageError } from "./usageError.js";
import { policycVersion } from "./version.js";

type Command = (argv: readonly string[], io: Io) => Promise<number>;

const commands: Readonly<Record<CommandName, Command>> = {
  lint: lintCommand,
  compile: compileCommand,
  apply: applyCommand,
  explain: explainCommand,
  matrix: matrixCommand,
  diff: diffCommand,
  verify: verifyCommand,
  datastore: datastoreCommand,
  agent: agentCommand,
  codes: codesCommand,
};

/** Whether `argv` asks for help before any `--` (after which everything is a PATH). */
function wantsHelp(argv: readonly string[]): boolean {
  for (const a of argv) {
    if (a === "--") return false;
    if (a === "--help" || a === "-h") return true;
  }
  return false;
}

/**
 * Runs `policyc` with the arguments after the program name and returns the exit code.
 * Every user-facing problem goes through a diagnostic or a usage message. A bug is reported in
 * one line (exit 1), never as a stack trace.
 */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.stderr(overviewHelp());
    return exitCodes.usage;
  }
  if (name === "--help" || name === "-h") {
    io.stdout(overviewHelp());
    return exitCodes.ok;
  }
  if (name === "--version" || name === "-V") {
    io.stdout(`policyc ${policycVersion()}\n`);
    return exitCodes.ok;
  }
  if (name === "help") {
    const [topic, ...extra] = rest;
    if (topic === undefined) {
      io.stdout(overviewHelp());
      return exitCodes.ok;
    }
    if (!isCommand(topic) || extra.length > 0) {
      io.stderr(`policyc help: unknown command '${[topic, ...extra].join(" ")}'; commands: ${commandNames.join(", ")}\n`);
      return exitCodes.usage;
    }
    io.stdout(helpFor(topic));
    return exitCodes.ok;
  }
  if (!isCommand(name)) {
    io.stderr(`policyc: unknown command '${name}'; commands: ${commandNames.join(", ")}. Run policyc --help for usage.\n`);
    return exitCodes.usage;
  }
  if (wantsHelp(rest)) {
    io.stdout(helpFor(name));
    return exitCodes.ok;
  }
  try {
    return await commands[name](rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr(`policyc ${name}: ${e.message}\nRun policyc ${name} --help for usage.\n`);
      return exitCodes.usage;
    }
    if (e instanceof CommandError) {
      io.stderr(`policyc ${name}: ${e.message}\n`);
      return exitCodes.invalidInput;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr(`policyc ${name}: internal error: ${message.split("\n")[0]} (a policyc bug; please report it with the input)\n`);
    return exitCodes.invalidInput;
  }
}
