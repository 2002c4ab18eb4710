/** Thrown by argument parsing for a bad command line; `main` prints it and exits with 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
