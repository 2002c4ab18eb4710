/**
 * fast-check arbitraries for differential fuzzing: small random clusters (namespaces, pods with
 * labels, named ports and dual-stack addresses on two nodes, network sets, a tier) with random
 * Kubernetes NetworkPolicies and Calico (Global)NetworkPolicies, and random flows between their
 * endpoints and outside addresses.
 *
 * The vocabulary is deliberately tiny (two label keys with two or three values, a handful of
 * ports) so that selectors, ports and CIDRs actually hit the generated endpoints and flows.
 * Every generated resource is meant to be valid; the fuzz test counts the ones that are not.
 */
import fc from "fast-check";
import type { Flow } from "../../src/semantics/index.js";

/** The node the fuzz cases compile for; pods elsewhere are remote. */
export const FUZZ_NODE = "node-1";

export interface RandomPod {
  readonly namespace: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly node: string;
  readonly ipv4: string;
  readonly ipv6?: string;
  readonly ports: readonly { readonly name: string; readonly containerPort: number; readonly protocol: "TCP" | "UDP" }[];
  readonly serviceAccount: string;
}

export interface RandomCluster {
  readonly pods: readonly RandomPod[];
  /** Every resource as a plain object (the shape of the YAML documents). */
  readonly resources: readonly object[];
  /** Whether the node has a host endpoint (flows may then go to `HOST_V4`/`HOST_V6`). */
  readonly hostEndpoint: boolean;
}

/** The host endpoint's addresses: a pod sending to them is delivered locally (INPUT). */
export const HOST_V4 = "10.0.9.1";
export const HOST_V6 = "fd00::901";

const NAMESPACES = ["a", "b", "c"] as const;
const APPS = ["web", "db", "api"] as const;
const ENVS = ["prod", "dev"] as const;

/** Outside addresses flows may use: in a network set, in no set, in the pod range but unused. */
export const OUTSIDE_V4 = ["192.168.1.7", "172.16.0.1", "10.0.0.200"] as const;
export const OUTSIDE_V6 = ["fd00::200", "2001:db8::1", "fd01::7"] as const;

const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });

/** Removes undefined fields so the JSON documents stay minimal. */
function compact<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

const labelsArb = fc.record({ app: optional(fc.constantFrom(...APPS)), env: optional(fc.constantFrom(...ENVS)) }).map((l) => compact(l) as Record<string, string>);

const podPortsArb = fc.subarray([
  { name: "http", containerPort: 80, protocol: "TCP" as const },
  { name: "web", containerPort: 8080, protocol: "TCP" as const },
  { name: "dns", containerPort: 53, protocol: "UDP" as const },
]).chain((ports) =>
  // Sometimes the same name means another port on this pod, as named ports resolve per pod.
  fc.boolean().map((moved) => ports.map((p) => (moved && p.name === "http" ? { ...p, containerPort: 85 } : p))),
);

const podArb = (i: number): fc.Arbitrary<RandomPod> =>
  fc.record({
    namespace: fc.constantFrom(...NAMESPACES),
    labels: labelsArb,
    remote: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
    dual: fc.boolean(),
    ports: podPortsArb,
    serviceAccount: fc.constantFrom("default", "robot"),
  }).map((p) => ({
    namespace: p.namespace,
    name: `p${i}`,
    labels: p.labels,
    node: p.remote ? "node-2" : FUZZ_NODE,
    ipv4: `10.0.0.${i + 1}`,
    ...(p.dual ? { ipv6: `fd00::${(i + 1).toString(16)}` } : {}),
    ports: p.ports,
    serviceAccount: p.serviceAccount,
  }));

// ---------------------------------------------------------------------------------------------
// Kubernetes NetworkPolicy

const labelSelectorArb: fc.Arbitrary<object> = fc.oneof(
  fc.constant({}),
  fc.record({ matchLabels: fc.record({ app: optional(fc.constantFrom(...APPS)), env: optional(fc.constantFrom(...ENVS)) }).map(compact) }),
  fc.record({
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: fc.constantFrom("app", "env"), operator: fc.constantFrom("In", "NotIn"), values: fc.subarray([...APPS, ...ENVS], { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: fc.constantFrom("app", "env"), operator: fc.constantFrom("Exists", "DoesNotExist") }),
      ),
      { minLength: 1, maxLength: 2 },
    ),
  }),
);

