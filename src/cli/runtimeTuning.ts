/**
 * V8 settings for a policyc process, chosen per command before it runs (`runProcess`, and the
 * benchmarks' in-process CLI runs, so that they measure what users run).
 *
 * One-shot commands turn off TurboFan's inlining (`--no-turbo-inlining`). A one-shot run lasts a
 * few seconds and touches a lot of code once: loading, validation, the compiler, a backend. V8
 * optimizes hundreds of its functions on background threads, and with inlining each optimized
 * function carries copies of its callees (the selector parser into every rule builder, the scalar
 * readers into the YAML recogniser). Measured on shape S (bench/measure.ts), that compilation cost
 * about as much CPU as the main thread itself: `compile` spent 2.9 s of CPU for 1.2 s on its main
 * thread, and on a two-core machine the compiler threads took the main thread's core. Without
 * inlining `compile` spends 2.1 s (main thread unchanged), `explain` 1.2 s instead of 1.7 s and
 * `verify` 3.2 s instead of 4.8 s (medians of interleaved runs). Optimized code stays optimized;
 * only the copies of callees go.
 *
 * The agent runs for days, so the steady state matters there and V8's defaults stay.
 */
import { setFlagsFromString } from "node:v8";
import { isCommand, type CommandName } from "./help.js";

/** The V8 flags `command`'s process runs with. */
export function v8FlagsFor(command: CommandName): readonly string[] {
  switch (command) {
    case "agent":
      return [];
    case "lint":
    case "compile":
    case "apply":
    case "explain":
    case "matrix":
    case "diff":
    case "verify":
    case "datastore":
    case "codes":
      return ["--no-turbo-inlining"];
  }
}

/**
 * Sets `command`'s V8 flags in this process. V8 reads these flags each time it optimizes a
 * function, so setting them at start-up, before the command's code is hot, takes effect.
 */
export function tuneRuntimeFor(command: string): void {
  if (!isCommand(command)) return;
  for (const flag of v8FlagsFor(command)) setFlagsFromString(flag);
}

