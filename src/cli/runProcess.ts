/**
 * The process around `main`: what `bin/policyc.js` runs. A closed pipe (`policyc matrix ... |
 * head`) is the reader's choice, not an error: policyc ends quietly instead of dying on EPIPE.
 */
import { main } from "./main.js";
import { tuneRuntimeFor } from "./runtimeTuning.js";

export async function runProcess(argv: readonly string[] = process.argv.slice(2)): Promise<void> {
  tuneRuntimeFor(argv[0] ?? "");
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
      throw e;
    });
  }
  process.exitCode = await main(argv);
}
