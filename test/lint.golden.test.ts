/**
 * Every bad input under fixtures/invalid/ has golden diagnostics under test/golden/invalid/:
 * the text a user sees from `policyc lint`, and the exit code.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectGolden } from "./helpers/golden.js";
import { runCli } from "./helpers/runCli.js";

const cases = readdirSync("fixtures/invalid")
  .filter((f) => f.endsWith(".yaml"))
  .sort();

describe("policyc lint on fixtures/invalid", () => {
  it("has at least 25 distinct bad inputs", () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  for (const file of cases) {
    it(file, async () => {
      const run = await runCli(["lint", "--strict", `fixtures/invalid/${file}`]);
      expect(run.code, "every invalid fixture fails lint --strict").toBe(1);
      // Findings are the command's output: stdout. stderr is for policyc's own failures.
      expect(run.stderr).toBe("");
      expectGolden(`test/golden/invalid/${file.replace(/\.yaml$/, ".txt")}`, `exit ${run.code}\n${run.stdout}`);
    });
  }
});
