/** Every diagnostic code is documented, with an example that really triggers it. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { codeExamples } from "../../src/cli/codeExamples.js";
import { codesMarkdown } from "../../src/cli/codesCommand.js";
import { diagnosticCodes, type DiagnosticCode } from "../../src/diagnostics/codes.js";
import { runCli } from "../helpers/runCli.js";

describe("policyc codes", () => {
  it("docs/codes.md is what `policyc codes --format markdown` prints (regenerate it with that command)", async () => {
    const r = await runCli(["codes", "--format", "markdown"]);
    expect(r.stdout).toBe(codesMarkdown());
    expect(readFileSync("docs/codes.md", "utf8")).toBe(r.stdout);
  });

  it("lists every code", async () => {
    const r = await runCli(["codes"]);
    for (const code of Object.keys(diagnosticCodes)) expect(r.stdout).toMatch(new RegExp(`^${code} `, "m"));
  });

  const triggered = (Object.keys(codeExamples) as DiagnosticCode[]).filter((c) => codeExamples[c].stage !== "none");
  it.each(triggered)("the example of %s triggers it", async (code) => {
    const ex = codeExamples[code];
    if (ex.stage === "none") return;
    const argv = ex.stage === "lint" ? ["lint", "--format", "json", "-"] : ["compile", "--node", "node-1", "--allow-empty", "-"];
    const r = await runCli(argv, { readStdin: () => ex.yaml });
    const reported = ex.stage === "lint" ? (JSON.parse(r.stdout) as { findings: { code: string }[] }).findings.map((f) => f.code) : [...r.stderr.matchAll(/\w+\[([a-z0-9-]+)\]/g)].map((m) => m[1]);
    expect(reported, r.stdout + r.stderr).toContain(code);
  });
});

describe("repository basics", () => {
  it("has a LICENSE that matches package.json's license", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { license: string; files: string[] };
    expect(pkg.license).toBe("Apache-2.0");
    const license = readFileSync("LICENSE", "utf8");
    expect(license).toMatch(/Apache License\s+Version 2\.0, January 2004/);
    expect(pkg.files).toContain("LICENSE");
  });
});
