/**
 * fast-check arbitraries for differential fuzzing: small random clusters and random flows between
 * their endpoints and outside addresses.
 *
 * A cluster has namespaces (with labels), service accounts, workload endpoints of every kind
 * (pods, Calico v3 WorkloadEndpoints with explicit profiles, calicoctl v1 workload endpoints),
 * maybe the node's host endpoint and a network set, Profiles and v1 profiles, tiers (some
 * defaulting to Pass, one named but never defined), and policies of every kind: Kubernetes
 * NetworkPolicies, Calico NetworkPolicies and GlobalNetworkPolicies (preDNAT, doNotTrack and
 * applyOnForward included), v1 policies and the cluster-scoped kinds (ClusterNetworkPolicy,
 * AdminNetworkPolicy, BaselineAdminNetworkPolicy), with names and orders drawn from tiny pools so that
 * names are shared across kinds and orders tie.
 *
 * The pieces live in vocabulary.ts, endpointArbs.ts, k8sArbs.ts, calicoArbs.ts and v1Arbs.ts;
 * coverage.ts counts which features a cluster exercises. Every generated resource is meant to be
 * valid; the fuzz test counts the ones that are not.
 */
import fc from "fast-check";
import type { Flow } from "../../src/semantics/index.js";
import { calicoPolicyArb, profileArb, tiersArb, usableTiers } from "./calicoArbs.js";
import { hostEndpointArb, ipPoolsArb, nodesArb, podArb, type RandomEndpoint, serviceAccountsArb, v1WepArb, wepArb } from "./endpointArbs.js";
import { clusterPolicyArb } from "./clusterPolicyArbs.js";
import { k8sPolicyArb } from "./k8sArbs.js";
import { v1PolicyArb, v1ProfileArb } from "./v1Arbs.js";
import { compact, type Fam, HOST_V4, HOST_V6, NAMESPACES, optional, OUTSIDE_V4, OUTSIDE_V6, V1_PROFILES, V3_PROFILES } from "./vocabulary.js";

export { FUZZ_NODE, HOST_V4, HOST_V6, OUTSIDE_V4, OUTSIDE_V6 } from "./vocabulary.js";
export type { RandomEndpoint } from "./endpointArbs.js";

export interface RandomCluster {
  /** The workload endpoints, as flows address them. */
  readonly endpoints: readonly RandomEndpoint[];
  /** Every resource as a plain object (the shape of the YAML documents). */
  readonly resources: readonly object[];
  /** Whether the node has a host endpoint (flows may then go to `HOST_V4`/`HOST_V6`). */
  readonly hostEndpoint: boolean;
}

type PolicyKind = "k8s" | "calico" | "v1" | "cluster";

interface Meta {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { name: string; namespace?: string };
}

/**
 * Policies named from the shared pool may clash within one kind and namespace (a duplicate
 * resource, which is invalid input); the later one gets its index appended (`web-3`).
 *
 * A v1 policy counts as a GlobalNetworkPolicy here: both the compiler and the evaluator take a
 * v1 policy for the GlobalNetworkPolicy of that name in the default tier, so the two are one
 * policy to Felix (model.PolicyKey{Name, Kind: GlobalNetworkPolicy}). Validation does not report
 * the pair as duplicates yet; with both present the compiler renders one chain for the two and
 * the evaluator evaluates each (found by this fuzzer, left open: a validation matter).
 */
function uniqueNames(policies: readonly object[]): object[] {
  const seen = new Set<string>();
  // The baseline kind is a singleton named `default`: a second one is left out, not renamed.
  const baselines = policies.filter((p) => (p as Meta).kind === "BaselineAdminNetworkPolicy");
  return policies.filter((p) => (p as Meta).kind !== "BaselineAdminNetworkPolicy" || p === baselines[0]).map((p, i) => {
    const m = p as Meta;
    const v1Policy = m.apiVersion === "v1" && m.kind === "policy";
    const kind = v1Policy || m.kind === "GlobalNetworkPolicy" ? "GlobalNetworkPolicy" : `${m.apiVersion}/${m.kind}`;
    const key = (name: string) => JSON.stringify([kind, m.metadata.namespace ?? "", name]);
    if (!seen.has(key(m.metadata.name))) {
      seen.add(key(m.metadata.name));
      return p;
    }
    const name = `${m.metadata.name}-${i}`;
    seen.add(key(name));
    return { ...p, metadata: { ...m.metadata, name } };
  });
}

