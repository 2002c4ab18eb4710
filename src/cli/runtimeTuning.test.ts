import { describe, expect, it } from "vitest";
import { commandNames } from "./help.js";
import { tuneRuntimeFor, v8FlagsFor } from "./runtimeTuning.js";

describe("runtime tuning per command", () => {
  it("keeps V8's defaults for the long-running agent and drops inlining for one-shot commands", () => {
    expect(v8FlagsFor("agent")).toEqual([]);
    for (const command of commandNames.filter((c) => c !== "agent")) expect(v8FlagsFor(command)).toEqual(["--no-turbo-inlining"]);
  });

  it("leaves words that are not commands alone (help, --version, a typo)", () => {
    for (const word of ["", "help", "--version", "compiel"]) expect(() => tuneRuntimeFor(word)).not.toThrow();
  });
});
