/**
 * The differential fuzzer's kernel leg: a few random clusters (fixed seeds, the generator of
 * test/fuzz) are compiled, loaded into a namespace-built node like the conformance cases, and
 * every pair is probed; the kernel must agree with the reference evaluator on every probe.
 *
 * Seeds: POLICYC_E2E_FUZZ_SEEDS (comma-separated) replaces the fixed list, to explore.
 * A failure prints the cluster's YAML; put it under fixtures/conformance/ with a hand-checked
 * expected.yaml (or as a unit test) once the side in the wrong is fixed.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clusterArb, clusterYaml, FUZZ_NODE, OUTSIDE_V4, OUTSIDE_V6 } from "../fuzz/randomCluster.js";
import { compareMatrices, formatMismatches } from "./compareMatrices.js";
import { compileInputs, loadIptablesOutput, loadNftablesOutput, PROBE_TIMEOUT_MS, selectedBackends, topologyFor } from "./conformance.js";
import type { Backend } from "./conformance.js";
import { evaluatorMatrices, loadEvaluator } from "./evaluatorMatrices.js";
import { kernelAvailable, pingAvailable, warnKernelSkipped } from "./kernel.js";
import { parsePortKey, probeAll, startAgents } from "./probe.js";
import { createTopology, destroyTopology } from "./topology.js";

/**
 * The fixed seeds: 101-105, plus 112, 118 and 139, picked because their clusters put calicoctl v1
 * workload endpoints (112, 118, 139) and Calico WorkloadEndpoints (104, 105, 139) on the node,
 * beside pods; `test/fuzz/coverage.ts` lists what else each cluster exercises.
 */
const SEEDS = (process.env["POLICYC_E2E_FUZZ_SEEDS"] ?? "101,102,103,104,105,112,118,139").split(",").map((s) => Number(s.trim()));
const PORTS = ["tcp/80", "tcp/8080", "udp/53", "icmp"].map(parsePortKey);
/** Two outside hosts: one inside the generated network set, one outside every set. */
const OUTSIDE = [
  { id: "world/in-set", ipv4: OUTSIDE_V4[0], ipv6: OUTSIDE_V6[1] },
  { id: "world/other", ipv4: OUTSIDE_V4[1], ipv6: OUTSIDE_V6[2] },
];

/** The node's own uplink addresses: documentation ranges no generated rule or endpoint uses. */
const NODE_UPLINK = { ipv4: "192.0.2.254", ipv6: "3fff::fe" };

const kernel = kernelAvailable() && pingAvailable();
if (!kernel) warnKernelSkipped("real-kernel fuzz sample (random clusters vs the reference evaluator)");

/** One random cluster on the kernel with one backend: the mismatch report, empty when none. */
async function runSeed(seed: number, backend: Backend): Promise<{ report: string; yaml: string }> {
  const [cluster] = fc.sample(clusterArb(5, 4), { seed, numRuns: 1 });
  const yaml = clusterYaml(cluster!);
  const dir = mkdtempSync(join(tmpdir(), "policyc-fuzz-"));
  try {
    writeFileSync(join(dir, "cluster.yaml"), yaml);
    const { model, files } = compileInputs([join(dir, "cluster.yaml")], FUZZ_NODE, backend);
    // The node has an address of its own on its uplink, as every real node has: a pool with
    // natOutgoing masquerades pod -> outside traffic to it (without one, MASQUERADE drops it).
    const spec = { ...topologyFor(model, FUZZ_NODE, OUTSIDE), uplink: NODE_UPLINK };
    if (spec.local.length === 0) return { report: "", yaml };
    const evaluator = await loadEvaluator();
    if (typeof evaluator === "string") throw new Error(evaluator);
    const topology = await createTopology(spec);
    try {
      const agents = await startAgents(topology, PORTS);
      try {
        if (backend === "iptables") await loadIptablesOutput(topology.node, files);
        else await loadNftablesOutput(topology.node, files);
        const want = evaluatorMatrices(evaluator, model, FUZZ_NODE, topology.hosts, PORTS, { dataplane: backend });
        const got = await probeAll(topology, agents, PORTS, PROBE_TIMEOUT_MS, want);
        return { report: formatMismatches(`seed ${seed} [${backend}]: kernel vs evaluator`, got, want, compareMatrices(got, want)), yaml };
      } finally {
        agents.stop();
      }
    } finally {
      await destroyTopology(topology);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!kernel)("random clusters on a real kernel agree with the reference evaluator", () => {
  const runs = selectedBackends().flatMap((backend) => SEEDS.map((seed) => [seed, backend] as const));
  it.concurrent.for(runs)("seed %i [%s]", { timeout: 120_000 }, async ([seed, backend]) => {
    const { report, yaml } = await runSeed(seed, backend);
    expect(report, `\n${report}\n--- cluster (seed ${seed}) ---\n${yaml}`).toBe("");
  });
});
