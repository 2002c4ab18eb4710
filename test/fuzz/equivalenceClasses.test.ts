/**
 * The equivalence classes are exact: on the fuzzer's random clusters (with workloads from their
 * manifests beside the pods and endpoints: endpoints without an address), every flow between
 * endpoints (and between an endpoint and an outside address) gets the same verdict, by the same
 * steps, as the flow between the representatives of the classes, with the ports and the outside
 * address replaced by the first of their intervals. Brute force over every pair of endpoints.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/loadModel.js";
import { cidrAddress } from "../../src/semantics/addresses.js";
import { addressInterval, equivalenceClasses, type EquivalenceClasses } from "../../src/semantics/equivalenceClasses.js";
import { compactReachability, evaluateFlow, isEndpointOf, prepareModel, type Flow, type FlowEnd, type MatrixPort, type Prepared, type Verdict } from "../../src/semantics/index.js";
import { matrixDifferences } from "../helpers/bruteMatrix.js";
import { parseAddress } from "../../src/semantics/addresses.js";
import { clusterArb, clusterYaml, FUZZ_NODE, type RandomCluster, HOST_V4, HOST_V6, OUTSIDE_V4, OUTSIDE_V6 } from "./randomCluster.js";
import { fuzzSeed } from "./settings.js";
import { workloadsArb } from "./endpointArbs.js";

/** What must not change within a class: the verdict and each direction's steps. */
function decision(v: Verdict): string {
  return JSON.stringify([v.allowed, v.policed, v.egress?.allowed, v.egress?.steps, v.ingress?.allowed, v.ingress?.steps]);
}

function firstPort(classes: EquivalenceClasses, protocol: number, port: number): number {
  const found = classes.portIntervals(protocol).find((i) => i.first <= port && port <= i.last);
  if (!found) throw new Error(`port ${port} in no interval`);
  return found.first;
}

function representativeIp(classes: EquivalenceClasses, ip: string): string {
  const a = parseAddress(ip)!;
  const interval = classes.addressIntervals[addressInterval(classes.addressIntervals, a.value)]!;
  return cidrAddress({ family: a.family, network: interval.first, prefix: a.family === 4 ? 32 : 128, text: "" }).text;
}

function representative(prepared: Prepared, classes: EquivalenceClasses, end: FlowEnd): FlowEnd {
  if ("ip" in end) return { ip: representativeIp(classes, end.ip) };
  const member = prepared.memberIndexById.get(end.endpoint)!;
  const cls = classes.endpoints[classes.classOf[member]!]!;
  return { endpoint: prepared.members[cls.representative]!.id };
}

interface PodDoc {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly status: { readonly podIPs: readonly { readonly ip: string }[] };
}

/** The cluster with workloads from their manifests added. */
function withWorkloads(cluster: RandomCluster, workloads: readonly object[]): RandomCluster {
  return { ...cluster, resources: [...cluster.resources, ...workloads] };
}

/**
 * The cluster with a copy of every pod (same namespace, labels, node, ports; its own name and
 * addresses), so that classes have more than one member: random endpoints alone rarely share
 * every label, port and profile.
 */
function withCopies(cluster: RandomCluster): RandomCluster {
  const copies = cluster.resources
    .filter((r): r is PodDoc => (r as PodDoc).kind === "Pod")
    .map((pod, k) => ({
      ...pod,
      metadata: { ...pod.metadata, name: `${pod.metadata.name}c` },
      status: { podIPs: [{ ip: `10.0.0.${100 + k}` }, ...(pod.status.podIPs.length > 1 ? [{ ip: `fd00::${(100 + k).toString(16)}` }] : [])] },
    }));
  return { ...cluster, resources: [...cluster.resources, ...copies] };
}

/**
 * Ports at and around every bound the fuzzer's rules (cluster policies' ranges included) and named
 * ports use, and the VXLAN port (a workload's UDP to it is dropped before any policy).
 */
const PORTS = [0, 1, 52, 53, 54, 79, 80, 81, 84, 85, 86, 90, 91, 442, 443, 444, 4788, 4789, 4790, 7999, 8000, 8080, 8081, 9000, 9001, 40000, 65535];

