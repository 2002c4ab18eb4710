/**
 * Nothing the schema accepts is dropped in silence. Every field of every kind policyc reads (every
 * leaf of its zod schema) is classified here as
 * - `compiled`: setting it to the sample value changes the compiled ruleset;
 * - `ignored`: Felix does not use it for the dataplane either (a reason is given); setting it
 *   changes nothing;
 * - `unsupported`: Felix acts on it, policyc does not yet, and lint reports it (code `unsupported`);
 * - `identity`: it names the resource (apiVersion, kind, metadata.name, ...), covered by the
 *   validation tests;
 * - `audit`: a workload's field (Deployment, ...) that the audit commands read: the ruleset is
 *   unchanged (compile programs pods, not workloads) and the evaluator's endpoints change. A
 *   workload's `ignored` fields change neither.
 * The test walks the schemas, fails on a field that is missing here (or listed but gone), and
 * checks each claim by compiling a small cluster with and without the field.
 */
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { compileModel } from "../src/compiler/compile.js";
import { printIr } from "../src/compiler/ir/print.js";
import { loadModel } from "../src/model/loadModel.js";
import { prepareModel } from "../src/semantics/index.js";
import { compiledKinds } from "../src/model/validate/kinds.js";
import { ruleSchema } from "../src/model/validate/schemas/calicoRule.js";
import { v1RuleSchema } from "../src/model/validate/schemas/calicoV1.js";

type Doc = Record<string, unknown>;

type Entry =
  | { readonly c: "compiled"; readonly set: unknown; readonly with?: Doc; readonly ctx?: readonly Doc[] }
  | { readonly c: "audit"; readonly set: unknown; readonly with?: Doc; readonly ctx?: readonly Doc[] }
  | { readonly c: "ignored"; readonly why: string; readonly set: unknown; readonly with?: Doc; readonly ctx?: readonly Doc[] }
  | { readonly c: "unsupported"; readonly set: unknown; readonly with?: Doc }
  | { readonly c: "identity"; readonly why: string };

const compiled = (set: unknown, extra: { with?: Doc; ctx?: readonly Doc[] } = {}): Entry => ({ c: "compiled", set, ...extra });
const ignored = (why: string, set: unknown, extra: { with?: Doc; ctx?: readonly Doc[] } = {}): Entry => ({ c: "ignored", why, set, ...extra });
const unsupported = (set: unknown, extra: { with?: Doc } = {}): Entry => ({ c: "unsupported", set, ...extra });
const identity = (why: string): Entry => ({ c: "identity", why });
const audit = (set: unknown): Entry => ({ c: "audit", set });

// ---------------------------------------------------------------------------------------------
// Enumerating the schemas' leaves

type Def = { type: string } & Record<string, unknown>;
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Leaf paths of a schema; Calico rules (v3 and v1) are one leaf `<rule>` / `<v1rule>` each. */
function leaves(s: z.ZodType, prefix: string, out: string[]): void {
  if (prefix !== "" && s === ruleSchema) return void out.push(`${prefix}.<rule>`);
  if (prefix !== "" && s === v1RuleSchema) return void out.push(`${prefix}.<v1rule>`);
  const d = defOf(s);
  switch (d.type) {
    case "optional":
    case "default":
    case "nullable":
      return leaves(d.innerType as z.ZodType, prefix, out);
    case "object": {
      const shape = d.shape as Record<string, z.ZodType>;
      for (const k of Object.keys(shape)) leaves(shape[k]!, prefix ? `${prefix}.${k}` : k, out);
      const catchall = d.catchall as z.ZodType | undefined;
      if (catchall && defOf(catchall).type !== "never") out.push(`${prefix}.*`);
      return;
    }
    case "array":
      return leaves(d.element as z.ZodType, `${prefix}[]`, out);
    case "union": {
      const objects = (d.options as z.ZodType[]).filter((o) => defOf(o).type === "object");
      if (objects.length === 0) return void out.push(prefix);
      for (const o of objects) leaves(o, prefix, out);
      return;
    }
    default:
      out.push(prefix);
  }
}

// ---------------------------------------------------------------------------------------------
// The cluster every sample is compiled in: pods a (app=a, named port http) and b, in namespace
// ns, on node-1, and a policy on each that makes their chains reference selectors.

const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns", labels: { team: "x" } } };
const podA = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "a", namespace: "ns", labels: { app: "a" } },
  spec: { nodeName: "node-1", containers: [{ name: "c", ports: [{ name: "http", containerPort: 80 }] }] },
  status: { podIPs: [{ ip: "10.0.0.1" }, { ip: "fd00::1" }] },
};
const podB = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "b", namespace: "ns", labels: { app: "b" } },
  spec: { nodeName: "node-1", containers: [{ name: "c" }] },
  status: { podIPs: [{ ip: "10.0.0.2" }] },
};
/** Makes every selector of interest show in the ruleset: who may reach pods, by label. */
const watcher = {
  apiVersion: "projectcalico.org/v3",
  kind: "GlobalNetworkPolicy",
  metadata: { name: "watch" },
  spec: {
    order: 1,
    selector: "all()",
    ingress: [
      { action: "Pass", source: { selector: "app == 'a' || role == 'probe' || has(tagged)" } },
      { action: "Pass", source: { namespaceSelector: "team == 'x' || env == 'prod'" } },
      { action: "Pass", source: { serviceAccounts: { selector: "tier == 'gold'" } } },
      { action: "Pass", source: { serviceAccounts: { names: ["robot"] } } },
      { action: "Pass", protocol: "TCP", destination: { ports: ["http", "web"] } },
    ],
  },
};
const CLUSTER: readonly Doc[] = [ns, podA, podB, watcher];

