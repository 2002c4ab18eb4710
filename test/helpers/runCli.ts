import { main } from "../../src/cli/main.js";
import type { Io } from "../../src/cli/io.js";

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the CLI in-process with captured output. `io` adds standard input, terminal flags, the
 * environment or the working directory; by default there is no stdin, no terminal, no
 * environment, and the working directory is the repository's.
 */
export async function runCli(argv: readonly string[], io: Partial<Omit<Io, "stdout" | "stderr">> = {}): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const code = await main(argv, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t), cwd: process.cwd(), env: {}, ...io });
  return { code, stdout, stderr };
}
