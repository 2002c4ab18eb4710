/**
 * `policyc apply` binds host endpoints that name no interface to the interfaces of its network
 * namespace holding their expectedIPs (it reads them with `ip -j addr show`), as Felix does.
 * Runs the CLI inside a fresh netns, as root; skipped loudly without root and the tools.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createNetns, destroyNetns, kernelAvailable, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";

const SUITE = "policyc apply reads the node's interfaces (test/kernel/applyHostInterfaces.test.ts)";
warnIfKernelUnavailable(SUITE);

const INPUT = "fixtures/cases/host-endpoints-expected-ips";
const scratch = mkdtempSync(join(tmpdir(), "policyc-hostif-"));

function apply(ns: string, args: readonly string[]) {
  const argv = ["netns", "exec", ns, process.execPath, "--import", "tsx", "test/kernel/applyCliMain.ts", "apply", "--lock-file", join(scratch, "lock"), "--state-dir", join(scratch, "state"), "--node", "node-1", "--backend-mode", "nft", ...args];
  const r = spawnSync("ip", argv, { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!kernelAvailable())(SUITE, () => {
  const namespaces: string[] = [];
  afterAll(() => namespaces.forEach(destroyNetns));

  it("guards the interface holding the endpoint's address, and only an interface the node has", () => {
    const ns = createNetns();
    namespaces.push(ns);
    // No interface holds 192.0.2.1 or 2001:db8::1 yet: the endpoint guards nothing (no warning:
    // the interfaces are known), and eth9, which the node lacks, is not guarded either.
    const before = apply(ns, ["--dry-run", INPUT]);
    expect(before.code, before.stderr).toBe(0);
    expect(before.stderr).not.toContain("names no interface");
    expect(before.stdout).not.toMatch(/cali-th-/);
    runInNetnsOk(ns, ["ip", "link", "add", "uplink0", "type", "veth", "peer", "name", "uplink0p"]);
    runInNetnsOk(ns, ["ip", "addr", "add", "192.0.2.1/24", "dev", "uplink0"]);
    runInNetnsOk(ns, ["ip", "link", "set", "uplink0", "up"]);
    const applied = apply(ns, [INPUT]);
    expect(applied.code, applied.stderr).toBe(0);
    const rules = runInNetnsOk(ns, ["iptables-nft-save", "-t", "filter"]);
    expect(rules).toContain(":cali-fh-uplink0 ");
    expect(rules).toContain(":cali-th-uplink0 ");
    expect(rules).toMatch(/^-A cali-from-host-endpoint -i uplink0 .*cali-fh-uplink0/m);
    // Its veth peer holds no address; eth9 does not exist.
    expect(rules).not.toContain("uplink0p");
    expect(rules).not.toContain("eth9");
  });
});
