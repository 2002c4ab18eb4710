/**
 * Arbitraries for what policies select: pods, Calico v3 WorkloadEndpoints with explicit profiles,
 * calicoctl v1 workload endpoints, service accounts and the node's host endpoint.
 *
 * Endpoints share one address space (endpoint i has 10.0.0.(i+1) and maybe fd00::(i+1)), and
 * named ports with the same name carry different numbers on different endpoints (named ports
 * resolve per endpoint).
 */
import fc from "fast-check";
import { DEFAULT_ALLOW_PROFILE } from "../../src/calico/index.js";
import {
  compact,
  FUZZ_NODE,
  HOST_V4,
  HOST_V6,
  labelsArb,
  MISSING_PROFILE,
  NAMESPACES,
  optional,
  PORT_NAMES,
  REMOTE_NODE,
  SA_ROLES,
  SERVICE_ACCOUNTS,
  V1_PROFILES,
  V3_PROFILES,
} from "./vocabulary.js";

export type EndpointKind = "pod" | "wep" | "v1wep";

/** A workload endpoint of the cluster, as flows address it. */
export interface RandomEndpoint {
  readonly kind: EndpointKind;
  /** The evaluator's id (`<ns>/<name>`, or `<orchestrator>/<workload>/<name>` for v1). */
  readonly id: string;
  readonly node: string;
  readonly ipv4: string;
  readonly ipv6?: string;
  /** The resource document. */
  readonly resource: object;
}

interface NamedPort {
  readonly name: string;
  readonly port: number;
  readonly protocol: "TCP" | "UDP";
}

/** Each name's possible meanings: `http` is 80 or 85, `web` 8080 or 80, `dns` UDP or TCP 53. */
const PORT_MEANINGS: Readonly<Record<(typeof PORT_NAMES)[number], readonly NamedPort[]>> = {
  http: [{ name: "http", port: 80, protocol: "TCP" }, { name: "http", port: 85, protocol: "TCP" }],
  web: [{ name: "web", port: 8080, protocol: "TCP" }, { name: "web", port: 80, protocol: "TCP" }],
  dns: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns", port: 53, protocol: "TCP" }],
};

const namedPortsArb: fc.Arbitrary<NamedPort[]> = fc
  .subarray([...PORT_NAMES])
  .chain((names) => (names.length === 0 ? fc.constant([]) : fc.tuple(...names.map((n) => fc.constantFrom(...PORT_MEANINGS[n])))));

/**
 * An endpoint's own labels: `app` / `env`, and now and then a label only Calico may set (a
 * `pcns.` / `pcsa.` one, which Calico strips, or the namespace label, which it overwrites).
 */
const ownLabelsArb: fc.Arbitrary<Record<string, string>> = fc
  .tuple(labelsArb, fc.constantFrom<Record<string, string>>({}, {}, {}, {}, { "pcns.team": "x" }, { "projectcalico.org/namespace": "b" }, { "pcsa.role": "ci" }))
  .map(([l, spoof]) => ({ ...l, ...spoof }));

const addresses = (i: number, dual: boolean): { ipv4: string; ipv6?: string } => ({
  ipv4: `10.0.0.${i + 1}`,
  ...(dual ? { ipv6: `fd00::${(i + 1).toString(16)}` } : {}),
});

const common = fc.record({
  labels: ownLabelsArb,
  remote: fc.integer({ min: 0, max: 4 }).map((n) => n === 0),
  dual: fc.boolean(),
  ports: namedPortsArb,
});

/** Pod i: namespace, labels, node, addresses, container ports and service account. */
export const podArb = (i: number): fc.Arbitrary<RandomEndpoint> =>
  fc.record({ c: common, namespace: fc.constantFrom(...NAMESPACES), serviceAccount: optional(fc.constantFrom(...SERVICE_ACCOUNTS)) }).map(({ c, namespace, serviceAccount }) => {
    const name = `p${i}`;
    const a = addresses(i, c.dual);
    const node = c.remote ? REMOTE_NODE : FUZZ_NODE;
    return {
      kind: "pod",
      id: `${namespace}/${name}`,
      node,
      ...a,
      resource: {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name, namespace, labels: c.labels },
        spec: compact({
          nodeName: node,
          serviceAccountName: serviceAccount,
          containers: [{ name: "main", image: "x", ports: c.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) }],
        }),
        status: { podIPs: [{ ip: a.ipv4 }, ...(a.ipv6 !== undefined ? [{ ip: a.ipv6 }] : [])] },
      },
    };
  });

