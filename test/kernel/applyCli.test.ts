/**
 * `policyc apply` as an operator runs it: inside the node's network namespace, as root. Checks
 * exit codes (0 applied or nothing to do, 1 invalid input, 2 usage, 3 apply refused or failed),
 * the dry-run plan and the messages. The usage checks run anywhere; the rest is skipped (loudly)
 * without root and the tools.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/runCli.js";
import { createNetns, destroyNetns, kernelAvailable, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";

const SUITE = "policyc apply CLI in a network namespace (test/kernel/applyCli.test.ts)";
warnIfKernelUnavailable(SUITE);

const A = "test/kernel/apply-fixtures/shop-a";
const B = "test/kernel/apply-fixtures/shop-b";
const scratch = mkdtempSync(join(tmpdir(), "policyc-cli-"));
const lock = join(scratch, "lock");
const stateDir = join(scratch, "state");

function cli(ns: string, args: readonly string[]) {
  const r = spawnSync("ip", ["netns", "exec", ns, process.execPath, "--import", "tsx", "test/kernel/applyCliMain.ts", "apply", "--lock-file", lock, "--state-dir", stateDir, ...args], { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("policyc apply: usage", () => {
  it("rejects a bad --backend-mode, --state-max-age and a missing PATH with exit 2", async () => {
    expect((await runCli(["apply", "--backend-mode", "both", A])).code).toBe(2);
    expect((await runCli(["apply", "--node", "node-1", "--state-max-age", "soon", A])).code).toBe(2);
    expect((await runCli(["apply", "--node", "node-1"])).code).toBe(2);
  });
  it("rejects invalid input with exit 1 before touching anything", async () => {
    expect((await runCli(["apply", "--node", "node-1", "fixtures/does-not-exist"])).code).toBe(1);
  });
});

describe.skipIf(!kernelAvailable())(SUITE, () => {
  const namespaces: string[] = [];
  afterAll(() => namespaces.forEach(destroyNetns));

  it("dry run, apply, apply again, a change's plan", () => {
    const ns = createNetns();
    namespaces.push(ns);
    const dry = cli(ns, ["--node", "node-1", "--backend-mode", "nft", "--dry-run", A]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^# ==> step 1\/3 \[sets\] ipset: ipset restore <==\ncreate cali4/);
    expect(dry.stdout).toMatch(/^# ==> step 2\/3 \[rules\] iptables filter: iptables-nft-restore --noflush -w 10 \(checked first with: iptables-nft-restore --test --noflush -w 10\) <==\n\*filter\n:cali-/m);
    expect(dry.stdout).toMatch(/^# summary \(iptables, nft\):\n {2}chains created: \d+ /m);
    expect(runInNetnsOk(ns, ["iptables-nft-save"])).not.toContain("cali-");

    const first = cli(ns, ["--node", "node-1", "--backend-mode", "nft", A]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^policyc apply: applied \d+ step\(s\):\n {2}chains created/);
    const again = cli(ns, ["--node", "node-1", "--backend-mode", "nft", A]);
    expect(again).toMatchObject({ code: 0, stdout: "policyc apply: nothing to do, the kernel already matches\n" });
    // The first apply left a ledger in --state-dir; the second checked it instead of dumping.
    if (spawnSync("sh", ["-c", "command -v python3"]).status === 0) expect(again.stderr).toMatch(/^policyc apply: kernel state from the ledger \(nf_tables generation \d+ unchanged, \d+ set headers match/m);
    else console.warn("!!! python3 is missing: the CLI's ledger is never trusted on iptables-nft, every apply reads whole");
    const whole = cli(ns, ["--node", "node-1", "--backend-mode", "nft", "--state-max-age", "0", A]);
    expect(whole).toMatchObject({ code: 0, stdout: "policyc apply: nothing to do, the kernel already matches\n" });
    expect(whole.stderr).not.toMatch(/ledger/);
    const change = cli(ns, ["--node", "node-1", "--backend-mode", "nft", "--dry-run", B]);
    expect(change.stdout).toMatch(/chains changed: 2 \(filter\/cali-pi-\S+, v6:filter\/cali-pi-\S+\)/);
    expect(change.stdout).toMatch(/sets changed: 2 /);
  });

  it("compile --dry-run prints exactly what apply --dry-run prints in a fresh network namespace", async () => {
    for (const backend of [["--backend-mode", "nft"], [], ["--backend-mode", "legacy"], ["--backend", "nftables"]]) {
      const ns = createNetns();
      namespaces.push(ns);
      for (const input of [A, B]) {
        const applied = cli(ns, ["--node", "node-1", "--state-max-age", "0", ...backend, "--dry-run", input]);
        expect(applied.code, applied.stderr).toBe(0);
        const compiled = await runCli(["compile", "--node", "node-1", ...backend, "--dry-run", input]);
        expect(compiled.code).toBe(0);
        expect(compiled.stdout, `${backend.join(" ")} ${input}`).toBe(applied.stdout);
      }
    }
  }, 300_000);

  it("detecting the iptables variant leaves no trace: the legacy tables the kernel lists stay as they were", () => {
    const ns = createNetns();
    namespaces.push(ns);
    const names = (): string => runInNetnsOk(ns, ["cat", "/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"]);
    const before = names();
    // A fresh namespace lists no legacy table even when the kernel has ip_tables built in; asking
    // iptables-legacy-save -t mangle would create one.
    expect(before).toBe("");
    for (const args of [["--dry-run", A], [A], [B]]) {
      const r = cli(ns, ["--node", "node-1", ...args]);
      expect(r.code, r.stderr).toBe(0);
      expect(names(), args.join(" ")).toBe(before);
    }
    expect(runInNetnsOk(ns, ["iptables-nft-save"])).toContain("cali-");
  });

  it("refuses (exit 3, nothing written) when one of our set names holds a set ipset cannot swap", () => {
    const ns = createNetns();
    namespaces.push(ns);
    const dry = cli(ns, ["--node", "node-1", "--backend-mode", "nft", "--dry-run", A]);
    const name = /^create (cali40s:\S+)/m.exec(dry.stdout)?.[1] ?? "";
    expect(name).not.toBe("");
    runInNetnsOk(ns, ["ipset", "create", name, "hash:ip,port"]);
    const before = runInNetnsOk(ns, ["iptables-nft-save"]) + runInNetnsOk(ns, ["ipset", "save"]);
    const refused = cli(ns, ["--node", "node-1", "--backend-mode", "nft", A]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/refusing to apply:\n {2}set cali40s:\S+ exists as hash:ip,port family inet/);
    expect(runInNetnsOk(ns, ["iptables-nft-save"]) + runInNetnsOk(ns, ["ipset", "save"])).toBe(before);
  });
});