describe("equivalence classes", () => {
  it("give every flow the verdict of its representatives (random clusters, brute force)", { timeout: 300_000 }, () => {
    let flows = 0;
    let merged = 0;
    let workloadFlows = 0;
    fc.assert(
      fc.property(clusterArb(8, 6), workloadsArb, fc.constantFrom(...PORTS), fc.constantFrom(40000, 53, 80), fc.constantFrom(6, 17, 132), (random, workloads, dstPort, srcPort, protocol) => {
        const cluster = withWorkloads(withCopies(random), workloads);
        const loaded = loadModel([{ path: "fuzz.yaml", text: clusterYaml(cluster) }]);
        if (loaded.diagnostics.some((d) => d.severity === "error")) return;
        const prepared = prepareModel(loaded.model, { node: FUZZ_NODE });
        for (const family of [4, 6] as const) {
          const classes = equivalenceClasses(prepared, family);
          const endpoints = prepared.members.filter((m) => isEndpointOf(m, family));
          merged += endpoints.length - classes.endpoints.length;
          const outside = family === 4 ? [...OUTSIDE_V4, HOST_V4] : [...OUTSIDE_V6, HOST_V6];
          const ends: FlowEnd[] = [...endpoints.map((m) => ({ endpoint: m.id })), ...outside.map((ip) => ({ ip }))];
          for (const src of ends) {
            for (const dst of ends) {
              if (src === dst || ("ip" in src && "ip" in dst)) continue;
              const flow: Flow = { family, src, dst, protocol, srcPort, dstPort };
              const rep: Flow = {
                family,
                src: representative(prepared, classes, src),
                dst: representative(prepared, classes, dst),
                protocol,
                srcPort: firstPort(classes, protocol, srcPort),
                dstPort: firstPort(classes, protocol, dstPort),
              };
              let want: string;
              try {
                want = decision(evaluateFlow(prepared, flow));
              } catch {
                continue; // an address two endpoints share: no flow to compare
              }
              expect(decision(evaluateFlow(prepared, rep)), `${JSON.stringify(flow)} vs ${JSON.stringify(rep)}\n${clusterYaml(cluster)}`).toBe(want);
              flows++;
              if ([src, dst].some((e) => "endpoint" in e && prepared.members[prepared.memberIndexById.get(e.endpoint)!]!.kind === "Workload")) workloadFlows++;
            }
          }
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.CLASSES_RUNS ?? 300), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    expect(flows).toBeGreaterThan(1000);
    // The classes must actually merge endpoints somewhere, or the test proves little.
    expect(merged).toBeGreaterThan(0);
    // Workloads must take part, or the test proves nothing about them.
    expect(workloadFlows).toBeGreaterThan(100);
  });

  it("give the matrix every pair's verdict (classReachability against brute force)", { timeout: 300_000 }, () => {
    let cells = 0;
    const probeArb = fc.oneof(
      fc.record({ port: fc.constantFrom(...PORTS), protocol: fc.constantFrom("TCP", "UDP", "SCTP" as const), srcPort: fc.constantFrom(40000, 53, 80) }),
      fc.record({ port: fc.constant(0), protocol: fc.constantFrom("ICMP", "ICMPv6" as const), icmpType: fc.constantFrom(8, 0, 128, 1), icmpCode: fc.constantFrom(0, 1) }),
    );
    fc.assert(
      fc.property(clusterArb(8, 6), workloadsArb, fc.array(probeArb, { minLength: 1, maxLength: 3 }), fc.boolean(), (random, workloads, ports: MatrixPort[], everyLocal) => {
        const cluster = withWorkloads(withCopies(random), workloads);
        const loaded = loadModel([{ path: "fuzz.yaml", text: clusterYaml(cluster) }]);
        if (loaded.diagnostics.some((d) => d.severity === "error")) return;
        const prepared = prepareModel(loaded.model, everyLocal ? {} : { node: FUZZ_NODE });
        for (const family of [4, 6] as const) {
          const compact = compactReachability(prepared, ports, family);
          expect(matrixDifferences(prepared, compact, ports, family), clusterYaml(cluster)).toEqual([]);
          cells += compact.endpoints.length ** 2 * ports.length;
        }
      }),
      { seed: fuzzSeed(), numRuns: Number(process.env.CLASSES_RUNS ?? 300), endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    expect(cells).toBeGreaterThan(1000);
  });
});