/**
 * Calico v3 WorkloadEndpoint i, with explicit profiles in a random order: Profiles (defined or
 * not), the namespace and service-account profiles Calico derives, and the built-in
 * `projectcalico-default-allow`.
 */
export const wepArb = (i: number): fc.Arbitrary<RandomEndpoint> =>
  fc
    .record({
      c: common,
      namespace: fc.constantFrom(...NAMESPACES),
      serviceAccount: optional(fc.constantFrom(...SERVICE_ACCOUNTS)),
      orchestrator: fc.constantFrom(undefined, "k8s", "openstack"),
      profileSa: fc.constantFrom(...SERVICE_ACCOUNTS),
      pick: fc.shuffledSubarray([0, 1, 2, 3, 4, 5], { maxLength: 3 }),
    })
    .map(({ c, namespace, serviceAccount, orchestrator, profileSa, pick }) => {
      const candidates = [...V3_PROFILES, `kns.${namespace}`, `ksa.${namespace}.${profileSa}`, DEFAULT_ALLOW_PROFILE, MISSING_PROFILE];
      const name = `wep${i}`;
      const a = addresses(i, c.dual);
      const node = c.remote ? REMOTE_NODE : FUZZ_NODE;
      return {
        kind: "wep",
        id: `${namespace}/${name}`,
        node,
        ...a,
        resource: {
          apiVersion: "projectcalico.org/v3",
          kind: "WorkloadEndpoint",
          metadata: { name, namespace, labels: c.labels },
          spec: compact({
            node,
            orchestrator,
            workload: `w${i}`,
            endpoint: "eth0",
            interfaceName: `caliwep${i}`,
            ipNetworks: [`${a.ipv4}/32`, ...(a.ipv6 !== undefined ? [`${a.ipv6}/128`] : [])],
            profiles: pick.map((k) => candidates[k]!),
            serviceAccountName: serviceAccount,
            ports: c.ports.length > 0 ? c.ports : undefined,
          }),
        },
      };
    });

/** calicoctl v1 workload endpoint i (Docker's `eth0`), with v1 profiles and lower-case port protocols. */
export const v1WepArb = (i: number): fc.Arbitrary<RandomEndpoint> =>
  fc
    .record({ c: common, pick: fc.shuffledSubarray([0, 1, 2, 3], { maxLength: 2 }), orchestrator: fc.constantFrom("docker", "cni") })
    .map(({ c, pick, orchestrator }) => {
      const candidates = [...V1_PROFILES, MISSING_PROFILE, V3_PROFILES[0]];
      const workload = `w${i}`;
      const a = addresses(i, c.dual);
      const node = c.remote ? REMOTE_NODE : FUZZ_NODE;
      return {
        kind: "v1wep",
        id: `${orchestrator}/${workload}/eth0`,
        node,
        ...a,
        resource: {
          apiVersion: "v1",
          kind: "workloadEndpoint",
          metadata: { name: "eth0", workload, orchestrator, node, labels: c.labels },
          spec: compact({
            interfaceName: `caliv1w${i}`,
            ipNetworks: [`${a.ipv4}/32`, ...(a.ipv6 !== undefined ? [`${a.ipv6}/128`] : [])],
            profiles: pick.map((k) => candidates[k]!),
            ports: c.ports.length > 0 ? c.ports.map((p) => ({ ...p, protocol: p.protocol.toLowerCase() })) : undefined,
          }),
        },
      };
    });

