/**
 * `policyc verify` on the cases in fixtures/verify/<case>/ (cluster.yaml, invariants.yaml), against
 * goldens in test/golden/verify/ (text for each, JSON and SARIF for one). UPDATE_GOLDEN=1 rewrites
 * them. Also: exit codes, invariants found in PATH, and what is wrong on the command line.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectGoldens } from "./helpers/golden.js";
import { runCli } from "./helpers/runCli.js";

const cases = readdirSync("fixtures/verify").sort();

describe("policyc verify goldens", () => {
  it.each(cases)("%s", async (name) => {
    const dir = `fixtures/verify/${name}`;
    const text = await runCli(["verify", "--invariants", `${dir}/invariants.yaml`, `${dir}/cluster.yaml`]);
    expect(text.stderr).toBe("");
    expectGoldens([{ path: `test/golden/verify/${name}.txt`, actual: text.stdout }]);
  });

  it("prints JSON and SARIF; the SARIF result is at the rule that opens the hole", async () => {
    const dir = "fixtures/verify/admin-passes";
    const json = await runCli(["verify", "--format", "json", "--invariants", `${dir}/invariants.yaml`, `${dir}/cluster.yaml`]);
    const sarif = await runCli(["verify", "--format", "sarif", "--invariants", `${dir}/invariants.yaml`, `${dir}/cluster.yaml`]);
    expectGoldens([
      { path: "test/golden/verify/admin-passes.json", actual: json.stdout },
      { path: "test/golden/verify/admin-passes.sarif", actual: sarif.stdout.replace(/("name": "policyc",\s*"version": )"[^"]*"/, '$1"VERSION"') },
    ]);
    const log = JSON.parse(sarif.stdout) as { runs: { results: { message: { text: string }; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
    const iso = log.runs[0]!.results.find((r) => r.message.text.startsWith("IsolationInvariant tenants-stay-apart"))!;
    expect(iso.locations[0]!.physicalLocation.artifactLocation.uri).toBe(`${dir}/cluster.yaml`);
  });

  it("exits 0 when every invariant holds, 1 when one is violated, 2 on usage errors", async () => {
    const dir = "fixtures/verify/admin-isolation";
    const tmp = mkdtempSync(join(tmpdir(), "policyc-verify-"));
    try {
      // The invariant alone holds on this cluster.
      const holding = join(tmp, "inv.yaml");
      writeFileSync(holding, readFileSync(`${dir}/invariants.yaml`, "utf8").split("\n---\n")[0]!);
      const ok = await runCli(["verify", "--invariants", holding, `${dir}/cluster.yaml`]);
      expect(ok.stdout.split("\n")[0]).toContain("all 1 invariant(s) hold");
      expect(ok.code).toBe(0);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
    // Invariants in the PATH are found there too (and not reported as uncompiled).
    const both = await runCli(["verify", dir]);
    expect(both.code).toBe(1);
    expect(both.stderr).toBe("");
    expect((await runCli(["verify", `${dir}/cluster.yaml`])).code).toBe(2);
    expect((await runCli(["verify", "--invariants", `${dir}/cluster.yaml`, `${dir}/cluster.yaml`])).code).toBe(2);
    expect((await runCli(["verify", "--format", "xml", dir])).code).toBe(2);
    expect((await runCli(["verify", "--invariants", `${dir}/invariants.yaml`])).code).toBe(2);
  });

  it("lint and compile read invariants beside the policies and say they do not compile them", async () => {
    const dir = "fixtures/verify/admin-isolation";
    const lint = await runCli(["lint", dir]);
    expect(lint.code).toBe(0);
    expect(lint.stdout).toContain("note[invariant-not-compiled]: 2 invariants of policyc.dev/v1alpha1 IsolationInvariant");
    const compile = await runCli(["compile", "--node", "node-1", dir]);
    expect(compile.code).toBe(0);
    expect(compile.stderr).toContain("invariant-not-compiled");
  });
});