// Base documents per kind (`apiVersion/kind`), each valid on its own in the cluster.
const rule = { action: "Allow", protocol: "TCP" };
const BASES: Readonly<Record<string, Doc>> = {
  "v1/Namespace": { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns2" } },
  "v1/Pod": {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "p", namespace: "ns" },
    spec: { nodeName: "node-1", containers: [{ name: "c" }] },
    status: { podIPs: [{ ip: "10.0.0.9" }] },
  },
  "v1/ServiceAccount": { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "default", namespace: "ns" } },
  "networking.k8s.io/v1/NetworkPolicy": {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "k", namespace: "ns" },
    spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"], ingress: [{}], egress: [{}] },
  },
  "discovery.k8s.io/v1/EndpointSlice": {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: "s-1", namespace: "ns", labels: { "kubernetes.io/service-name": "s" } },
    addressType: "IPv4",
    endpoints: [{ addresses: ["10.0.0.5"] }],
    ports: [{ port: 80 }],
  },
  "projectcalico.org/v3/NetworkPolicy": { apiVersion: "projectcalico.org/v3", kind: "NetworkPolicy", metadata: { name: "p", namespace: "ns" }, spec: { selector: "all()", ingress: [rule], egress: [rule] } },
  "projectcalico.org/v3/GlobalNetworkPolicy": { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "g" }, spec: { selector: "all()", ingress: [rule], egress: [rule] } },
  "projectcalico.org/v3/Tier": { apiVersion: "projectcalico.org/v3", kind: "Tier", metadata: { name: "t" }, spec: {} },
  "projectcalico.org/v3/Profile": { apiVersion: "projectcalico.org/v3", kind: "Profile", metadata: { name: "prof" }, spec: {} },
  "projectcalico.org/v3/NetworkSet": { apiVersion: "projectcalico.org/v3", kind: "NetworkSet", metadata: { name: "n", namespace: "ns", labels: { role: "probe" } }, spec: { nets: ["10.5.0.0/16"] } },
  "projectcalico.org/v3/GlobalNetworkSet": { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkSet", metadata: { name: "n", labels: { role: "probe" } }, spec: { nets: ["10.5.0.0/16"] } },
  "projectcalico.org/v3/HostEndpoint": { apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "h" }, spec: { node: "node-1", interfaceName: "eth0", expectedIPs: ["10.0.9.9"] } },
  "projectcalico.org/v3/WorkloadEndpoint": {
    apiVersion: "projectcalico.org/v3",
    kind: "WorkloadEndpoint",
    metadata: { name: "w", namespace: "ns" },
    spec: { node: "node-1", interfaceName: "caliw", ipNetworks: ["10.0.0.7/32"] },
  },
  "projectcalico.org/v3/IPPool": { apiVersion: "projectcalico.org/v3", kind: "IPPool", metadata: { name: "pool" }, spec: { cidr: "10.0.0.0/16" } },
  "projectcalico.org/v3/FelixConfiguration": { apiVersion: "projectcalico.org/v3", kind: "FelixConfiguration", metadata: { name: "default" }, spec: {} },
  "v1/profile": { apiVersion: "v1", kind: "profile", metadata: { name: "v1p" }, spec: { ingress: [{ action: "allow", protocol: "tcp" }], egress: [{ action: "allow", protocol: "tcp" }] } },
  "v1/policy": { apiVersion: "v1", kind: "policy", metadata: { name: "v1pol" }, spec: { selector: "all()", ingress: [{ action: "allow", protocol: "tcp" }], egress: [{ action: "allow", protocol: "tcp" }] } },
  "v1/workloadEndpoint": {
    apiVersion: "v1",
    kind: "workloadEndpoint",
    metadata: { name: "eth0", node: "node-1", workload: "c1", orchestrator: "libnetwork" },
    spec: { interfaceName: "caliv1", ipNetworks: ["10.0.0.8/32"], profiles: ["v1p"] },
  },
  "v1/hostEndpoint": { apiVersion: "v1", kind: "hostEndpoint", metadata: { name: "h1", node: "node-1" }, spec: { interfaceName: "eth0", expectedIPs: ["10.0.9.8"] } },
  "v1/ipPool": { apiVersion: "v1", kind: "ipPool", metadata: { cidr: "10.0.0.0/16" }, spec: {} },
  "projectcalico.org/v3/Node": { apiVersion: "projectcalico.org/v3", kind: "Node", metadata: { name: "node-2" }, spec: { bgp: { ipv4Address: "10.9.0.2/24", ipv6Address: "fd09::2/64" } } },
  "v1/Node": { apiVersion: "v1", kind: "Node", metadata: { name: "node-2" }, status: { addresses: [{ type: "InternalIP", address: "10.9.0.2" }] } },
  ...Object.fromEntries(
    (["apps/v1/Deployment", "apps/v1/StatefulSet", "apps/v1/DaemonSet", "apps/v1/ReplicaSet", "batch/v1/Job", "batch/v1/CronJob"] as const).map((key) => {
      const cut = key.lastIndexOf("/");
      const template = { metadata: { labels: { app: "w" } }, spec: { containers: [{ name: "c" }] } };
      const spec = key.endsWith("CronJob") ? { schedule: "* * * * *", jobTemplate: { spec: { template } } } : { template };
      return [key, { apiVersion: key.slice(0, cut), kind: key.slice(cut + 1), metadata: { name: "w", namespace: "ns" }, spec }];
    }),
  ),
  "policy.networking.k8s.io/v1alpha2/ClusterNetworkPolicy": {
    apiVersion: "policy.networking.k8s.io/v1alpha2",
    kind: "ClusterNetworkPolicy",
    metadata: { name: "c" },
    spec: { tier: "Admin", priority: 10, subject: { namespaces: {} }, ingress: [{ action: "Deny", from: [{ namespaces: {} }] }], egress: [{ action: "Deny", to: [{ namespaces: {} }] }] },
  },
  "policy.networking.k8s.io/v1alpha1/AdminNetworkPolicy": {
    apiVersion: "policy.networking.k8s.io/v1alpha1",
    kind: "AdminNetworkPolicy",
    metadata: { name: "a" },
    spec: { priority: 10, subject: { namespaces: {} }, ingress: [{ action: "Deny", from: [{ namespaces: {} }] }], egress: [{ action: "Deny", to: [{ namespaces: {} }] }] },
  },
  "policy.networking.k8s.io/v1alpha1/BaselineAdminNetworkPolicy": {
    apiVersion: "policy.networking.k8s.io/v1alpha1",
    kind: "BaselineAdminNetworkPolicy",
    metadata: { name: "default" },
    spec: { subject: { namespaces: {} }, ingress: [{ action: "Deny", from: [{ namespaces: {} }] }], egress: [{ action: "Deny", to: [{ namespaces: {} }] }] },
  },
};
/** A Calico Node whose BGP spec has no address (but is not empty): Felix falls back to the address list. */
const noBgpAddress: Doc = { spec: { bgp: { asNumber: 64512, ipv4Address: "", ipv6Address: "" } } };

/** A host endpoint of node-1, for the policy flags that only host endpoints use. */
const HEP = BASES["projectcalico.org/v3/HostEndpoint"]!;
const PRE_DNAT = { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "pre" }, spec: { selector: "all()", preDNAT: true, applyOnForward: true, ingress: [rule] } };
/** The v1 profile that v1 workload endpoints reference, added when a v1 endpoint is under test. */
const v1Profile = BASES["v1/profile"]!;

// ---------------------------------------------------------------------------------------------
// The classification

const SERVER_FIELDS = ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "generateName", "ownerReferences", "finalizers", "managedFields", "selfLink"];
const server = Object.fromEntries(
  SERVER_FIELDS.map((f): [string, Entry] => [`metadata.${f}`, ignored("set by the API server; Felix never sees it", f === "deletionTimestamp" ? "2026-01-01T00:00:00Z" : f.endsWith("s") || f === "ownerReferences" ? [] : "x")]),
);
const meta = (labels: Entry, annotations: Entry = ignored("annotations carry no policy meaning", { a: "b" })): Record<string, Entry> => ({
  apiVersion: identity("selects the kind"),
  kind: identity("selects the kind"),
  "metadata.name": identity("names the resource"),
  "metadata.namespace": identity("scopes the resource"),
  "metadata.labels": labels,
  "metadata.annotations": annotations,
  ...server,
});
const policyLabels = ignored("a policy's own labels select nothing", { x: "y" });

/** Rule fields (v3), checked in a GlobalNetworkPolicy's ingress[0] (`{action: Allow, protocol: TCP}`). */
const RULE: Record<string, Entry> = {
  action: compiled("Deny"),
  ipVersion: compiled(6),
  protocol: compiled("UDP"),
  // With a protocol, a notProtocol naming another one is redundant (and folded away).
  notProtocol: compiled("UDP", { with: { protocol: null } }),
  "icmp.type": compiled(8, { with: { protocol: "ICMP" } }),
  "icmp.code": compiled(0, { with: { protocol: "ICMP", icmp: { type: 8 } } }),
  "notICMP.type": compiled(8, { with: { protocol: "ICMP" } }),
  "notICMP.code": compiled(0, { with: { protocol: "ICMP", notICMP: { type: 8 } } }),
  "source.nets[]": compiled({ source: { nets: ["10.1.0.0/16"] } }),
  "source.notNets[]": compiled({ source: { notNets: ["10.1.0.0/16"] } }),
  "source.selector": compiled({ source: { selector: "app == 'b'" } }),
  "source.notSelector": compiled({ source: { notSelector: "app == 'b'" } }),
  "source.namespaceSelector": compiled({ source: { namespaceSelector: "team == 'y'" } }),
  "source.serviceAccounts.names[]": compiled({ source: { serviceAccounts: { names: ["robot"] } } }),
  "source.serviceAccounts.selector": compiled({ source: { serviceAccounts: { selector: "tier == 'gold'" } } }),
  "source.ports[]": compiled({ source: { ports: [1234] } }),
  "source.notPorts[]": compiled({ source: { notPorts: [1234] } }),
  "source.services.name": compiled({ source: { services: { name: "s", namespace: "ns" } } }),
  "source.services.namespace": compiled({ source: { services: { name: "s", namespace: "ns" } } }),
  "destination.nets[]": compiled({ destination: { nets: ["10.1.0.0/16"] } }),
  "destination.notNets[]": compiled({ destination: { notNets: ["10.1.0.0/16"] } }),
  "destination.selector": compiled({ destination: { selector: "app == 'b'" } }),
  "destination.notSelector": compiled({ destination: { notSelector: "app == 'b'" } }),
  "destination.namespaceSelector": compiled({ destination: { namespaceSelector: "team == 'y'" } }),
  "destination.serviceAccounts.names[]": compiled({ destination: { serviceAccounts: { names: ["robot"] } } }),
  "destination.serviceAccounts.selector": compiled({ destination: { serviceAccounts: { selector: "tier == 'gold'" } } }),
  "destination.ports[]": compiled({ destination: { ports: [1234] } }),
  "destination.notPorts[]": compiled({ destination: { notPorts: [1234] } }),
  // Services belong in the destination of egress rules; checked with an egress rule below.
  "destination.services.name": compiled({ destination: { services: { name: "s", namespace: "ns" } } }),
  "destination.services.namespace": compiled({ destination: { services: { name: "s", namespace: "ns" } } }),
  "http.methods[]": ignored("Felix's iptables and nftables rules ignore HTTP matches (felix/rules/policy.go)", { http: { methods: ["GET"] } }),
  "http.paths[].exact": ignored("as http.methods", { http: { paths: [{ exact: "/a" }] } }),
  "http.paths[].prefix": ignored("as http.methods", { http: { paths: [{ prefix: "/a" }] } }),
  "metadata.annotations": ignored("rule annotations are comments", { metadata: { annotations: { a: "b" } } }),
};

