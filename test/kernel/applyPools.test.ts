/**
 * `apply` of the pools' host side on a real kernel, per backend: a cluster with a NAT and IPIP
 * pool (nat table, pool and host sets, cali-INPUT rules), then the same cluster without the pool,
 * then with it again. The nat hook is appended after a kube-proxy-like MASQUERADE rule, which
 * stays; a repeat apply writes nothing; without the pool no nat chain and no pool set is left.
 * Skipped (loudly) without root and the tools.
 */
import { afterEach, describe, expect, it } from "vitest";
import { apply, noLock, spawnExec } from "../../src/apply/index.js";
import { compileModel } from "../../src/compiler/compile.js";
import { loadModel } from "../../src/model/loadModel.js";
import { createNetns, destroyNetns, kernelAvailable, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";
import { APPLY_BACKENDS } from "../helpers/applyBackends.js";

const SUITE = "apply of IP pools' NAT and encapsulation rules (test/kernel/applyPools.test.ts)";
warnIfKernelUnavailable(SUITE);

const pod = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns}
spec: {nodeName: node-1}
status: {podIPs: [{ip: 10.0.0.5}]}`;
const pool = `apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: pods}
spec: {cidr: 10.0.0.0/16, natOutgoing: true, ipipMode: Always}
---
apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: node-2}
spec: {bgp: {ipv4Address: 192.0.2.2/24}}`;
const compile = (text: string) => compileModel(loadModel([{ path: "c.yaml", text }]).model, { node: "node-1" }).ir;
const withPool = compile(`${pod}\n---\n${pool}`);
const without = compile(pod);

const namespaces: string[] = [];
afterEach(() => {
  for (const ns of namespaces.splice(0)) destroyNetns(ns);
});


describe.skipIf(!kernelAvailable())(SUITE, () => {
  for (const [name, extra] of APPLY_BACKENDS) {
    it(name, async () => {
      const ns = createNetns();
      namespaces.push(ns);
      const nft = extra.backend === "nftables";
      const save = extra.backendMode === "legacy" ? "iptables-legacy-save" : "iptables-nft-save";
      if (!nft) runInNetnsOk(ns, [extra.backendMode === "legacy" ? "iptables-legacy" : "iptables-nft", "-t", "nat", "-A", "POSTROUTING", "-s", "10.99.0.0/16", "-j", "MASQUERADE"]);
      const exec = spawnExec({ prefix: ["ip", "netns", "exec", ns] });
      const state = (): string => (nft ? runInNetnsOk(ns, ["nft", "list", "ruleset"]) : runInNetnsOk(ns, [save, "-t", "nat"]) + runInNetnsOk(ns, ["ipset", "list", "-n"]));
      for (const [step, ir, present] of [["with the pool", withPool, true], ["again", withPool, true], ["without", without, false], ["with it again", withPool, true]] as const) {
        const r = await apply(ir, { exec, lock: noLock, ...extra });
        expect(r.error, step).toBeUndefined();
        if (step === "again") expect(r.changed, "a repeat apply writes nothing").toBe(false);
        const s = state();
        expect(s.includes("masq-ipam-pools"), `${step}: the pool sets`).toBe(present);
        expect(/cali-nat-outgoing/.test(s), `${step}: the NAT outgoing chain`).toBe(present);
        if (!nft) {
          const post = s.split("\n").filter((l) => l.startsWith("-A POSTROUTING"));
          expect(post[0], `${step}: the foreign MASQUERADE stays first`).toContain("10.99.0.0/16");
          expect(post.length, step).toBe(present ? 2 : 1);
        }
      }
    });
  }
});