const ipBlockArb = fc.oneof(
  fc.constant({ cidr: "10.0.0.0/29" }),
  fc.constant({ cidr: "10.0.0.0/24", except: ["10.0.0.0/30"] }),
  fc.constant({ cidr: "192.168.0.0/16", except: ["192.168.1.0/24"] }),
  fc.constant({ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }),
  fc.constant({ cidr: "fd00::/120" }),
  fc.constant({ cidr: "::/0", except: ["fd00::/64"] }),
);

const k8sPeerArb: fc.Arbitrary<object> = fc.oneof(
  fc.record({ podSelector: labelSelectorArb }),
  fc.record({ namespaceSelector: fc.oneof(fc.constant({}), fc.record({ matchLabels: fc.record({ team: fc.constantFrom("x", "y") }) })) }),
  fc.record({ podSelector: labelSelectorArb, namespaceSelector: fc.constant({}) }),
  fc.record({ ipBlock: ipBlockArb }),
);

const k8sPortArb: fc.Arbitrary<object> = fc.oneof(
  fc.record({ protocol: optional(fc.constantFrom("TCP", "UDP")), port: fc.constantFrom(80, 53, 8080) }).map(compact),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP"), port: fc.constantFrom("http", "dns", "web") }),
  fc.record({ protocol: optional(fc.constant("TCP")), port: fc.constant(80), endPort: fc.constantFrom(85, 443) }).map(compact),
  fc.record({ protocol: fc.constantFrom("TCP", "UDP", "SCTP") }),
);

const k8sRuleArb = (peerKey: "from" | "to"): fc.Arbitrary<object> =>
  fc.record({ peers: optional(fc.array(k8sPeerArb, { maxLength: 2 })), ports: optional(fc.array(k8sPortArb, { maxLength: 2 })) })
    .map((r) => compact({ [peerKey]: r.peers, ports: r.ports }));

const k8sPolicyArb = (i: number): fc.Arbitrary<object> =>
  fc.record({
    namespace: fc.constantFrom(...NAMESPACES),
    podSelector: labelSelectorArb,
    types: optional(fc.subarray(["Ingress", "Egress"], { minLength: 1 })),
    ingress: optional(fc.array(k8sRuleArb("from"), { maxLength: 2 })),
    egress: optional(fc.array(k8sRuleArb("to"), { maxLength: 2 })),
  }).map((p) => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: `knp-${i}`, namespace: p.namespace },
    spec: compact({ podSelector: p.podSelector, policyTypes: p.types, ingress: p.ingress, egress: p.egress }),
  }));

// ---------------------------------------------------------------------------------------------
// Calico policies

const selectorTermArb = fc.oneof(
  fc.constantFrom(...APPS).map((a) => `app == '${a}'`),
  fc.constantFrom(...ENVS).map((e) => `env != '${e}'`),
  fc.constantFrom("has(app)", "!has(env)", "all()", "app in {'web', 'db'}", "env not in {'prod'}", "projectcalico.org/serviceaccount == 'robot'"),
);
const selectorArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: selectorTermArb },
  { weight: 1, arbitrary: fc.tuple(selectorTermArb, selectorTermArb, fc.constantFrom("&&", "||")).map(([a, b, op]) => `${a} ${op} ${b}`) },
);

type Fam = 4 | 6;
const NETS: Readonly<Record<Fam, readonly string[]>> = {
  4: ["10.0.0.0/30", "10.0.0.4/31", "192.168.1.0/24", "172.16.0.0/12", "0.0.0.0/0", "10.0.0.3/32"],
  6: ["fd00::/120", "fd00::2/128", "2001:db8::/32", "::/0"],
};

const entityArb = (fam: Fam | undefined, withPorts: boolean): fc.Arbitrary<object> => {
  const nets = fam === undefined ? fc.constant(undefined) : optional(fc.subarray([...NETS[fam]], { minLength: 1, maxLength: 2 }));
  // notNets may not hold the whole address space (libcalico-go/lib/validator/v3/validator.go).
  const notNets = fam === undefined ? fc.constant(undefined) : optional(fc.subarray(NETS[fam].filter((n) => !n.endsWith("/0")), { minLength: 1, maxLength: 2 }));
  const ports = withPorts ? optional(fc.subarray<number | string>([80, 53, "80:90", 8080, "http", "dns"], { minLength: 1, maxLength: 3 })) : fc.constant(undefined);
  const notPorts = withPorts ? optional(fc.subarray<number | string>([85, "http", "1:79"], { minLength: 1, maxLength: 2 })) : fc.constant(undefined);
  const fields = {
    selector: selectorArb,
    notSelector: selectorArb,
    namespaceSelector: fc.constantFrom("team == 'x'", "all()", "has(team)"),
    serviceAccounts: fc.oneof(fc.constant({ names: ["robot"] }), fc.constant({ selector: "has(projectcalico.org/name)" })),
    nets,
    notNets,
    ports,
    notPorts,
  };
  // At most two criteria per side, so that rules still match a fair share of flows.
  return fc
    .subarray(Object.keys(fields) as (keyof typeof fields)[], { maxLength: 2 })
    .chain((keys) => fc.record(Object.fromEntries(keys.map((k) => [k, fields[k]])) as Record<string, fc.Arbitrary<unknown>>))
    .map(compact);
};

