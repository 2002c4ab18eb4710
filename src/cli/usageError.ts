/** Thrown by argument parsing for a bad command line; `main` prints it and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/**
 * A command cannot do what was asked for a reason the user can fix (nothing to compile, an output
 * directory that cannot be written); `main` prints it in one line and exits with 1.
 */
export class CommandError extends Error {
  override readonly name = "CommandError";
}
