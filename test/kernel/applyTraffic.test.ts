/**
 * `apply` A, then B, then A again on a Calico-style node built from network namespaces (the e2e
 * topology), probing real traffic after each step: B changes one policy rule (the ops namespace
 * may reach the api on 9091 instead of 9090) and one pod's label (db-0 becomes a frontend, so it
 * may reach the api on its named port 9000). Each backend gets its own node. Skipped (loudly)
 * without root and the tools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { apply, noLock, spawnExec } from "../../src/apply/index.js";
import { readInputs } from "../../src/cli/readInputs.js";
import { compileModel } from "../../src/compiler/compile.js";
import { loadModel } from "../../src/model/loadModel.js";
import { topologyFor } from "../e2e/conformance.js";
import { kernelAvailable, warnKernelSkipped } from "../e2e/kernel.js";
import { startAgents, type Agents, type PortSpec } from "../e2e/probe.js";
import { createTopology, destroyTopology, type Host, type Topology } from "../e2e/topology.js";
import { APPLY_BACKENDS } from "../helpers/applyBackends.js";

const SUITE = "apply A/B/A with traffic probes (test/kernel/applyTraffic.test.ts)";
if (!kernelAvailable()) warnKernelSkipped(SUITE);

function load(dir: string) {
  return loadModel(readInputs([`test/kernel/apply-fixtures/${dir}`]).files).model;
}
const modelA = load("shop-a");
const A = compileModel(modelA, { node: "node-1" }).ir;
const B = compileModel(load("shop-b"), { node: "node-1" }).ir;

const ports: PortSpec[] = [9000, 9090, 9091].map((port) => ({ protocol: "tcp" as const, port }));

/** [from, to, port, family, allowed under A, allowed under B] */
const PROBES: readonly (readonly [string, string, number, "v4" | "v6", boolean, boolean])[] = [
  ["shop/frontend-0", "shop/api-0", 9000, "v4", true, true],
  ["monitoring/prometheus-0", "shop/api-0", 9090, "v4", true, false],
  ["monitoring/prometheus-0", "shop/api-0", 9091, "v4", false, true],
  ["shop/db-0", "shop/api-0", 9000, "v4", false, true],
  ["shop/db-0", "shop/api-0", 9000, "v6", false, true],
];

async function probe(topology: Topology, agents: Agents): Promise<boolean[]> {
  const host = (id: string): Host => {
    const h = topology.hosts.find((x) => x.id === id);
    if (h === undefined) throw new Error(`no host ${id}`);
    return h;
  };
  return Promise.all(
    PROBES.map(async ([from, to, port, family]) => {
      const src = host(from);
      const dst = host(to);
      const ip = family === "v4" ? dst.ipv4 : dst.ipv6;
      const source = family === "v4" ? src.ipv4 : src.ipv6;
      if (ip === undefined || source === undefined) throw new Error(`${from} -> ${to} has no ${family} address`);
      // An allowed connection can miss a short timeout on a busy machine; a denied one never succeeds.
      for (const timeout of [400, 2000]) {
        const [ok] = await agents.probe(src.netns, [{ ip, port, proto: "tcp", ...(src.local ? {} : { src: source }) }], timeout);
        if (ok === true) return true;
      }
      return false;
    }),
  );
}


describe.skipIf(!kernelAvailable())(SUITE, () => {
  for (const [name, extra] of APPLY_BACKENDS) {
    describe(name, () => {
      let topology: Topology | undefined;
      let agents: Agents | undefined;
      beforeAll(async () => {
        topology = await createTopology(topologyFor(modelA, "node-1", []));
        agents = await startAgents(topology, ports);
      });
      afterAll(async () => {
        agents?.stop();
        if (topology) await destroyTopology(topology);
      });

      it("traffic follows A, then B, then A again", async () => {
        const t = topology as Topology;
        const exec = spawnExec({ prefix: ["ip", "netns", "exec", t.node] });
        const expectations = { A: PROBES.map((p) => p[4]), B: PROBES.map((p) => p[5]) };
        for (const [step, ir] of [["A", A], ["B", B], ["A", A]] as const) {
          const result = await apply(ir, { exec, lock: noLock, ...extra });
          expect(result.error, step).toBeUndefined();
          expect(await probe(t, agents as Agents), `after ${step}`).toEqual(expectations[step]);
        }
      });
    });
  }
});
