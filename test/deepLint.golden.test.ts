/**
 * Deep lint: each check has a directory under fixtures/lint/ named after its code, with
 * `triggers.yaml` (the check must report its code) and `clean.yaml` (it must not), and golden
 * output under test/golden/lint/. `invalid-ranges` is validation's: ports on protocols without
 * ports are the error ports-need-protocol, which it checks stays so.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { expectGolden } from "./helpers/golden.js";
import { runCli } from "./helpers/runCli.js";

const codeOf = (check: string): string => (check === "invalid-ranges" ? "ports-need-protocol" : check);
/** The checks that run with --deep only. */
const deepOnly = new Set(["redundant-rule", "redundant-policy"]);
const lintArgs = (check: string): string[] => (deepOnly.has(check) ? ["lint", "--deep"] : ["lint"]);
const checks = readdirSync("fixtures/lint").sort();

/** The codes a lint run reports, from its JSON output. */
async function codes(check: string, file: string): Promise<{ code: number; found: string[] }> {
  const r = await runCli([...lintArgs(check), "--format", "json", file]);
  const out = JSON.parse(r.stdout) as { findings: { code: string }[] };
  return { code: r.code, found: out.findings.map((f) => f.code) };
}

describe("policyc lint: deep checks on fixtures/lint", () => {
  it("has a fixture pair for every check", () => {
    expect(checks).toEqual(
      [
        "allow-after-deny-all",
        "impossible-selector",
        "invalid-ranges",
        "policy-selects-nothing",
        "redundant-policy",
        "redundant-rule",
        "selector-matches-nothing",
        "shadowed-rule",
        "shadowed-rule-in-input",
      ].sort(),
    );
  });

  for (const check of checks) {
    it(`${check}: triggers.yaml reports it, clean.yaml does not`, async () => {
      const triggered = await codes(check, `fixtures/lint/${check}/triggers.yaml`);
      expect(triggered.found).toContain(codeOf(check));
      const clean = await codes(check, `fixtures/lint/${check}/clean.yaml`);
      expect(clean.found).not.toContain(codeOf(check));
      // The clean inputs are clean of every deep finding, not only their own.
      expect(clean.found.filter((c) => c !== "unknown-field")).toEqual([]);
      expect(clean.code).toBe(0);
    });

    for (const name of ["triggers", "clean"]) {
      it(`${check}/${name}.yaml golden`, async () => {
        const r = await runCli([...lintArgs(check), `fixtures/lint/${check}/${name}.yaml`]);
        expect(r.stderr).toBe("");
        expectGolden(`test/golden/lint/${check}/${name}.txt`, `exit ${r.code}\n${r.stdout}`);
      });
    }
  }

  it("every deep finding can be silenced in .policyc.yaml", async () => {
    for (const check of checks.filter((c) => c !== "invalid-ranges")) {
      const r = await runCli(["lint", "--deep", "--config", "test/data/lint-silenced.policyc.yaml", "--format", "json", `fixtures/lint/${check}/triggers.yaml`]);
      const out = JSON.parse(r.stdout) as { findings: { code: string }[] };
      expect(out.findings.map((f) => f.code), check).toEqual([]);
      expect(r.code).toBe(0);
    }
  });
});