/** ServiceAccount objects: some accounts of some namespaces, with a `role` label or none. */
export const serviceAccountsArb: fc.Arbitrary<object[]> = fc
  .subarray(NAMESPACES.flatMap((ns) => SERVICE_ACCOUNTS.map((sa) => [ns, sa] as const)), { maxLength: 5 })
  .chain((pairs) =>
    pairs.length === 0
      ? fc.constant([])
      : fc.tuple(
          ...pairs.map(([namespace, name]) =>
            optional(fc.constantFrom(...SA_ROLES)).map((role) => ({
              apiVersion: "v1",
              kind: "ServiceAccount",
              metadata: { name, namespace, labels: role !== undefined ? { role } : {} },
            })),
          ),
        ),
  );

/**
 * The node's host endpoint: labels, its addresses, maybe named ports and profiles; in a cluster
 * with v1 resources it may be a calicoctl v1 `hostEndpoint` instead (which has no named ports).
 */
export const hostEndpointArb = (v1: boolean): fc.Arbitrary<object> =>
  fc
    .record({
      v1: v1 ? fc.boolean() : fc.constant(false),
      ports: fc.boolean(),
      profiles: optional(fc.shuffledSubarray([V3_PROFILES[0], DEFAULT_ALLOW_PROFILE, V1_PROFILES[0]], { minLength: 1, maxLength: 2 })),
      // The uplink by name, every interface, or none (bound by address: differential.test.ts
      // gives the node's eth0 the endpoint's addresses).
      iface: fc.constantFrom<string | undefined>("eth0", "*", undefined),
    })
    .map((h) =>
      h.v1
        ? {
            apiVersion: "v1",
            kind: "hostEndpoint",
            metadata: { name: "eth0", node: FUZZ_NODE, labels: { app: "db", role: "host" } },
            spec: compact({ interfaceName: h.iface, expectedIPs: [HOST_V4, HOST_V6], profiles: h.profiles }),
          }
        : {
            apiVersion: "projectcalico.org/v3",
            kind: "HostEndpoint",
            metadata: { name: "node-1-eth0", labels: { app: "db", role: "host" } },
            spec: compact({
              node: FUZZ_NODE,
              interfaceName: h.iface,
              expectedIPs: [HOST_V4, HOST_V6],
              profiles: h.profiles,
              ports: h.ports ? [{ name: "http", protocol: "TCP", port: 8080 }] : undefined,
            }),
          },
    );

const encapModeArb = fc.constantFrom("Never", "Never", "Always", "CrossSubnet");

/**
 * IP pools: none, v3 IPPools (the endpoints' IPv4 range, maybe an IPv6 one, maybe a disabled
 * outside range) with random IPIP and VXLAN modes and natOutgoing, or (with v1 resources) a v1
 * ipPool with random IPIP and NAT outgoing.
 */
export const ipPoolsArb = (v1: boolean): fc.Arbitrary<object[]> =>
  fc
    .record({
      kind: fc.constantFrom(...(["none", "v3", "v3", ...(v1 ? ["v1"] : [])] as const)),
      ipip: encapModeArb,
      vxlan: encapModeArb,
      vxlan6: encapModeArb,
      nat: fc.boolean(),
      v6: fc.boolean(),
      disabled: fc.boolean(),
    })
    .map((p): object[] => {
      if (p.kind === "none") return [];
      if (p.kind === "v1") {
        return [{ apiVersion: "v1", kind: "ipPool", metadata: { cidr: "10.0.0.0/24" }, spec: { "nat-outgoing": p.nat, ipip: { enabled: p.ipip !== "Never", mode: p.ipip === "CrossSubnet" ? "cross-subnet" : "always" } } }];
      }
      const pool = (name: string, spec: object): object => ({ apiVersion: "projectcalico.org/v3", kind: "IPPool", metadata: { name }, spec });
      return [
        pool("pods", { cidr: "10.0.0.0/24", ipipMode: p.ipip, vxlanMode: p.vxlan, natOutgoing: p.nat }),
        ...(p.v6 ? [pool("pods-v6", { cidr: "fd00::/120", vxlanMode: p.vxlan6, natOutgoing: !p.nat })] : []),
        ...(p.disabled ? [pool("no-snat", { cidr: "172.16.0.0/24", disabled: true })] : []),
      ];
    });

