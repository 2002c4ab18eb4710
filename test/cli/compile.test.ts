import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
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

  it("prints what each tool would be fed with --dry-run", async () => {
    const run = await runCli(["compile", "--node", "node-1", "--dry-run", "fixtures/cases/demo-shop"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("# ==> ipset.restore: ipset restore < ipset.restore <==");
    expect(run.stdout).toContain("# ==> iptables.rules: iptables-restore --noflush < iptables.rules <==");
    expect(run.stdout).toContain("# ==> ip6tables.rules: ip6tables-restore --noflush < ip6tables.rules <==");
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
    expect(run.stderr).toContain(`${file}:4:7: error[uncompiled-policy-kind]: policy.networking.k8s.io/v1alpha1 AdminNetworkPolicy enforces policy`);
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
