/**
 * Differential fuzzing: random clusters and policies, compiled; both backends must render the
 * IR, and the IR interpreter and the reference evaluator must agree on every random flow. Seeded, so a run is reproducible: CI runs
 * the fixed seed; FUZZ_SEED / FUZZ_RUNS (or POLICYC_FUZZ_SEED / POLICYC_FUZZ_RUNS) explore
 * further, and POLICYC_FUZZ_SHRINK=1 shrinks a failure to a minimal cluster.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clusterArb, clusterYaml, flowsArb, FUZZ_NODE, HOST_V4, HOST_V6 } from "./randomCluster.js";
import { compileYaml, disagreements, renderProblem } from "./differential.js";
import { fuzzRuns, fuzzSeed } from "./settings.js";

const seed = fuzzSeed();
const runs = fuzzRuns();

describe("IR interpreter vs reference evaluator on random clusters", () => {
  it(`agrees on every flow (${runs} clusters, seed ${seed})`, { timeout: Math.max(120_000, runs * 200) }, () => {
    let invalid = 0;
    let flowsChecked = 0;
    const firstInvalid: string[] = [];
    const arb = clusterArb().chain((cluster) => flowsArb(cluster).map((flows) => ({ cluster, flows })));
    fc.assert(
      fc.property(arb, ({ cluster, flows }) => {
        const yaml = clusterYaml(cluster);
        // The node's uplink holds the host endpoint's addresses, so an endpoint without
        // interfaceName binds to eth0 by address (and a named eth0 one finds its interface).
        const compiled = compileYaml(yaml, FUZZ_NODE, cluster.hostEndpoint ? { eth0: [HOST_V4, HOST_V6] } : undefined);
        if (typeof compiled === "string") {
          invalid++;
          if (firstInvalid.length < 3) firstInvalid.push(`${compiled}\n${yaml}`);
          return;
        }
        // Every backend must render what the interpreter runs.
        const problem = renderProblem(compiled);
        if (problem !== undefined) throw new Error(`${problem}\n${yaml}`);
        flowsChecked += flows.length;
        const found = disagreements(compiled, flows);
        if (found.length > 0) throw new Error(`${found.length} disagreement(s)\n${yaml}\n${found[0]!.explanation}`);
      }),
      { seed, numRuns: runs, endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    // The generator is meant to produce valid input only; a few rejections would hide coverage.
    expect(invalid, firstInvalid.join("\n\n")).toBe(0);
    expect(flowsChecked).toBeGreaterThan(runs * 5);
  });
});
