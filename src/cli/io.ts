import { readFileSync } from "node:fs";

/**
 * What a command may touch besides the file system: its output streams, standard input, the
 * environment. Tests pass their own to capture output and to play a terminal or a pipe.
 */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Reads all of standard input (for the path `-`); absent means there is none. */
  readonly readStdin?: () => string;
  /** Whether stdout / stderr is a terminal (colour, progress); absent means not. */
  readonly stdoutIsTty?: boolean;
  readonly stderrIsTty?: boolean;
  /** The width of the terminal on stderr, when it is one (the progress line is cut to it). */
  readonly stderrColumns?: number;
  /** Environment variables (NO_COLOR); absent means none. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Where `.policyc.yaml` is looked for (and upward); absent means the process's directory. */
  readonly cwd?: string;
  /** Calls `handler` on SIGTERM or SIGINT (a long-running command stops cleanly); returns how to stop listening. */
  readonly onStopSignal?: (handler: () => void) => () => void;
}

/** The process's own streams. */
export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  readStdin: () => readFileSync(0, "utf8"),
  stdoutIsTty: process.stdout.isTTY === true,
  stderrIsTty: process.stderr.isTTY === true,
  get stderrColumns() {
    return process.stderr.columns;
  },
  env: process.env,
  cwd: process.cwd(),
  onStopSignal: (handler) => {
    process.on("SIGTERM", handler);
    process.on("SIGINT", handler);
    return () => {
      process.off("SIGTERM", handler);
      process.off("SIGINT", handler);
    };
  },
};

/** Exit codes shared by every command. */
export const exitCodes = {
  ok: 0,
  /** The input has errors (or warnings under --strict); or policyc itself failed. */
  invalidInput: 1,
  /** The command line is wrong. */
  usage: 2,
  /** A tool failed while applying; the node was left as it was. */
  applyFailed: 3,
} as const;
