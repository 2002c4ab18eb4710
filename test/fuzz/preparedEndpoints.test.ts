/**
 * `PrepareOptions.endpoints` (what `explain` prepares): a model prepared for two endpoints alone
 * gives every flow between them, each given by id, the same verdict by the same steps as the
 * model prepared with every endpoint, and names the same isolating policies (random clusters of
 * the fuzzer, with workloads, duplicate ids and host endpoints; both families; every pair).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/loadModel.js";
import { evaluateFlow, isolatingPolicies, prepareModel, type Flow, type Prepared } from "../../src/semantics/index.js";
import { clusterArb, clusterYaml, FUZZ_NODE } from "./randomCluster.js";
import { fuzzSeed } from "./settings.js";

/** The verdict, or the evaluator's message when it refuses the flow. */
function outcome(prepared: Prepared, flow: Flow): unknown {
  try {
    return evaluateFlow(prepared, flow);
  } catch (e) {
    return { threw: e instanceof Error ? e.message : String(e) };
  }
}

const PROBES: readonly [number, number | undefined][] = [
  [6, 80],
  [6, 443],
  [17, 53],
  [132, 8080],
  [1, undefined],
];

describe("PrepareOptions.endpoints", () => {
  it("gives flows between the named endpoints the verdicts of the whole cluster", { timeout: 300_000 }, () => {
    let compared = 0;
    fc.assert(
      fc.property(clusterArb(6, 5), fc.boolean(), (random, everyLocal) => {
        const text = clusterYaml(random);
        const loaded = loadModel([{ path: "fuzz.yaml", text }]);
        if (loaded.diagnostics.some((d) => d.severity === "error")) return;
        const options = everyLocal ? {} : { node: FUZZ_NODE };
        const full = prepareModel(loaded.model, options);
        const ids = full.members.filter((m) => m.workload).map((m) => m.id);
        for (const src of ids) {
          for (const dst of ids) {
            const only = prepareModel(loaded.model, { ...options, endpoints: new Set([src, dst]) });
            for (const direction of ["ingress", "egress"] as const) {
              // Policies by name (their member sets are over different members).
              const named = (p: Prepared, id: string): string[] => isolatingPolicies(p, id, direction).map((x) => `${x.kind} ${x.display} ${x.tier}`);
              expect(named(only, dst), text).toEqual(named(full, dst));
              expect(named(only, src), text).toEqual(named(full, src));
            }
            for (const family of [4, 6] as const) {
              for (const [protocol, port] of PROBES) {
                const flow: Flow = {
                  family,
                  src: { endpoint: src },
                  dst: { endpoint: dst },
                  protocol,
                  ...(port !== undefined ? { srcPort: 40000, dstPort: port } : { icmpType: 8, icmpCode: 0 }),
                };
                compared++;
                expect(outcome(only, flow), `${src} -> ${dst} ${JSON.stringify(flow)}\n${text}`).toEqual(outcome(full, flow));
              }
            }
          }
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.PREPARE_RUNS ?? 100), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    expect(compared).toBeGreaterThan(5_000);
  });

  it("keeps the ids every endpoint would give: a taken id's later endpoint is `#2`", () => {
    const text = `apiVersion: v1
kind: Pod
metadata: {name: node1-k8s-a-eth0, namespace: prod, labels: {app: a}}
spec: {nodeName: node1}
status: {podIPs: [{ip: 10.0.5.2}]}
---
apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: node1-k8s-a-eth0, namespace: prod, labels: {app: b}}
spec: {node: node1, orchestrator: k8s, pod: a, endpoint: eth0, interfaceName: cali12345, ipNetworks: [10.0.5.1/32]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: only-a, namespace: prod}
spec:
  podSelector: {}
  ingress: [{from: [{podSelector: {matchLabels: {app: a}}}]}]
`;
    const { model } = loadModel([{ path: "dup.yaml", text }]);
    const full = prepareModel(model);
    const ids = full.members.filter((m) => m.workload).map((m) => m.id);
    expect(ids).toEqual(["prod/node1-k8s-a-eth0", "prod/node1-k8s-a-eth0#2"]);
    for (const [src, dst] of [ids, [...ids].reverse()]) {
      const only = prepareModel(model, { endpoints: new Set([src!, dst!]) });
      const flow: Flow = { family: 4, src: { endpoint: src! }, dst: { endpoint: dst! }, protocol: 6, srcPort: 40000, dstPort: 80 };
      expect(outcome(only, flow)).toEqual(outcome(full, flow));
      expect(prepareModel(model, { endpoints: new Set([dst!]) }).members.filter((m) => m.workload).map((m) => m.id)).toEqual([dst]);
    }
  });
});