/**
 * Nodes Felix knows: Calico v3 Nodes (BGP addresses, maybe VXLAN tunnel addresses) and
 * Kubernetes Nodes (an InternalIP, maybe Calico's annotations), at outside addresses that flows
 * come from, or elsewhere.
 */
export const nodesArb: fc.Arbitrary<object[]> = fc
  .array(
    fc.record({
      calico: fc.boolean(),
      v4: fc.constantFrom("192.168.1.7", "172.16.0.1", "198.51.100.1"),
      v6: optional(fc.constantFrom("2001:db8::1", "2001:db8::99")),
      tunnel: fc.boolean(),
    }),
    { maxLength: 2 },
  )
  .map((nodes) =>
    nodes.map((n, i): object =>
      n.calico
        ? {
            apiVersion: "projectcalico.org/v3",
            kind: "Node",
            metadata: { name: `node-${i + 2}` },
            spec: compact({
              bgp: compact({ ipv4Address: `${n.v4}/24`, ipv6Address: n.v6 !== undefined ? `${n.v6}/64` : undefined }),
              ipv4VXLANTunnelAddr: n.tunnel ? `10.0.${i + 2}.1` : undefined,
              ipv6VXLANTunnelAddr: n.tunnel && n.v6 !== undefined ? `fd00::${i + 2}:1` : undefined,
            }),
          }
        : {
            apiVersion: "v1",
            kind: "Node",
            metadata: compact({
              name: `node-${i + 2}`,
              annotations: n.tunnel ? { "projectcalico.org/IPv4Address": `${n.v4}/24`, "projectcalico.org/IPv4VXLANTunnelAddr": `10.0.${i + 2}.1` } : undefined,
            }),
            status: { addresses: [{ type: "InternalIP", address: n.v4 }] },
          },
    ),
  );

const WORKLOAD_KINDS = [
  { apiVersion: "apps/v1", kind: "Deployment" },
  { apiVersion: "apps/v1", kind: "StatefulSet" },
  { apiVersion: "apps/v1", kind: "DaemonSet" },
  { apiVersion: "apps/v1", kind: "ReplicaSet" },
  { apiVersion: "batch/v1", kind: "Job" },
  { apiVersion: "batch/v1", kind: "CronJob" },
] as const;

/**
 * Workload i from its manifest (a Deployment, StatefulSet, ..., CronJob): a pod template with
 * labels, container ports and a service account, and no address; now and then on the host
 * network (then no endpoint). For the audit commands' property tests: compile never reads it.
 */
export const workloadArb = (i: number): fc.Arbitrary<object> =>
  fc
    .record({
      c: common,
      type: fc.constantFrom(...WORKLOAD_KINDS),
      namespace: fc.constantFrom(...NAMESPACES),
      serviceAccount: optional(fc.constantFrom(...SERVICE_ACCOUNTS)),
      hostNetwork: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    })
    .map(({ c, type, namespace, serviceAccount, hostNetwork }) => {
      const template = {
        metadata: { labels: c.labels },
        spec: compact({
          serviceAccountName: serviceAccount,
          hostNetwork: hostNetwork ? true : undefined,
          containers: [{ name: "main", image: "x", ports: c.ports.map((p) => ({ name: p.name, containerPort: p.port, protocol: p.protocol })) }],
        }),
      };
      const spec = type.kind === "CronJob" ? { schedule: "* * * * *", jobTemplate: { spec: { template } } } : { replicas: 2, template };
      return { apiVersion: type.apiVersion, kind: type.kind, metadata: { name: `w${i}`, namespace }, spec };
    });

/** Up to three workloads, named apart. */
export const workloadsArb: fc.Arbitrary<object[]> = fc
  .integer({ min: 0, max: 3 })
  .chain((n) => (n === 0 ? fc.constant([]) : fc.tuple(...Array.from({ length: n }, (_, i) => workloadArb(i)))));