/** v1 rule fields, checked in a v1 policy's ingress[0] (`{action: allow, protocol: tcp}`). */
const V1RULE: Record<string, Entry> = {
  action: compiled("deny"),
  ipVersion: compiled(6),
  protocol: compiled("udp"),
  notProtocol: compiled("udp", { with: { protocol: null } }),
  "icmp.type": compiled(8, { with: { protocol: "icmp" } }),
  "icmp.code": compiled(0, { with: { protocol: "icmp", icmp: { type: 8 } } }),
  "notICMP.type": compiled(8, { with: { protocol: "icmp" } }),
  "notICMP.code": compiled(0, { with: { protocol: "icmp", notICMP: { type: 8 } } }),
  ...Object.fromEntries(
    (["source", "destination"] as const).flatMap((side) => [
      [`${side}.tag`, compiled({ [side]: { tag: "tagged" } })],
      // Every pod has the label (tag) `app`; nothing is tagged `tagged`.
      [`${side}.notTag`, compiled({ [side]: { notTag: "app" } })],
      [`${side}.net`, compiled({ [side]: { net: "10.1.0.0/16" } })],
      [`${side}.nets[]`, compiled({ [side]: { nets: ["10.1.0.0/16"] } })],
      [`${side}.notNet`, compiled({ [side]: { notNet: "10.1.0.0/16" } })],
      [`${side}.notNets[]`, compiled({ [side]: { notNets: ["10.1.0.0/16"] } })],
      [`${side}.selector`, compiled({ [side]: { selector: "app == 'b'" } })],
      [`${side}.notSelector`, compiled({ [side]: { notSelector: "app == 'b'" } })],
      [`${side}.ports[]`, compiled({ [side]: { ports: [1234] } })],
      [`${side}.notPorts[]`, compiled({ [side]: { notPorts: [1234] } })],
    ]),
  ),
};

const endpointPorts = (prefix: string): Record<string, Entry> => ({
  [`${prefix}[].name`]: compiled([{ name: "web", protocol: "TCP", port: 81 }]),
  [`${prefix}[].protocol`]: compiled([{ name: "web", protocol: "TCP", port: 81 }]),
  [`${prefix}[].port`]: compiled([{ name: "web", protocol: "TCP", port: 81 }]),
});

const k8sPeerFields = (dir: "ingress" | "egress", key: "from" | "to"): Record<string, Entry> => {
  const at = `spec.${dir}[].${key}[]`;
  const peer = (p: Doc): Entry => compiled([{ [key]: [p] }]);
  const port = (p: Doc): Entry => compiled([{ ports: [p] }]);
  return {
    [`${at}.podSelector.matchLabels`]: peer({ podSelector: { matchLabels: { app: "b" } } }),
    [`${at}.podSelector.matchExpressions[].key`]: peer({ podSelector: { matchExpressions: [{ key: "app", operator: "Exists" }] } }),
    [`${at}.podSelector.matchExpressions[].operator`]: peer({ podSelector: { matchExpressions: [{ key: "app", operator: "DoesNotExist" }] } }),
    [`${at}.podSelector.matchExpressions[].values[]`]: peer({ podSelector: { matchExpressions: [{ key: "app", operator: "In", values: ["b"] }] } }),
    [`${at}.namespaceSelector.matchLabels`]: peer({ namespaceSelector: { matchLabels: { team: "y" } } }),
    [`${at}.namespaceSelector.matchExpressions[].key`]: peer({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "Exists" }] } }),
    [`${at}.namespaceSelector.matchExpressions[].operator`]: peer({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "DoesNotExist" }] } }),
    [`${at}.namespaceSelector.matchExpressions[].values[]`]: peer({ namespaceSelector: { matchExpressions: [{ key: "team", operator: "In", values: ["y"] }] } }),
    [`${at}.ipBlock.cidr`]: peer({ ipBlock: { cidr: "10.1.0.0/16" } }),
    [`${at}.ipBlock.except[]`]: peer({ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } }),
    [`spec.${dir}[].ports[].protocol`]: port({ protocol: "UDP" }),
    [`spec.${dir}[].ports[].port`]: port({ port: 80 }),
    [`spec.${dir}[].ports[].endPort`]: port({ port: 80, endPort: 90 }),
  };
};

/**
 * The four leaves of a Kubernetes LabelSelector at `prefix`, each given by `sample(selector)`:
 * samples that select fewer of the cluster's pods (key `app`) or namespaces (key `team`).
 */
const labelSelectorFields = (prefix: string, sample: (sel: Doc) => Entry, key = "app"): Record<string, Entry> => ({
  [`${prefix}.matchLabels`]: sample({ matchLabels: { [key]: "b" } }),
  [`${prefix}.matchExpressions[].key`]: sample({ matchExpressions: [{ key: "role", operator: "Exists" }] }),
  [`${prefix}.matchExpressions[].operator`]: sample({ matchExpressions: [{ key, operator: "DoesNotExist" }] }),
  [`${prefix}.matchExpressions[].values[]`]: sample({ matchExpressions: [{ key, operator: "In", values: ["b"] }] }),
});

/**
 * The fields of a cluster-scoped policy kind: `v2` for ClusterNetworkPolicy's `protocols`,
 * otherwise v1alpha1's `ports`; `domainNames` where the kind has them; `allow` is the kind's
 * accepting action.
 */