/** A random cluster of 2 to `maxEndpoints` workload endpoints and up to `maxPolicies` policies. */
export function clusterArb(maxEndpoints = 6, maxPolicies = 5): fc.Arbitrary<RandomCluster> {
  return fc
    .record({
      v1: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      weps: fc.integer({ min: 0, max: 2 }).map((n) => n === 0),
      endpointCount: fc.integer({ min: 2, max: maxEndpoints }),
      teams: fc.tuple(...NAMESPACES.map(() => optional(fc.constantFrom("x", "y")))),
      tiers: tiersArb,
      undefinedTier: fc.integer({ min: 0, max: 2 }).map((n) => n === 0),
      networkSet: fc.constantFrom("none", "namespaced", "global"),
      hostEndpoint: fc.boolean(),
      serviceAccounts: serviceAccountsArb,
    })
    .chain((c) => {
      const kinds: fc.Arbitrary<"pod" | "wep" | "v1wep"> = fc.oneof(
        { weight: 4, arbitrary: fc.constant("pod" as const) },
        { weight: c.weps ? 3 : 0, arbitrary: fc.constant("wep" as const) },
        { weight: c.v1 ? 2 : 0, arbitrary: fc.constant("v1wep" as const) },
      );
      const policyKinds: fc.Arbitrary<PolicyKind> = fc.oneof(
        { weight: 2, arbitrary: fc.constant("k8s" as const) },
        { weight: 3, arbitrary: fc.constant("calico" as const) },
        { weight: c.v1 ? 2 : 0, arbitrary: fc.constant("v1" as const) },
        { weight: 2, arbitrary: fc.constant("cluster" as const) },
      );
      const tierNames = usableTiers(c.tiers, c.undefinedTier);
      const policyArb = (k: PolicyKind): fc.Arbitrary<object> =>
        k === "k8s" ? k8sPolicyArb : k === "calico" ? calicoPolicyArb(tierNames) : k === "cluster" ? clusterPolicyArb : v1PolicyArb;
      return fc.record({
        endpoints: fc.array(kinds, { minLength: c.endpointCount, maxLength: c.endpointCount }).chain((ks) =>
          fc.tuple(...ks.map((k, i) => (k === "pod" ? podArb(i) : k === "wep" ? wepArb(i) : v1WepArb(i)))),
        ),
        policies: fc.array(policyKinds, { maxLength: maxPolicies }).chain((ks): fc.Arbitrary<object[]> => (ks.length === 0 ? fc.constant([]) : fc.tuple(...ks.map(policyArb)))),
        // Profiles matter to endpoints that name them (WorkloadEndpoints, v1 endpoints, the host).
        profiles: c.weps || c.v1 || c.hostEndpoint ? fc.tuple(...V3_PROFILES.map((n) => optional(profileArb(n)))) : fc.constant([]),
        v1Profiles: c.v1 ? fc.tuple(...V1_PROFILES.map((n) => optional(v1ProfileArb(n)))) : fc.constant([]),
        host: c.hostEndpoint ? hostEndpointArb(c.v1).map((h): object[] => [h]) : fc.constant([]),
        pools: ipPoolsArb(c.v1),
        nodes: nodesArb,
      }).map(({ endpoints, policies, profiles, v1Profiles, host, pools, nodes }): RandomCluster => {
        const resources: object[] = NAMESPACES.map((ns, i) => ({
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns, labels: c.teams[i] !== undefined ? { team: c.teams[i] } : {} },
        }));
        resources.push(...c.serviceAccounts, ...c.tiers);
        if (c.networkSet !== "none") {
          resources.push({
            apiVersion: "projectcalico.org/v3",
            kind: c.networkSet === "global" ? "GlobalNetworkSet" : "NetworkSet",
            metadata: compact({ name: "ext", namespace: c.networkSet === "global" ? undefined : "a", labels: { app: "web" } }),
            spec: { nets: ["192.168.1.0/24", "2001:db8::/64"] },
          });
        }
        resources.push(...host, ...pools, ...nodes);
        for (const p of [...profiles, ...v1Profiles]) if (p !== undefined) resources.push(p);
        for (const e of endpoints) resources.push(e.resource);
        resources.push(...uniqueNames(policies));
        return { endpoints, resources, hostEndpoint: c.hostEndpoint };
      });
    })
    .chain(shuffledSometimes);
}

