/**
 * Golden outputs for every compile fixture: the IR text and each iptables backend file.
 */
import { describe, expect, it } from "vitest";
import { compileCase, compileCases } from "./helpers/compileCase.js";
import { expectGoldens } from "./helpers/golden.js";

const cases = compileCases();

describe("policyc compile on fixtures/cases", () => {
  it("has at least 15 cases", () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  for (const name of cases) {
    it(name, () => {
      const first = compileCase(name);
      expect(first.errors, "fixtures compile without errors").toBe(0);
      expectGoldens(first.files.map((f) => ({ path: `test/golden/cases/${name}/${f.path}`, actual: f.contents })));
      // Deterministic: the same input gives the same bytes.
      expect(compileCase(name).files).toEqual(first.files);
    });
  }
});