function clusterPolicyFields(v2: boolean, domainNames: boolean, allow: string): Record<string, Entry> {
  const pods = v2 ? { podSelector: {} } : { namespaceSelector: {}, podSelector: {} };
  const subjectPods = { with: { spec: { subject: { namespaces: null, pods } } } };
  const out: Record<string, Entry> = {
    ...meta(ignored("a policy's own labels select nothing", { x: "y" })),
    ...labelSelectorFields("spec.subject.namespaces", (sel) => compiled(sel.matchLabels ?? sel.matchExpressions), "team"),
    ...labelSelectorFields("spec.subject.pods.namespaceSelector", (sel) => compiled(sel.matchLabels ?? sel.matchExpressions, subjectPods), "team"),
    ...labelSelectorFields("spec.subject.pods.podSelector", (sel) => compiled(sel.matchLabels ?? sel.matchExpressions, subjectPods)),
    status: ignored("the status is the implementation's report", {}),
  };
  for (const [dir, key] of [["ingress", "from"], ["egress", "to"]] as const) {
    const rules = (r: Doc): Entry => compiled([{ action: "Deny", [key]: [{ namespaces: {} }], ...r }]);
    const peer = (p: Doc): Entry => rules({ [key]: [p] });
    const at = `spec.${dir}[]`;
    out[`${at}.name`] = ignored("Calico keeps a rule's name as an annotation, which renders as nothing", [{ action: "Deny", [key]: [{ namespaces: {} }], name: "r" }]);
    out[`${at}.action`] = rules({ action: allow });
    Object.assign(
      out,
      labelSelectorFields(`${at}.${key}[].namespaces`, (sel) => peer({ namespaces: sel })),
      labelSelectorFields(`${at}.${key}[].pods.namespaceSelector`, (sel) => peer({ pods: { ...pods, namespaceSelector: sel } })),
      labelSelectorFields(`${at}.${key}[].pods.podSelector`, (sel) => peer({ pods: { ...pods, podSelector: sel } })),
    );
    if (dir === "egress") {
      // Calico does not convert a nodes or domainNames peer: the Deny rule becomes "deny everything".
      Object.assign(out, labelSelectorFields(`${at}.to[].nodes`, (sel) => peer({ nodes: sel })));
      out[`${at}.to[].networks[]`] = peer({ networks: ["10.1.0.0/16"] });
      if (domainNames) out[`${at}.to[].domainNames[]`] = peer({ domainNames: ["example.com"] });
    }
    if (v2) {
      for (const proto of ["tcp", "udp", "sctp"]) {
        out[`${at}.protocols[].${proto}.destinationPort.number`] = rules({ protocols: [{ [proto]: { destinationPort: { number: 80 } } }] });
        out[`${at}.protocols[].${proto}.destinationPort.range.start`] = rules({ protocols: [{ [proto]: { destinationPort: { range: { start: 80, end: 90 } } } }] });
        out[`${at}.protocols[].${proto}.destinationPort.range.end`] = rules({ protocols: [{ [proto]: { destinationPort: { range: { start: 80, end: 90 } } } }] });
      }
      out[`${at}.protocols[].destinationNamedPort`] = rules({ protocols: [{ destinationNamedPort: "http" }] });
    } else {
      out[`${at}.ports[].portNumber.protocol`] = rules({ ports: [{ portNumber: { protocol: "UDP", port: 80 } }] });
      out[`${at}.ports[].portNumber.port`] = rules({ ports: [{ portNumber: { port: 80 } }] });
      out[`${at}.ports[].portRange.protocol`] = rules({ ports: [{ portRange: { protocol: "UDP", start: 80, end: 90 } }] });
      out[`${at}.ports[].portRange.start`] = rules({ ports: [{ portRange: { start: 80, end: 90 } }] });
      out[`${at}.ports[].portRange.end`] = rules({ ports: [{ portRange: { start: 80, end: 90 } }] });
      // Calico v3.31 does not convert namedPort: the rule matches every port; so with a port
      // number beside it the ruleset changes.
      const port80 = { action: "Deny", [key]: [{ namespaces: {} }], ports: [{ portNumber: { port: 80 } }] };
      out[`${at}.ports[].namedPort`] = compiled([{ ...port80, ports: [{ portNumber: { port: 80 } }, { namedPort: "http" }] }], { with: { spec: { [dir]: [port80] } } });
    }
  }
  return out;
}

/**
 * The fields of a workload kind whose pod template is at `template`; `loose` are the objects
 * above it whose other fields (replicas, selector, schedule, ...) say how many pods run and when.
 */
function workloadFields(template: string, loose: readonly string[]): Record<string, Entry> {
  const containers = `${template}.spec.containers`;
  const port = (p: Doc): Entry => audit([{ name: "c", ports: [{ name: "web", containerPort: 81, ...p }] }]);
  return {
    ...meta(ignored("a workload's own labels select nothing: its pods carry the template's", { x: "y" })),
    ".*": ignored("the status is the controller's report", { status: { replicas: 1 } }),
    ...Object.fromEntries(loose.map((path) => [`${path}.*`, ignored("replicas, selector, schedule, strategy: how many pods run and when, not what they may reach", { x: 1 })])),
    [`${template}.*`]: ignored("a pod template has nothing else", { x: 1 }),
    [`${template}.metadata.labels`]: audit({ app: "other" }),
    [`${template}.metadata.*`]: ignored("the template's annotations are not labels", { annotations: { a: "b" } }),
    [`${template}.spec.serviceAccountName`]: audit("robot"),
    [`${template}.spec.serviceAccount`]: audit("robot"),
    [`${template}.spec.hostNetwork`]: audit(true),
    [`${template}.spec.*`]: ignored("the rest of the pod spec is not policy", { restartPolicy: "Never" }),
    [`${containers}[].name`]: ignored("container names are not endpoint data", [{ name: "other" }]),
    [`${containers}[].ports[].name`]: port({}),
    [`${containers}[].ports[].containerPort`]: port({ containerPort: 82 }),
    [`${containers}[].ports[].protocol`]: port({ protocol: "UDP" }),
    [`${containers}[].ports[].*`]: ignored("hostPort, hostIP: kube-proxy's and the CNI's, not policy", [{ name: "c", ports: [{ containerPort: 81, hostPort: 8081 }] }]),
    [`${containers}[].*`]: ignored("images, commands, resources: not policy", [{ name: "c", image: "nginx" }]),
  };
}

/** A second admin policy, so that a priority change reorders the tier. */
const otherAdmin = (v2: boolean): Doc =>
  v2
    ? { apiVersion: "policy.networking.k8s.io/v1alpha2", kind: "ClusterNetworkPolicy", metadata: { name: "other" }, spec: { tier: "Admin", priority: 7, subject: { namespaces: {} }, ingress: [{ action: "Pass", from: [{ namespaces: {} }] }] } }
    : { apiVersion: "policy.networking.k8s.io/v1alpha1", kind: "AdminNetworkPolicy", metadata: { name: "other" }, spec: { priority: 7, subject: { namespaces: {} }, ingress: [{ action: "Pass", from: [{ namespaces: {} }] }] } };

