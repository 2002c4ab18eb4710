/**
 * The iptables-legacy tables' digests (src/apply/kernel/kernelProbes.ts `readLegacyDigests`), on a
 * real kernel: they move when a rule changes and only then (not with the counters traffic moves),
 * and reading them leaves no trace: the legacy tables the kernel lists stay as they were.
 * Skipped (loudly) without root, iptables-legacy or python3.
 */
import { afterEach, describe, expect, it } from "vitest";
import { spawnExec } from "../../src/apply/index.js";
import { readLegacyDigests } from "../../src/apply/kernel/kernelProbes.js";
import { createNetns, destroyNetns, kernelAvailable, run, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";

const SUITE = "iptables-legacy table digests on a real kernel (test/kernel/legacyDigests.test.ts)";
warnIfKernelUnavailable(SUITE);
const python = run(["sh", "-c", "command -v python3"]).status === 0;
if (!python) console.warn(`!!! python3 is missing: ${SUITE} is skipped (without it the ledger is never trusted on iptables-legacy)`);

const namespaces: string[] = [];
afterEach(() => {
  for (const ns of namespaces.splice(0)) destroyNetns(ns);
});

describe.skipIf(!kernelAvailable() || !python)(SUITE, () => {
  it("digest the tables listed, move with a rule and not with counters, and create no table", async () => {
    const ns = createNetns();
    namespaces.push(ns);
    const exec = spawnExec({ prefix: ["ip", "netns", "exec", ns] });
    const names = (): string => runInNetnsOk(ns, ["cat", "/proc/net/ip_tables_names", "/proc/net/ip6_tables_names"]);
    // No legacy table: nothing to digest, and nothing created by asking.
    expect(names()).toBe("");
    expect(await readLegacyDigests(exec)).toBe("");
    expect(names()).toBe("");

    runInNetnsOk(ns, ["iptables-legacy", "-N", "cali-test"]);
    runInNetnsOk(ns, ["iptables-legacy", "-A", "cali-test", "-s", "10.0.0.1", "-j", "ACCEPT"]);
    runInNetnsOk(ns, ["iptables-legacy", "-A", "OUTPUT", "-j", "cali-test"]);
    const before = names();
    const first = await readLegacyDigests(exec);
    expect(first).toMatch(/^4 filter [0-9a-f]{40}$/);
    expect(names()).toBe(before);

    // Traffic moves the counters, not the digest.
    runInNetnsOk(ns, ["ip", "link", "set", "lo", "up"]);
    run(["ip", "netns", "exec", ns, "ping", "-c", "2", "-W", "1", "127.0.0.1"]);
    expect(runInNetnsOk(ns, ["iptables-legacy", "-L", "OUTPUT", "-v", "-n", "-x"])).not.toMatch(/^\s+0\s+0\s+cali-test/m);
    expect(await readLegacyDigests(exec)).toBe(first);

    // A rule changed moves it; changed back, it is the same again.
    runInNetnsOk(ns, ["iptables-legacy", "-R", "cali-test", "1", "-s", "10.0.0.2", "-j", "ACCEPT"]);
    const changed = await readLegacyDigests(exec);
    expect(changed).not.toBe(first);
    runInNetnsOk(ns, ["iptables-legacy", "-R", "cali-test", "1", "-s", "10.0.0.1", "-j", "ACCEPT"]);
    expect(await readLegacyDigests(exec)).toBe(first);

    // IPv6 tables are digested too, each table on its own line.
    runInNetnsOk(ns, ["ip6tables-legacy", "-N", "cali-test"]);
    const both = await readLegacyDigests(exec);
    expect(both?.split("\n").map((l) => l.split(" ").slice(0, 2).join(" "))).toEqual(["4 filter", "6 filter"]);
    expect(names()).toBe("filter\nfilter\n");
  });
});
