import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apply, formatPlan, noLock } from "../../src/apply/index.js";
import { emptySummary } from "../../src/apply/planning/plan.js";
import { readInputs } from "../../src/cli/readInputs.js";
import { compileModel } from "../../src/compiler/compile.js";
import { loadModel } from "../../src/model/loadModel.js";
import { runCli } from "../helpers/runCli.js";

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), "policyc-compile-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("policyc compile", () => {
  it("writes the three iptables backend files with --out, matching the goldens", async () => {
    const out = join(tempDir(), "rules");
    const run = await runCli(["compile", "--node", "node-1", "--out", out, "fixtures/cases/demo-shop"]);
    expect(run.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["ip6tables.rules", "ipset.restore", "iptables.rules"]);
    expect(readFileSync(join(out, "iptables.rules"), "utf8")).toBe(readFileSync("test/golden/cases/demo-shop/iptables.rules", "utf8"));
  });

  it("prints with --dry-run what apply --dry-run prints on a node where nothing is written yet", async () => {
    const run = await runCli(["compile", "--node", "node-1", "--dry-run", "fixtures/cases/demo-shop"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^# ==> step 1\/3 \[sets\] ipset: ipset restore <==\ncreate cali40/);
    expect(run.stdout).toContain("# ==> step 2/3 [rules] iptables filter: iptables-nft-restore --noflush -w 10 (checked first with: iptables-nft-restore --test --noflush -w 10) <==\n*filter\n");
    expect(run.stdout).toContain("[rules] ip6tables filter: ip6tables-nft-restore --noflush -w 10");
    expect(run.stdout).toMatch(/^# summary \(iptables, nft\):\n {2}chains created: \d+/m);
    // The same as the applier's plan against a node that reads back empty (the kernel test
    // compares it with apply --dry-run in a fresh network namespace).
    const empty = { run: () => Promise.resolve({ code: 0, stdout: "", stderr: "" }) };
    const ir = compileModel(loadModel(readInputs(["fixtures/cases/demo-shop"]).files).model, { node: "node-1" }).ir;
    const applied = await apply(ir, { exec: empty, lock: noLock, dryRun: true });
    expect(run.stdout).toBe(formatPlan(applied.plan ?? { backend: "iptables", steps: [], summary: emptySummary, refusals: [] }));
    const legacy = await runCli(["compile", "--node", "node-1", "--backend-mode", "legacy", "--dry-run", "fixtures/cases/demo-shop"]);
    expect(legacy.stdout).toContain("iptables-legacy-restore --noflush -w 10");
    const nft = await runCli(["compile", "--node", "node-1", "--backend", "nftables", "--dry-run", "fixtures/cases/demo-shop"]);
    expect(nft.stdout).toMatch(/^# ==> step 1\/1 \[rules\] nft: nft -f - \(checked first with: nft --check -f -\) <==\ntable ip policyc \{\}\ndelete table ip policyc\n/);
    const json = await runCli(["compile", "--node", "node-1", "--dry-run", "--format", "json", "fixtures/cases/demo-shop"]);
    expect((JSON.parse(json.stdout) as { steps: unknown[] }).steps).toHaveLength(3);
    expect((await runCli(["compile", "--dry-run", "--emit", "ir", "fixtures/cases/demo-shop"])).code).toBe(2);
  });

  it("prints ruleset.nft for the nftables backend", async () => {
    const run = await runCli(["compile", "--node", "node-1", "--backend", "nftables", "fixtures/cases/demo-shop"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`# ==> ruleset.nft <==\n${readFileSync("test/golden/cases/demo-shop/ruleset.nft", "utf8")}`);
  });

  it("gives the lint diagnostics, exit 1 and writes nothing for bad input", async () => {
    const out = join(tempDir(), "rules");
    const run = await runCli(["compile", "--out", out, "fixtures/invalid/selector-single-equals.yaml"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("fixtures/invalid/selector-single-equals.yaml:7:17: error[selector-syntax]");
    expect(existsSync(out)).toBe(false);
  });

  it("refuses a policy kind it does not compile (lint only warns), and writes nothing", async () => {
    const out = join(tempDir(), "rules");
    const file = "fixtures/invalid/uncompiled-policy-kind.yaml";
    const run = await runCli(["compile", "--out", out, file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`${file}:4:7: error[uncompiled-policy-kind]: policy.networking.k8s.io/v1alpha2 AdminNetworkPolicy enforces policy`);
    expect(run.stderr).toContain(`${file}:18:7: error[uncompiled-policy-kind]: cilium.io/v2 CiliumNetworkPolicy`);
    expect(existsSync(out)).toBe(false);
    const lint = await runCli(["lint", file]);
    expect(lint.code).toBe(0);
    expect(lint.stdout).toContain(`${file}:4:7: warning[uncompiled-policy-kind]`);
  });

  it("rejects bad flags with exit 2", async () => {
    expect((await runCli(["compile", "--backend", "pf", "fixtures/cases/demo-shop"])).code).toBe(2);
    expect((await runCli(["compile", "--bogus", "fixtures/cases/demo-shop"])).code).toBe(2);
    expect((await runCli(["compile"])).code).toBe(2);
  });
});