const COVERAGE: Readonly<Record<string, Record<string, Entry>>> = {
  "policy.networking.k8s.io/v1alpha2/ClusterNetworkPolicy": {
    ...clusterPolicyFields(true, true, "Accept"),
    "spec.tier": compiled("Baseline"),
    "spec.priority": compiled(5, { ctx: [otherAdmin(true)] }),
  },
  "policy.networking.k8s.io/v1alpha1/AdminNetworkPolicy": { ...clusterPolicyFields(false, true, "Allow"), "spec.priority": compiled(5, { ctx: [otherAdmin(false)] }) },
  "policy.networking.k8s.io/v1alpha1/BaselineAdminNetworkPolicy": clusterPolicyFields(false, false, "Allow"),
  "v1/Namespace": {
    ...meta(compiled({ env: "prod" }, { ctx: [{ ...podB, metadata: { name: "in-ns2", namespace: "ns2" }, status: { podIPs: [{ ip: "10.0.0.3" }] } }] })),
    ".*": ignored("spec and status of a Namespace carry no policy", { phase: "Active" }),
  },
  "v1/Pod": {
    ...meta(compiled({ app: "a" }), compiled({ "cni.projectcalico.org/podIP": "" }, { with: { metadata: { name: "p", namespace: "ns", deletionTimestamp: "2026-01-01T00:00:00Z" } } })),
    "metadata.deletionTimestamp": compiled("2026-01-01T00:00:00Z", { with: { metadata: { name: "p", namespace: "ns", annotations: { "cni.projectcalico.org/podIP": "" } } } }),
    "spec.nodeName": compiled("node-2"),
    "spec.serviceAccountName": compiled("robot"),
    "spec.serviceAccount": compiled("robot"),
    "spec.hostNetwork": compiled(true),
    "spec.containers[].name": ignored("container names are not endpoint data", [{ name: "other" }]),
    "spec.containers[].ports[].name": compiled([{ name: "c", ports: [{ name: "web", containerPort: 81 }] }]),
    "spec.containers[].ports[].containerPort": compiled([{ name: "c", ports: [{ name: "web", containerPort: 81 }] }]),
    "spec.containers[].ports[].protocol": compiled([{ name: "c", ports: [{ name: "web", containerPort: 81, protocol: "TCP" }] }]),
    "spec.containers[].ports[].*": ignored("hostPort, hostIP: kube-proxy's and the CNI's, not policy", [{ name: "c", ports: [{ containerPort: 81, hostPort: 8081 }] }]),
    "spec.containers[].*": ignored("images, commands, resources: not policy", [{ name: "c", image: "nginx" }]),
    "spec.*": ignored("the rest of the pod spec is not policy", { nodeName: "node-1", containers: [{ name: "c" }], restartPolicy: "Never" }),
    "status.phase": compiled("Succeeded"),
    "status.podIP": compiled("10.0.0.9", { with: { status: { podIPs: null } } }),
    "status.podIPs[].ip": compiled([{ ip: "10.0.0.10" }]),
    "status.podIPs[].*": ignored("nothing else is in a PodIP", [{ ip: "10.0.0.9" }]),
    "status.*": ignored("conditions and container statuses are not policy", { podIPs: [{ ip: "10.0.0.9" }], qosClass: "BestEffort" }),
    ".*": ignored("no other top-level field matters", "x"),
  },
  "v1/ServiceAccount": {
    ...meta(compiled({ tier: "gold" })),
    ".*": ignored("secrets and image pull secrets are not policy", []),
  },
  "networking.k8s.io/v1/NetworkPolicy": {
    ...meta(policyLabels),
    "spec.podSelector.matchLabels": compiled({ app: "a" }),
    "spec.podSelector.matchExpressions[].key": compiled([{ key: "role", operator: "Exists" }]),
    "spec.podSelector.matchExpressions[].operator": compiled([{ key: "app", operator: "DoesNotExist" }]),
    "spec.podSelector.matchExpressions[].values[]": compiled([{ key: "app", operator: "In", values: ["a"] }]),
    "spec.policyTypes[]": compiled(["Ingress"]),
    ...k8sPeerFields("ingress", "from"),
    ...k8sPeerFields("egress", "to"),
    status: ignored("the status is the API server's", {}),
  },
  "discovery.k8s.io/v1/EndpointSlice": {
    ...meta(compiled({ "kubernetes.io/service-name": "s" }, { with: { metadata: { labels: { "kubernetes.io/service-name": "other" } } } })),
    addressType: ignored("Felix reads the addresses themselves (felix/serviceindex/serviceindex.go)", "IPv4"),
    "endpoints[].addresses[]": compiled([{ addresses: ["10.0.0.6"] }]),
    "endpoints[].*": ignored("Felix counts every endpoint of a slice, whatever its conditions", [{ addresses: ["10.0.0.5"], conditions: { ready: false } }]),
    "ports[].name": ignored("a slice port's name is not matched", [{ name: "x", port: 80 }]),
    "ports[].port": compiled([{ port: 81 }]),
    "ports[].protocol": compiled([{ port: 80, protocol: "UDP" }]),
    "ports[].*": ignored("appProtocol is not matched", [{ port: 80, appProtocol: "http" }]),
    ".*": ignored("no other top-level field matters", "x"),
  },
  "projectcalico.org/v3/NetworkPolicy": {
    ...meta(policyLabels),
    "spec.tier": compiled("t", { ctx: [BASES["projectcalico.org/v3/Tier"]!] }),
    "spec.order": compiled(0.5),
    "spec.selector": compiled("app == 'a'"),
    "spec.serviceAccountSelector": compiled("tier == 'gold'"),
    "spec.types[]": compiled(["Egress"]),
    "spec.ingress[].<rule>": compiled([]),
    "spec.egress[].<rule>": compiled([]),
    "spec.performanceHints[]": ignored("a hint for Felix's calculation graph, not for the ruleset", ["AssumeNeededOnEveryNode"]),
  },
  "projectcalico.org/v3/GlobalNetworkPolicy": {
    ...meta(policyLabels),
    "spec.tier": compiled("t", { ctx: [BASES["projectcalico.org/v3/Tier"]!] }),
    "spec.order": compiled(0.5),
    "spec.selector": compiled("app == 'a'"),
    "spec.serviceAccountSelector": compiled("tier == 'gold'"),
    "spec.namespaceSelector": compiled("team == 'y'"),
    "spec.types[]": compiled(["Egress"]),
    "spec.ingress[].<rule>": compiled([]),
    "spec.egress[].<rule>": compiled([]),
    "spec.performanceHints[]": ignored("a hint for Felix's calculation graph, not for the ruleset", ["AssumeNeededOnEveryNode"]),
    "spec.doNotTrack": compiled(true, { with: { spec: { selector: "all()", applyOnForward: true, types: ["Ingress"], ingress: [rule], egress: [] } }, ctx: [HEP] }),
    "spec.preDNAT": compiled(true, { with: { spec: { selector: "all()", applyOnForward: true, types: ["Ingress"], ingress: [rule], egress: [] } }, ctx: [HEP] }),
    "spec.applyOnForward": compiled(true, { ctx: [HEP] }),
  },
  "projectcalico.org/v3/Tier": {
    ...meta(ignored("a tier's labels select nothing", { x: "y" })),
    "spec.order": compiled(1, { ctx: [{ ...BASES["projectcalico.org/v3/GlobalNetworkPolicy"]!, metadata: { name: "t.g" }, spec: { tier: "t", selector: "all()", ingress: [rule] } }] }),
    "spec.defaultAction": compiled("Pass", { ctx: [{ ...BASES["projectcalico.org/v3/GlobalNetworkPolicy"]!, metadata: { name: "t.g" }, spec: { tier: "t", selector: "all()", ingress: [rule] } }] }),
  },
  "projectcalico.org/v3/Profile": {
    ...meta(ignored("a profile's own metadata labels select nothing (labelsToApply do)", { x: "y" })),
    "spec.ingress[].<rule>": compiled([{ action: "Deny" }]),
    "spec.egress[].<rule>": compiled([{ action: "Deny" }]),
    "spec.labelsToApply": compiled({ role: "probe" }),
  },
  "projectcalico.org/v3/NetworkSet": { ...meta(compiled({ role: "other" })), "spec.nets[]": compiled(["10.9.0.0/16"]) },
  "projectcalico.org/v3/GlobalNetworkSet": { ...meta(compiled({ role: "other" })), "spec.nets[]": compiled(["10.9.0.0/16"]) },
  "projectcalico.org/v3/HostEndpoint": {
    ...meta(compiled({ tagged: "x" })),
    "spec.node": compiled("node-2"),
    "spec.interfaceName": compiled("eth1"),
    "spec.expectedIPs[]": compiled(["10.0.9.1"], { with: { metadata: { labels: { role: "probe" } } } }),
    "spec.profiles[]": compiled(["p"]),
    ...endpointPorts("spec.ports"),
    "spec.ports[].hostPort": ignored("the CNI's port mapping, not policy", [{ name: "web", protocol: "TCP", port: 81, hostPort: 1 }], { with: { spec: { node: "node-1", interfaceName: "eth0", ports: [{ name: "web", protocol: "TCP", port: 81 }] } } }),
    "spec.ports[].hostIP": ignored("the CNI's port mapping, not policy", [{ name: "web", protocol: "TCP", port: 81, hostIP: "10.0.0.1" }], { with: { spec: { node: "node-1", interfaceName: "eth0", ports: [{ name: "web", protocol: "TCP", port: 81 }] } } }),
  },
  "projectcalico.org/v3/WorkloadEndpoint": {
    ...meta(compiled({ role: "probe" })),
    "spec.node": compiled("node-2"),
    "spec.orchestrator": compiled("k8s", { ctx: [{ apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "all", namespace: "ns" }, spec: { podSelector: {} } }] }),
    "spec.workload": ignored("part of the endpoint's identity, not of its policy", "wl"),
    "spec.pod": ignored("part of the endpoint's identity, not of its policy", "pod"),
    "spec.endpoint": ignored("part of the endpoint's identity, not of its policy", "eth0"),
    "spec.containerID": ignored("part of the endpoint's identity, not of its policy", "1337"),
    "spec.interfaceName": compiled("caliother"),
    "spec.mac": ignored("Felix's MAC filtering is not policy", "ee:ee:ee:ee:ee:ee"),
    // Felix's endpoint chains hold no address; the address shows where a selector matches.
    "spec.ipNetworks[]": compiled(["10.0.0.17/32"], { with: { metadata: { labels: { role: "probe" } } } }),
    "spec.ipNATs": ignored("floating IPs are DNAT, which policyc does not program (and no policy refers to)", []),
    "spec.ipv4Gateway": ignored("routing, not policy", "169.254.1.1"),
    "spec.ipv6Gateway": ignored("routing, not policy", "fe80::1"),
    "spec.profiles[]": compiled(["kns.ns"]),
    "spec.serviceAccountName": compiled("robot"),
    ...endpointPorts("spec.ports"),
    "spec.ports[].hostPort": ignored("the CNI's port mapping, not policy", [{ name: "web", protocol: "TCP", port: 81, hostPort: 8081 }], { with: { spec: { node: "node-1", interfaceName: "caliw", ipNetworks: ["10.0.0.7/32"], ports: [{ name: "web", protocol: "TCP", port: 81 }] } } }),
    "spec.ports[].hostIP": ignored("the CNI's port mapping, not policy", [{ name: "web", protocol: "TCP", port: 81, hostIP: "10.0.0.1" }], { with: { spec: { node: "node-1", interfaceName: "caliw", ipNetworks: ["10.0.0.7/32"], ports: [{ name: "web", protocol: "TCP", port: 81 }] } } }),
    "spec.allowSpoofedSourcePrefixes[]": unsupported(["10.9.0.0/16"]),
  },
  "projectcalico.org/v3/IPPool": {
    ...meta(ignored("a pool's labels select nothing", { x: "y" })),
    "spec.cidr": compiled("10.1.0.0/16"),
    "spec.ipipMode": compiled("Always"),
    "spec.vxlanMode": compiled("Always"),
    "spec.natOutgoing": compiled(true),
    "spec.disabled": ignored("IPAM only: Felix masquerades and encapsulates for a disabled pool as for any other", true),
    "spec.blockSize": ignored("IPAM, not policy", 26),
    "spec.nodeSelector": ignored("IPAM, not policy", "all()"),
    "spec.allowedUses[]": compiled(["LoadBalancer"]),
    "spec.disableBGPExport": ignored("routing, not policy", true),
    "spec.assignmentMode": ignored("IPAM, not policy", "Automatic"),
  },
  "projectcalico.org/v3/FelixConfiguration": {
    ...meta(ignored("a configuration's labels select nothing", { x: "y" })),
    "spec.failsafeInboundHostPorts[].protocol": compiled([{ protocol: "UDP", port: 22 }], { ctx: [HEP] }),
    "spec.failsafeInboundHostPorts[].port": compiled([{ port: 23 }], { ctx: [HEP] }),
    "spec.failsafeInboundHostPorts[].net": compiled([{ port: 22, net: "10.0.0.0/8" }], { ctx: [HEP] }),
    "spec.failsafeOutboundHostPorts[].protocol": compiled([{ protocol: "UDP", port: 22 }], { ctx: [HEP] }),
    "spec.failsafeOutboundHostPorts[].port": compiled([{ port: 23 }], { ctx: [HEP] }),
    "spec.failsafeOutboundHostPorts[].net": compiled([{ port: 22, net: "10.0.0.0/8" }], { ctx: [HEP] }),
    "spec.defaultEndpointToHostAction": compiled("Accept"),
    "spec.iptablesMarkMask": compiled(0xff00),
    "spec.chainInsertMode": compiled("Append"),
    "spec.iptablesFilterAllowAction": compiled("Return"),
    "spec.iptablesMangleAllowAction": compiled("Return", { ctx: [HEP, PRE_DNAT] }),
    "spec.ipipEnabled": compiled(true),
    "spec.vxlanEnabled": compiled(true),
    "spec.vxlanPort": compiled(4790),
    "spec.logPrefix": compiled("fw-%n", {
      ctx: [{ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "log" }, spec: { selector: "all()", ingress: [{ action: "Log" }] } }],
    }),
    "spec.*": unsupported({ bpfEnabled: true }),
  },
  "v1/profile": {
    apiVersion: identity("selects the kind"),
    kind: identity("selects the kind"),
    "metadata.name": compiled("v1q", { ctx: [{ ...BASES["v1/workloadEndpoint"]!, spec: { interfaceName: "caliv1", ipNetworks: ["10.0.0.8/32"], profiles: ["v1p", "v1q"] } }] }),
    "metadata.labels": compiled({ role: "probe" }, { ctx: [BASES["v1/workloadEndpoint"]!] }),
    "metadata.tags[]": compiled(["tagged"], { ctx: [BASES["v1/workloadEndpoint"]!] }),
    "spec.ingress[].<v1rule>": compiled([{ action: "deny" }], { ctx: [BASES["v1/workloadEndpoint"]!] }),
    "spec.egress[].<v1rule>": compiled([{ action: "deny" }], { ctx: [BASES["v1/workloadEndpoint"]!] }),
  },
  "v1/policy": {
    apiVersion: identity("selects the kind"),
    kind: identity("selects the kind"),
    "metadata.name": identity("names the resource"),
    "metadata.tier": compiled("t", { ctx: [BASES["projectcalico.org/v3/Tier"]!] }),
    "metadata.annotations": ignored("annotations carry no policy meaning", { a: "b" }),
    "spec.order": compiled(0.5),
    "spec.selector": compiled("app == 'a'"),
    "spec.types[]": compiled(["egress"]),
    "spec.doNotTrack": compiled(true, { with: { spec: { selector: "all()", applyOnForward: true, ingress: [{ action: "allow", protocol: "tcp" }] } }, ctx: [HEP] }),
    "spec.preDNAT": compiled(true, { with: { spec: { selector: "all()", applyOnForward: true, ingress: [{ action: "allow", protocol: "tcp" }] } }, ctx: [HEP] }),
    "spec.applyOnForward": compiled(true, { ctx: [HEP] }),
    "spec.ingress[].<v1rule>": compiled([]),
    "spec.egress[].<v1rule>": compiled([]),
  },
  "v1/workloadEndpoint": {
    apiVersion: identity("selects the kind"),
    kind: identity("selects the kind"),
    "metadata.name": identity("names the resource"),
    "metadata.workload": identity("names the resource"),
    "metadata.orchestrator": identity("names the resource"),
    "metadata.node": compiled("node-2"),
    "metadata.labels": compiled({ role: "probe" }),
    "metadata.activeInstanceID": ignored("identity, not policy", "abc"),
    "spec.interfaceName": compiled("caliother"),
    "spec.ipNetworks[]": compiled(["10.0.0.18/32"], { with: { metadata: { labels: { role: "probe" } } } }),
    "spec.profiles[]": compiled([]),
    "spec.mac": ignored("Felix's MAC filtering is not policy", "ee:ee:ee:ee:ee:ee"),
    "spec.ipNATs": ignored("floating IPs are DNAT, not policy", []),
    "spec.ipv4Gateway": ignored("routing, not policy", "169.254.1.1"),
    "spec.ipv6Gateway": ignored("routing, not policy", "fe80::1"),
    "spec.ports[].name": compiled([{ name: "web", protocol: "tcp", port: 81 }]),
    "spec.ports[].protocol": compiled([{ name: "web", protocol: "tcp", port: 81 }]),
    "spec.ports[].port": compiled([{ name: "web", protocol: "tcp", port: 81 }]),
  },
  "v1/hostEndpoint": {
    apiVersion: identity("selects the kind"),
    kind: identity("selects the kind"),
    "metadata.name": identity("names the resource"),
    "metadata.node": compiled("node-2"),
    "metadata.labels": compiled({ tagged: "x" }),
    "spec.interfaceName": compiled("eth1"),
    "spec.expectedIPs[]": compiled(["10.0.9.1"], { with: { metadata: { labels: { role: "probe" } } } }),
    "spec.profiles[]": compiled(["p"]),
    "spec.ports[].name": compiled([{ name: "web", protocol: "tcp", port: 81 }]),
    "spec.ports[].protocol": compiled([{ name: "web", protocol: "tcp", port: 81 }]),
    "spec.ports[].port": compiled([{ name: "web", protocol: "tcp", port: 81 }]),
  },
  "v1/ipPool": {
    apiVersion: identity("selects the kind"),
    kind: identity("selects the kind"),
    "metadata.cidr": compiled("10.1.0.0/16"),
    "spec.ipip.enabled": compiled(true),
    "spec.ipip.mode": ignored("cross-subnet or always shapes routes; Felix's rules only ask whether IPIP is on", "cross-subnet", { with: { spec: { ipip: { enabled: true } } } }),
    "spec.nat-outgoing": compiled(true),
    "spec.disabled": ignored("IPAM only: Felix masquerades and encapsulates for a disabled pool as for any other", true),
  },
  "projectcalico.org/v3/Node": {
    ...meta(ignored("a node's labels select host endpoints' nodes, not addresses", { x: "y" })),
    "metadata.name": identity("names the resource"),
    "spec.bgp.ipv4Address": compiled("10.9.0.3/24"),
    "spec.bgp.ipv6Address": compiled("fd09::3/64", { with: { spec: { ipv6VXLANTunnelAddr: "fd00::9" } } }),
    "spec.bgp.asNumber": ignored("BGP routing, not policy", 64512),
    "spec.bgp.ipv4IPIPTunnelAddr": ignored("the tunnel device's own address: routing, not policy", "10.0.0.9"),
    "spec.bgp.routeReflectorClusterID": ignored("BGP routing, not policy", "1.2.3.4"),
    "spec.ipv4VXLANTunnelAddr": compiled("10.0.0.9"),
    "spec.ipv6VXLANTunnelAddr": compiled("fd00::9"),
    "spec.vxlanTunnelMACAddr": ignored("the VXLAN FDB, not policy", "ee:ee:ee:ee:ee:01"),
    "spec.vxlanTunnelMACAddrV6": ignored("the VXLAN FDB, not policy", "ee:ee:ee:ee:ee:02"),
    "spec.orchRefs[].nodeName": ignored("names the orchestrator's node, not an address", [{ nodeName: "n", orchestrator: "k8s" }]),
    "spec.orchRefs[].orchestrator": ignored("names the orchestrator, not an address", [{ orchestrator: "k8s" }]),
    "spec.wireguard.interfaceIPv4Address": ignored("WireGuard is off unless FelixConfiguration turns it on, and policyc does not compile it", "10.0.0.8"),
    "spec.wireguard.interfaceIPv6Address": ignored("WireGuard is off unless FelixConfiguration turns it on, and policyc does not compile it", "fd00::8"),
    "spec.addresses[].address": compiled([{ address: "10.9.0.4", type: "InternalIP" }], { with: noBgpAddress }),
    "spec.addresses[].type": compiled([{ address: "10.9.0.4", type: "Hostname" }], { with: merge(noBgpAddress, { spec: { addresses: [{ address: "10.9.0.4", type: "InternalIP" }] } }) }),
    "spec.interfaces[].name": ignored("interface lists serve host endpoint auto-creation, not the known-host sets", [{ name: "eth0" }]),
    "spec.interfaces[].addresses[]": ignored("interface lists serve host endpoint auto-creation, not the known-host sets", [{ addresses: ["10.9.0.5"] }]),
    status: ignored("the node's status (WireGuard keys, pod CIDRs) is not policy", { podCIDRs: ["10.0.1.0/24"] }),
  },
  "apps/v1/Deployment": workloadFields("spec.template", ["spec"]),
  "apps/v1/StatefulSet": workloadFields("spec.template", ["spec"]),
  "apps/v1/DaemonSet": workloadFields("spec.template", ["spec"]),
  "apps/v1/ReplicaSet": workloadFields("spec.template", ["spec"]),
  "batch/v1/Job": workloadFields("spec.template", ["spec"]),
  "batch/v1/CronJob": workloadFields("spec.jobTemplate.spec.template", ["spec", "spec.jobTemplate", "spec.jobTemplate.spec"]),
  "v1/Node": {
    ...meta(ignored("a node's labels select host endpoints' nodes, not addresses", { x: "y" }), compiled({ "projectcalico.org/IPv4VXLANTunnelAddr": "10.0.0.9", "projectcalico.org/IPv4Address": "10.9.0.2/24" })),
    "metadata.name": identity("names the resource"),
    spec: ignored("podCIDR, taints: the kubelet's, not policy", { podCIDR: "10.0.1.0/24" }),
    "status.addresses[].type": compiled([{ type: "Hostname", address: "10.9.0.2" }]),
    "status.addresses[].address": compiled([{ type: "InternalIP", address: "10.9.0.3" }]),
    "status.addresses[].*": ignored("nothing else is in a NodeAddress", [{ type: "InternalIP", address: "10.9.0.2", extra: 1 }]),
    "status.*": ignored("conditions, capacity and images are not policy", { addresses: [{ type: "InternalIP", address: "10.9.0.2" }], phase: "Running" }),
    ".*": ignored("no other top-level field matters", "x"),
  },
};