/**
 * A third of the clusters list their documents in a random order: neither side may depend on
 * the order (a WorkloadEndpoint before the Profile it names, a policy before its Tier).
 */
function shuffledSometimes(cluster: RandomCluster): fc.Arbitrary<RandomCluster> {
  const n = cluster.resources.length;
  return fc
    .integer({ min: 0, max: 2 })
    .chain((k) => (k === 0 ? fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }) : fc.constant(undefined)))
    .map((order) => (order ? { ...cluster, resources: order.map((i) => cluster.resources[i]!) } : cluster));
}

/** The cluster as one multi-document YAML text (JSON documents, which YAML accepts). */
export function clusterYaml(cluster: RandomCluster): string {
  return cluster.resources.map((r) => JSON.stringify(r)).join("\n---\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Flows

/** Random flows over the cluster's endpoints (by id) and outside addresses, both families. */
export function flowsArb(cluster: RandomCluster, max = 50): fc.Arbitrary<Flow[]> {
  const flow = fc
    .record({
      family: fc.constantFrom<Fam>(4, 4, 6),
      src: fc.nat(),
      dst: fc.nat(),
      proto: fc.constantFrom("tcp", "tcp", "udp", "udp", "icmp", "sctp", "udplite", "ipip"),
      dport: fc.constantFrom(53, 80, 85, 443, 8080, 4789),
      sport: fc.constantFrom(40000, 53, 80),
      icmpType: fc.constantFrom(8, 0, 3, 128, 129, 1),
      icmpCode: fc.constantFrom(0, 0, 1),
    })
    .map((f): Flow | undefined => {
      const ends = [
        ...cluster.endpoints.filter((e) => f.family === 4 || e.ipv6 !== undefined).map((e) => ({ endpoint: e.id })),
        ...(f.family === 4 ? OUTSIDE_V4 : OUTSIDE_V6).map((ip) => ({ ip })),
      ];
      // The host both ways: to it through INPUT, from it through OUTPUT (host endpoint policy;
      // to a pod not policed).
      const host = { ip: f.family === 4 ? HOST_V4 : HOST_V6 };
      const all = cluster.hostEndpoint ? [...ends, host] : ends;
      const src = all[f.src % all.length]!;
      const dst = all[f.dst % all.length]!;
      if (src === dst) return undefined;
      // Outside -> outside never crosses the node.
      if ("ip" in src && "ip" in dst && src !== host && dst !== host) return undefined;
      const base = { family: f.family, src, dst };
      if (f.proto === "icmp") {
        const v4 = [8, 0, 3];
        const v6 = [128, 129, 1];
        const icmpType = f.family === 4 ? (v4.includes(f.icmpType) ? f.icmpType : 8) : v6.includes(f.icmpType) ? f.icmpType : 128;
        return { ...base, protocol: f.family === 4 ? 1 : 58, icmpType, icmpCode: f.icmpCode };
      }
      if (f.proto === "ipip") return { ...base, protocol: 4 };
      const protocol = { tcp: 6, udp: 17, sctp: 132, udplite: 136 }[f.proto];
      return { ...base, protocol, srcPort: f.sport, dstPort: f.dport };
    });
  return fc.array(flow, { minLength: Math.min(20, max), maxLength: max }).map((fs) => fs.filter((f): f is Flow => f !== undefined));
}