const calicoRuleArb: fc.Arbitrary<object> = fc
  .record({
    action: fc.constantFrom("Allow", "Allow", "Deny", "Pass", "Log"),
    protocol: optional(fc.constantFrom("TCP", "UDP", "ICMP", "ICMPv6", "SCTP")),
    notProtocol: fc.constantFrom(undefined, undefined, undefined, "UDP", "TCP"),
    fam: fc.constantFrom<Fam | undefined>(undefined, undefined, 4, 6),
    icmpType: optional(fc.constantFrom(8, 128, 0)),
  })
  .chain((r) => {
    // Keep the cross-field rules of libcalico-go/lib/validator/v3/validator.go `validateRule`: ports need TCP/UDP/SCTP,
    // ICMP needs IPv4 and ICMPv6 IPv6, icmp needs an ICMP protocol.
    const icmp4 = r.protocol === "ICMP";
    const icmp6 = r.protocol === "ICMPv6";
    const fam: Fam | undefined = icmp4 ? (r.fam === undefined ? undefined : 4) : icmp6 ? (r.fam === undefined ? undefined : 6) : r.fam;
    const withPorts = r.protocol === "TCP" || r.protocol === "UDP" || r.protocol === "SCTP";
    const notProtocol = r.notProtocol === r.protocol ? undefined : r.notProtocol;
    const icmp = (icmp4 || icmp6) && r.icmpType !== undefined ? { type: icmp4 ? (r.icmpType === 128 ? 8 : r.icmpType) : 128 } : undefined;
    return fc.record({ source: entityArb(fam, withPorts), destination: entityArb(fam, withPorts) }).map((e) =>
      compact({
        action: r.action,
        protocol: r.protocol,
        notProtocol,
        ipVersion: fam,
        icmp,
        source: Object.keys(e.source).length > 0 ? e.source : undefined,
        destination: Object.keys(e.destination).length > 0 ? e.destination : undefined,
      }),
    );
  });

const calicoPolicyArb = (i: number, hasTier: boolean): fc.Arbitrary<object> =>
  fc.record({
    global: fc.boolean(),
    namespace: fc.constantFrom(...NAMESPACES),
    tier: hasTier ? optional(fc.constant("t1")) : fc.constant(undefined),
    order: optional(fc.constantFrom(1, 5, 10)),
    selector: optional(selectorArb),
    types: optional(fc.subarray(["Ingress", "Egress"], { minLength: 1 })),
    ingress: optional(fc.array(calicoRuleArb, { maxLength: 3 })),
    egress: optional(fc.array(calicoRuleArb, { maxLength: 3 })),
    namespaceSelector: optional(fc.constantFrom("team == 'x'", "all()")),
  }).map((p) => ({
    apiVersion: "projectcalico.org/v3",
    kind: p.global ? "GlobalNetworkPolicy" : "NetworkPolicy",
    metadata: compact({ name: p.tier !== undefined ? `t1.np-${i}` : `np-${i}`, namespace: p.global ? undefined : p.namespace }),
    spec: compact({
      tier: p.tier,
      order: p.order,
      selector: p.selector,
      types: p.types,
      ingress: p.ingress,
      egress: p.egress,
      namespaceSelector: p.global ? p.namespaceSelector : undefined,
    }),
  }));

// ---------------------------------------------------------------------------------------------
// Clusters