// ---------------------------------------------------------------------------------------------
// Checking the claims

/** `doc` with `value` at the dotted path (`[]` steps address element 0); objects merge. */
function setAt(doc: Doc, path: string, value: unknown): Doc {
  const steps = path.split(".");
  const go = (node: unknown, i: number): unknown => {
    const raw = steps[i]!;
    const isArray = raw.endsWith("[]");
    const key = isArray ? raw.slice(0, -2) : raw;
    const obj = (typeof node === "object" && node !== null ? node : {}) as Doc;
    if (i === steps.length - 1) {
      const merged = isArray && !Array.isArray(value) && typeof value === "object" && value !== null ? [{ ...((obj[key] as Doc[] | undefined)?.[0] ?? {}), ...(value as Doc) }] : value;
      return { ...obj, [key]: merged };
    }
    if (isArray) {
      const list = [...((obj[key] as unknown[] | undefined) ?? [{}])];
      list[0] = go(list[0], i + 1);
      return { ...obj, [key]: list };
    }
    return { ...obj, [key]: go(obj[key], i + 1) };
  };
  return go(doc, 0) as Doc;
}

/** Deep merge of plain objects (arrays and scalars replace). */
function merge(a: Doc, b: Doc): Doc {
  const out: Doc = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] = typeof v === "object" && v !== null && !Array.isArray(v) && typeof cur === "object" && cur !== null && !Array.isArray(cur) ? merge(cur as Doc, v as Doc) : v;
  }
  return out;
}

