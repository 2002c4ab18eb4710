/** Where a command writes; tests pass their own to capture output. */
export interface Io {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The process's own streams. */
export const processIo: Io = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

/** Exit codes shared by every command. */
export const exitCodes = {
  ok: 0,
  /** The input has errors (or warnings under --strict). */
  invalidInput: 1,
  /** The command line is wrong. */
  usage: 2,
  /** A tool failed while applying; the node was left as it was. */
  applyFailed: 3,
} as const;