/** A random cluster of 2 to `maxPods` pods and up to `maxPolicies` policies. */
export function clusterArb(maxPods = 6, maxPolicies = 4): fc.Arbitrary<RandomCluster> {
  return fc
    .record({
      podCount: fc.integer({ min: 2, max: maxPods }),
      teams: fc.tuple(...NAMESPACES.map(() => optional(fc.constantFrom("x", "y")))),
      tier: optional(fc.record({ order: fc.constantFrom(1, 100), defaultAction: optional(fc.constantFrom("Deny", "Pass")) })),
      networkSet: fc.constantFrom("none", "namespaced", "global"),
      hostEndpoint: fc.boolean(),
      policyKinds: fc.array(fc.constantFrom("k8s", "calico"), { maxLength: maxPolicies }),
    })
    .chain((c) =>
      fc.record({
        pods: fc.tuple(...Array.from({ length: c.podCount }, (_, i) => podArb(i))),
        policies: c.policyKinds.length === 0 ? fc.constant([] as object[]) : fc.tuple(...c.policyKinds.map((k, i) => (k === "k8s" ? k8sPolicyArb(i) : calicoPolicyArb(i, c.tier !== undefined)))),
      }).map(({ pods, policies }): RandomCluster => {
        const resources: object[] = NAMESPACES.map((ns, i) => ({
          apiVersion: "v1",
          kind: "Namespace",
          metadata: { name: ns, labels: c.teams[i] !== undefined ? { team: c.teams[i] } : {} },
        }));
        if (c.tier) resources.push({ apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "t1" }, spec: compact({ order: c.tier.order, defaultAction: c.tier.defaultAction }) });
        if (c.networkSet !== "none") {
          resources.push({
            apiVersion: "projectcalico.org/v3",
            kind: c.networkSet === "global" ? "GlobalNetworkSet" : "NetworkSet",
            metadata: compact({ name: "ext", namespace: c.networkSet === "global" ? undefined : "a", labels: { app: "web" } }),
            spec: { nets: ["192.168.1.0/24", "2001:db8::/64"] },
          });
        }
        if (c.hostEndpoint) {
          resources.push({
            apiVersion: "projectcalico.org/v3",
            kind: "HostEndpoint",
            metadata: { name: "node-1-eth0", labels: { app: "db", role: "host" } },
            spec: { node: FUZZ_NODE, expectedIPs: [HOST_V4, HOST_V6] },
          });
        }
        for (const p of pods) resources.push(podResource(p));
        resources.push(...policies);
        return { pods, resources, hostEndpoint: c.hostEndpoint };
      }),
    );
}

function podResource(p: RandomPod): object {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
    spec: { nodeName: p.node, serviceAccountName: p.serviceAccount, containers: [{ name: "main", image: "x", ports: p.ports }] },
    status: { podIPs: [{ ip: p.ipv4 }, ...(p.ipv6 !== undefined ? [{ ip: p.ipv6 }] : [])] },
  };
}

/** The cluster as one multi-document YAML text (JSON documents, which YAML accepts). */
export function clusterYaml(cluster: RandomCluster): string {
  return cluster.resources.map((r) => JSON.stringify(r)).join("\n---\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// Flows

/** Random flows over the cluster's pods (by id) and outside addresses, both families. */
export function flowsArb(cluster: RandomCluster, max = 50): fc.Arbitrary<Flow[]> {
  const flow = fc
    .record({
      family: fc.constantFrom<Fam>(4, 4, 6),
      src: fc.nat(),
      dst: fc.nat(),
      proto: fc.constantFrom("tcp", "tcp", "udp", "icmp", "sctp"),
      dport: fc.constantFrom(53, 80, 85, 443, 8080),
      sport: fc.constantFrom(40000, 53, 80),
      icmpType: fc.constantFrom(8, 0, 128),
    })
    .map((f): Flow | undefined => {
      const ends = [
        ...cluster.pods.filter((p) => f.family === 4 || p.ipv6 !== undefined).map((p) => ({ endpoint: `${p.namespace}/${p.name}` })),
        ...(f.family === 4 ? OUTSIDE_V4 : OUTSIDE_V6).map((ip) => ({ ip })),
      ];
      // The host only as a destination: traffic from the host to a pod leaves through OUTPUT,
      // which Felix does not police for workloads.
      const dsts = cluster.hostEndpoint ? [...ends, { ip: f.family === 4 ? HOST_V4 : HOST_V6 }] : ends;
      const src = ends[f.src % ends.length]!;
      const dst = dsts[f.dst % dsts.length]!;
      if (src === dst) return undefined;
      const base = { family: f.family, src, dst };
      if (f.proto === "icmp") {
        const icmpType = f.family === 4 ? (f.icmpType === 128 ? 8 : f.icmpType) : f.icmpType === 0 ? 129 : 128;
        return { ...base, protocol: f.family === 4 ? 1 : 58, icmpType, icmpCode: 0 };
      }
      return { ...base, protocol: f.proto === "tcp" ? 6 : f.proto === "udp" ? 17 : 132, srcPort: f.sport, dstPort: f.dport };
    });
  return fc.array(flow, { minLength: Math.min(20, max), maxLength: max }).map((fs) => fs.filter((f): f is Flow => f !== undefined));
}