function compile(docs: readonly Doc[]): { ir: string; codes: string[]; members: string } {
  const { model, diagnostics } = loadModel([{ path: "cluster.yaml", text: docs.map((d) => JSON.stringify(d)).join("\n---\n") }]);
  const errors = diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(errors.map((d) => `${d.code}: ${d.message}`).join("\n"));
  // The evaluator's endpoints (bigint addresses as text), for the audit fields.
  const members = JSON.stringify(prepareModel(model).members, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  return { ir: printIr(compileModel(model, { node: "node-1" }).ir), codes: diagnostics.map((d) => d.code), members };
}

const WORKLOAD_KINDS = new Set(["apps/v1/Deployment", "apps/v1/StatefulSet", "apps/v1/DaemonSet", "apps/v1/ReplicaSet", "batch/v1/Job", "batch/v1/CronJob"]);

interface Case {
  readonly kindKey: string;
  readonly path: string;
  readonly entry: Entry;
  /** The document under test without the field, and with it. */
  readonly without: Doc;
  readonly withField: Doc;
  readonly ctx: readonly Doc[];
}

/** The documents of a case: the field set in the kind's base, or in a rule of a policy. */
function caseOf(kindKey: string, path: string, entry: Entry): Case | undefined {
  if (entry.c === "identity") return undefined;
  const ruleMatch = /^<(v1)?rule>\.(.+)$/.exec(path);
  const extra = "with" in entry && entry.with ? entry.with : {};
  const ctx = "ctx" in entry && entry.ctx ? entry.ctx : [];
  if (ruleMatch) {
    const v1 = ruleMatch[1] === "v1";
    const field = ruleMatch[2]!;
    const base = BASES[v1 ? "v1/policy" : "projectcalico.org/v3/GlobalNetworkPolicy"]!;
    // Destination services belong in egress rules, source services in ingress rules.
    const direction = field.startsWith("destination.services") ? "egress" : "ingress";
    const ruleBase = merge({ ...(v1 ? { action: "allow", protocol: "tcp" } : rule) }, extra);
    const fieldTop = field.split(".")[0]!;
    const value = typeof entry.set === "object" && entry.set !== null && !Array.isArray(entry.set) && fieldTop in (entry.set as Doc) ? entry.set : setAt({}, field, entry.set);
    const withRule = merge(ruleBase, value as Doc);
    const spec = (r: Doc): Doc => ({ ...(base.spec as Doc), ingress: direction === "ingress" ? [r] : [], egress: direction === "egress" ? [r] : [] });
    const services = field.includes("services") ? [BASES["discovery.k8s.io/v1/EndpointSlice"]!] : [];
    return { kindKey, path, entry, without: { ...base, spec: spec(ruleBase) }, withField: { ...base, spec: spec(withRule) }, ctx: [...ctx, ...services] };
  }
  const base = merge(BASES[kindKey]!, extra);
  const needs = [...(NEEDS[kindKey] ?? []), ...(kindKey.includes("EndpointSlice") ? [servicePolicy] : [])];
  // `set` replaces the first array on the path (all of it), or the field itself; `.*` merges.
  const firstArray = path.indexOf("[]");
  let withField: Doc;
  if (path === ".*") withField = { ...base, extraField: entry.set };
  else if (firstArray >= 0) withField = setPlain(base, path.slice(0, firstArray), entry.set);
  else if (path.endsWith(".*")) withField = setPlain(base, path.slice(0, -2), merge((getAt(base, path.slice(0, -2)) as Doc | undefined) ?? {}, entry.set as Doc));
  else withField = setPlain(base, path, entry.set);
  return { kindKey, path, entry, without: base, withField, ctx: [...needs, ...ctx] };
}

/** `doc` with `value` at the dotted path (objects on the way are created or copied). */
function setPlain(doc: Doc, path: string, value: unknown): Doc {
  const [head, ...rest] = path.split(".");
  if (rest.length === 0) return { ...doc, [head!]: value };
  const inner = doc[head!];
  return { ...doc, [head!]: setPlain(typeof inner === "object" && inner !== null ? (inner as Doc) : {}, rest.join("."), value) };
}

function getAt(doc: Doc, path: string): unknown {
  let node: unknown = doc;
  for (const step of path.split(".")) node = typeof node === "object" && node !== null ? (node as Doc)[step.replace(/\[\]$/, "")] : undefined;
  return node;
}

/** Pools that turn IPIP and VXLAN on, so that nodes' addresses show in the ruleset. */
const encapPools: readonly Doc[] = [
  { apiVersion: "projectcalico.org/v3", kind: "IPPool", metadata: { name: "p4" }, spec: { cidr: "10.0.0.0/16", ipipMode: "Always", vxlanMode: "CrossSubnet" } },
  { apiVersion: "projectcalico.org/v3", kind: "IPPool", metadata: { name: "p6" }, spec: { cidr: "fd00::/64", vxlanMode: "Always" } },
];

/** What a kind under test needs around it to show in the ruleset. */
const NEEDS: Readonly<Record<string, readonly Doc[]>> = {
  "projectcalico.org/v3/Node": encapPools,
  "v1/Node": encapPools,
  "v1/workloadEndpoint": [v1Profile],
  "projectcalico.org/v3/Profile": [
    { apiVersion: "projectcalico.org/v3", kind: "WorkloadEndpoint", metadata: { name: "wp", namespace: "ns" }, spec: { node: "node-1", interfaceName: "calip", ipNetworks: ["10.0.0.11/32"], profiles: ["prof"] } },
  ],
};

/** Egress to service s, so that EndpointSlice fields show in the ruleset. */
const servicePolicy = {
  apiVersion: "projectcalico.org/v3",
  kind: "GlobalNetworkPolicy",
  metadata: { name: "to-s" },
  spec: { selector: "all()", egress: [{ action: "Allow", destination: { services: { name: "s", namespace: "ns" } } }] },
};

describe("every field the schemas accept is compiled, reported as unsupported, or has no effect", () => {
  const schemaLeaves = new Map<string, string[]>();
  for (const k of compiledKinds()) {
    if (k.apiVersion.startsWith("crd.projectcalico.org")) continue; // the same schemas as projectcalico.org/v3
    const out: string[] = [];
    leaves(k.handler.schema, "", out);
    schemaLeaves.set(`${k.apiVersion}/${k.kind}`, out);
  }
  const ruleLeaves: string[] = [];
  leaves(ruleSchema, "", ruleLeaves);
  const v1RuleLeaves: string[] = [];
  leaves(v1RuleSchema, "", v1RuleLeaves);

  it("classifies every leaf of every schema, and nothing that is not one", () => {
    expect([...schemaLeaves.keys()].sort()).toEqual(Object.keys(COVERAGE).sort());
    for (const [kind, list] of schemaLeaves) expect(Object.keys(COVERAGE[kind]!).sort(), kind).toEqual([...new Set(list)].sort());
    expect(Object.keys(RULE).sort()).toEqual(ruleLeaves.sort());
    expect(Object.keys(V1RULE).sort()).toEqual(v1RuleLeaves.sort());
  });

  const cases: Case[] = [];
  for (const [kindKey, table] of Object.entries(COVERAGE)) {
    for (const [path, entry] of Object.entries(table)) {
      if (path.endsWith("<rule>") || path.endsWith("<v1rule>")) {
        // Covered below, field by field.
        if (entry.c !== "compiled") throw new Error(`${kindKey} ${path}`);
      }
      const c = caseOf(kindKey, path, entry);
      if (c) cases.push(c);
    }
  }
  for (const [path, entry] of Object.entries(RULE)) cases.push(caseOf("projectcalico.org/v3 rule", `<rule>.${path}`, entry)!);
  for (const [path, entry] of Object.entries(V1RULE)) cases.push(caseOf("v1 rule", `<v1rule>.${path}`, entry)!);

  it.each(cases.map((c) => [`${c.kindKey} ${c.path} (${c.entry.c})`, c] as const))("%s", (_name, c) => {
    const without = compile([...CLUSTER, ...c.ctx, c.without]);
    const withField = compile([...CLUSTER, ...c.ctx, c.withField]);
    switch (c.entry.c) {
      case "compiled":
        expect(withField.ir, "setting the field changes the ruleset").not.toBe(without.ir);
        break;
      case "ignored":
        expect(withField.ir, "setting the field changes nothing").toBe(without.ir);
        if (WORKLOAD_KINDS.has(c.kindKey)) expect(withField.members, "nor the audit's endpoints").toBe(without.members);
        break;
      case "audit":
        expect(withField.ir, "compile programs pods, not workloads").toBe(without.ir);
        expect(withField.members, "setting the field changes the audit's endpoints").not.toBe(without.members);
        break;
      case "unsupported":
        expect(withField.codes, "the field is reported").toContain("unsupported");
        break;
      case "identity":
        break;
    }
  });
});
