/**
 * Workloads from their manifests are for the audit commands only: on the fuzzer's random
 * clusters, adding random workloads (every kind, labels that policies select, named ports)
 * changes neither the compiled ruleset nor the evaluator's verdict on any flow between the
 * cluster's own endpoints and outside addresses.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileModel } from "../../src/compiler/compile.js";
import { printIr } from "../../src/compiler/ir/print.js";
import { loadModel } from "../../src/model/loadModel.js";
import { evaluateFlow, prepareModel, type Verdict } from "../../src/semantics/index.js";
import { workloadsArb } from "./endpointArbs.js";
import { clusterArb, clusterYaml, flowsArb, FUZZ_NODE } from "./randomCluster.js";
import { fuzzSeed } from "./settings.js";

function decision(v: Verdict): string {
  return JSON.stringify([v.allowed, v.policed, v.egress, v.ingress, v.host]);
}

describe("workloads", () => {
  it("change no compiled rule and no verdict between the cluster's own endpoints", { timeout: 300_000 }, () => {
    let flows = 0;
    let workloads = 0;
    fc.assert(
      fc.property(
        clusterArb(6, 5).chain((cluster) => fc.tuple(fc.constant(cluster), workloadsArb, flowsArb(cluster, 20))),
        ([cluster, added, randomFlows]) => {
          const without = loadModel([{ path: "fuzz.yaml", text: clusterYaml(cluster) }]);
          if (without.diagnostics.some((d) => d.severity === "error")) return;
          const withWorkloads = loadModel([{ path: "fuzz.yaml", text: clusterYaml({ ...cluster, resources: [...cluster.resources, ...added] }) }]);
          expect(withWorkloads.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
          workloads += added.length;
          expect(printIr(compileModel(withWorkloads.model, { node: FUZZ_NODE }).ir)).toBe(printIr(compileModel(without.model, { node: FUZZ_NODE }).ir));
          const a = prepareModel(without.model, { node: FUZZ_NODE });
          const b = prepareModel(withWorkloads.model, { node: FUZZ_NODE });
          for (const flow of randomFlows) {
            let want: string;
            try {
              want = decision(evaluateFlow(a, flow));
            } catch {
              continue; // an address two endpoints share
            }
            expect(decision(evaluateFlow(b, flow)), JSON.stringify(flow)).toBe(want);
            flows++;
          }
        },
      ),
      { seed: fuzzSeed(), numRuns: Number(process.env.WORKLOADS_RUNS ?? 100), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    expect(flows).toBeGreaterThan(1000);
    expect(workloads).toBeGreaterThan(100);
  });
});
