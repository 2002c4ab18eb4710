/**
 * `apply` never leaves the node unreachable on its failsafe ports, even halfway through a failed
 * transaction: a deny-all host policy is applied to a node whose uplink is a host endpoint, and
 * the IPv6 commit is made to fail after the IPv4 tables (filter, raw, mangle) have committed.
 * At that moment, SSH (an inbound failsafe) from outside must still connect while TCP 8080 (no
 * failsafe) is already refused; after the rollback SSH still connects. Every host-endpoint chain
 * consults the failsafes before any policy (felix/rules/endpoints.go), so any mix of old and new
 * tables keeps them open. Both iptables variants' restore tools commit per table; nftables
 * commits everything in one transaction, which this also checks.
 */
import { readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { apply } from "../../src/apply/apply.js";
import { spawnExec, type Exec } from "../../src/apply/execution/exec.js";
import { noLock } from "../../src/apply/execution/lock.js";
import { compileModel } from "../../src/compiler/compile.js";
import { loadModel } from "../../src/model/loadModel.js";
import { kernelAvailable, warnKernelSkipped } from "../e2e/kernel.js";
import { startAgents, type Agents } from "../e2e/probe.js";
import { createTopology, destroyTopology, type Topology } from "../e2e/topology.js";

const SUITE = "failsafes through a failed apply (test/kernel/hostFailsafeApply.test.ts)";
const kernel = kernelAvailable();
if (!kernel) warnKernelSkipped(SUITE);

const NODE = "192.0.2.1";
const WORLD = "198.51.100.5";

function irOf(...paths: string[]) {
  const loaded = loadModel(paths.map((path) => ({ path, text: readFileSync(path, "utf8") })));
  return compileModel(loaded.model, { node: "node-1" }).ir;
}

const CASE = "fixtures/conformance/host-failsafes";

describe.skipIf(!kernel)(SUITE, () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  for (const backend of ["iptables", "nftables"] as const) {
    it(`${backend}: SSH connects while the transaction is half done and after its rollback`, async () => {
      const topology: Topology = await createTopology({
        local: [{ id: "web/front", iface: "calitest0", ipv4: "10.65.0.10" }],
        remote: [
          { id: "node/self", ipv4: NODE, onNode: true },
          { id: "world/admin", ipv4: WORLD },
        ],
      });
      cleanup.push(() => destroyTopology(topology));
      const agents: Agents = await startAgents(topology, [
        { protocol: "tcp", port: 22 },
        { protocol: "tcp", port: 8080 },
      ]);
      cleanup.push(() => Promise.resolve(agents.stop()));
      const probe = async (port: number): Promise<boolean> => (await agents.probe(topology.world, [{ ip: NODE, port, proto: "tcp" }], 1000))[0] === true;
      const inner = spawnExec({ prefix: ["ip", "netns", "exec", topology.node] });
      const options = (exec: Exec) => ({ backend, exec, lock: noLock });

      // The node with its pod, no host endpoint yet: everything reaches it.
      expect((await apply(irOf("fixtures/conformance/k8s-udp/pods.yaml"), options(inner))).ok).toBe(true);
      expect(await probe(22)).toBe(true);
      expect(await probe(8080)).toBe(true);

      // The deny-all host policy, with the last write of the transaction made to fail; the probes
      // run just before that write, when everything else is committed.
      const during: { ssh?: boolean; other?: boolean } = {};
      // The IPv4 commit, which may run beside the IPv6 one (iptablesBackend.ts): the failing write
      // waits for it, so that the probes see the IPv4 tables committed and the IPv6 ones not.
      let ipv4Commit: Promise<unknown> = Promise.resolve();
      const failing: Exec = {
        async run(argv, stdin = "") {
          if (/^iptables-.*restore$/.test(argv[0] ?? "") && !argv.includes("--test") && during.ssh === undefined) {
            const run = inner.run(argv, stdin);
            ipv4Commit = run.catch(() => undefined);
            return run;
          }
          const last = backend === "iptables" ? /^ip6tables-.*restore$/.test(argv[0] ?? "") && !argv.includes("--test") : argv[0] === "nft" && argv.includes("-f");
          if (!last || during.ssh !== undefined) return inner.run(argv, stdin);
          await ipv4Commit;
          during.ssh = await probe(22);
          during.other = await probe(8080);
          return inner.run(argv, backend === "iptables" ? stdin.replace(/COMMIT\n$/, "-A cali-FORWARD --no-such-option\n") : `${stdin}no such command\n`);
        },
      };
      const result = await apply(irOf(`${CASE}/cluster.yaml`), options(failing));
      expect(result.ok).toBe(false);
      expect(during.ssh, "SSH during the failed transaction").toBe(true);
      if (backend === "iptables") expect(during.other, "the IPv4 tables were committed: 8080 refused").toBe(false);
      if (backend === "iptables") expect(result.restored).toBe(true);
      expect(await probe(22)).toBe(true);

      // And applied for real: SSH stays open, 8080 is refused.
      expect((await apply(irOf(`${CASE}/cluster.yaml`), options(inner))).ok).toBe(true);
      expect(await probe(22)).toBe(true);
      expect(await probe(8080)).toBe(false);
    });
  }
});
