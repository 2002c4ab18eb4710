/**
 * The validated resource model: what the validate stage produces and the compiler consumes.
 *
 * Design
 * - Plain, readonly, JSON-serializable data; no classes, Maps or functions.
 * - One interface per kind we compile, discriminated by `kind`. Kinds from different API groups
 *   that share a name are told apart by prefix (`K8sNetworkPolicy` vs `NetworkPolicy`, `V1Profile`).
 * - Every resource carries an `origin`: the document's span and positioned tree, so a later stage
 *   can point at any field by its dotted path (`spec.ingress.0.source.selector`) with `spanOf`.
 * - Selectors are parsed during validation; the model holds the AST and the text as written.
 * - Defaults are applied here (e.g. Calico policy `types`, `tier: default`), so the compiler does
 *   not re-derive them.
 */
import { viaMerge, type Span } from "../diagnostics/span.js";
import type { Labels, Selector } from "./selector/ast.js";
import type { YNode } from "./yamlTree.js";
import type { FelixSettingsOverride } from "../calico/index.js";
import type { Invariant } from "./invariants.js";

export type { Labels, Selector } from "./selector/ast.js";

/** Where a resource came from. */
export interface Origin {
  readonly file: string;
  /** Index of the document in its file (0-based), after unwrapping `List` wrappers. */
  readonly document: number;
  /** Span of the whole document (or List item). */
  readonly span: Span;
  /**
   * The document's positioned tree, so any field's span can be found by its dotted path (see
   * `spanOf`). Absent for resources that were not loaded from text. For text loaded by
   * `loadModel`, `span` and `node` are getters that find the document in its file's text when
   * first read (`load/lazyTree.ts`): holding a tree for each of 250,000 pods cost more memory and
   * time than the rest of the front end, and only diagnostics read them. Reading `node` parses
   * the document again, so code that reads it for every resource should not.
   */
  readonly node?: YNode;
}

interface Walked {
  readonly node: YNode;
  readonly keySpan?: Span;
  readonly complete: boolean;
  /** The first (outermost) merge key the walk went through (see `YMapEntry.mergedAt`). */
  readonly mergedAt?: Span;
}

/** The node at `path` and the span of the mapping key that leads to it, as far as the path exists. */
function walk(origin: Origin, path: string): Walked | undefined {
  const root = origin.node;
  if (!root) return undefined;
  let node: YNode = root;
  let keySpan: Span | undefined;
  let mergedAt: Span | undefined;
  let rest = path;
  const walked = (complete: boolean): Walked => ({ node, ...(keySpan ? { keySpan } : {}), complete, ...(mergedAt ? { mergedAt } : {}) });
  while (rest !== "") {
    let next: { node: YNode; keySpan?: Span; mergedAt?: Span; rest: string } | undefined;
    if (node.kind === "map") {
      // Keys may contain dots (`app.kubernetes.io/name`): take the longest key the path starts with.
      for (const e of node.entries) {
        if ((rest === e.key || rest.startsWith(`${e.key}.`)) && (!next || e.key.length > rest.length - next.rest.length)) {
          next = { node: e.value, keySpan: e.keySpan, ...(e.mergedAt ? { mergedAt: e.mergedAt } : {}), rest: rest.slice(e.key.length + 1) };
        }
      }
    } else if (node.kind === "seq") {
      const cut = rest.indexOf(".");
      const index = cut < 0 ? rest : rest.slice(0, cut);
      const item = /^\d+$/.test(index) ? node.items[Number(index)] : undefined;
      if (item) next = { node: item, rest: cut < 0 ? "" : rest.slice(cut + 1) };
    }
    if (!next) return walked(false);
    node = next.node;
    keySpan = next.keySpan;
    mergedAt ??= next.mergedAt;
    rest = next.rest;
  }
  return walked(true);
}

/**
 * The most specific known span for `path` (or the nearest ancestor's, or the document's). Through
 * a merge key it carries `mergedAt`, which `error()`/`warning()` turn into position and note.
 */
export function spanOf(origin: Origin, path: string): Span {
  const found = walk(origin, path);
  return found ? viaMerge(found.node.span, found.mergedAt) : origin.span;
}

/** The span of the mapping key at `path` (the value's span when there is no such key). */
export function keySpanOf(origin: Origin, path: string): Span {
  const found = walk(origin, path);
  if (!found) return origin.span;
  return viaMerge(found.complete && found.keySpan ? found.keySpan : found.node.span, found.mergedAt);
}

/** A selector as written plus its parsed form. */
export interface SelectorField {
  readonly text: string;
  readonly ast: Selector;
}

export interface Metadata {
  readonly name: string;
  /** Absent for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly labels: Labels;
  readonly annotations: Labels;
}

interface ResourceBase {
  readonly metadata: Metadata;
  readonly origin: Origin;
}

// ---------------------------------------------------------------------------------------------
// Shared rule pieces

/** A protocol as written: a case-sensitive Calico name or a number 1-255. */
export type Protocol = string | number;

/** A port: a single number or inclusive range (`first === last` for one port), or a named port. */
export type Port =
  | { readonly kind: "range"; readonly first: number; readonly last: number }
  | { readonly kind: "named"; readonly name: string };

/** A named container/endpoint port. */
export interface NamedPort {
  readonly name: string;
  /** Upper-case Calico protocol name: TCP, UDP or SCTP. */
  readonly protocol: "TCP" | "UDP" | "SCTP";
  readonly port: number;
}

export interface IcmpMatch {
  readonly type?: number;
  readonly code?: number;
}

export interface ServiceAccountMatch {
  readonly names: readonly string[];
  readonly selector?: SelectorField;
}

/** Calico EntityRule (v3), also used for v1 rules (which may carry `tag`/`notTag`). */
export interface EntityRule {
  /** CIDRs in canonical form (host bits masked, bare IPs as /32 or /128). */
  readonly nets: readonly string[];
  readonly notNets: readonly string[];
  readonly selector?: SelectorField;
  readonly notSelector?: SelectorField;
  readonly namespaceSelector?: SelectorField;
  readonly serviceAccounts?: ServiceAccountMatch;
  readonly ports: readonly Port[];
  readonly notPorts: readonly Port[];
  /** v1 only: matches endpoints whose profiles carry this tag. */
  readonly tag?: string;
  readonly notTag?: string;
  /**
   * A Kubernetes Service: the addresses (source) or address-port pairs (destination) of its
   * EndpointSlices. `namespace` is as written ("" when absent, which Felix looks up as is).
   */
  readonly services?: ServiceMatch;
}

export interface ServiceMatch {
  readonly name: string;
  readonly namespace: string;
}

export type RuleAction = "Allow" | "Deny" | "Log" | "Pass";

/** A Calico rule (v3 shape; v1 rules are normalized into it). */
export interface Rule {
  readonly action: RuleAction;
  readonly ipVersion?: 4 | 6;
  readonly protocol?: Protocol;
  readonly notProtocol?: Protocol;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly source: EntityRule;
  readonly destination: EntityRule;
  /** Dotted path of this rule in its document (`spec.ingress.2`), for `spanOf`. */
  readonly path: string;
}

export type PolicyType = "Ingress" | "Egress";

// ---------------------------------------------------------------------------------------------
// Kubernetes

export interface Namespace extends ResourceBase {
  readonly kind: "Namespace";
}

export interface ServiceAccount extends ResourceBase {
  readonly kind: "ServiceAccount";
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: "TCP" | "UDP" | "SCTP";
}

export interface Pod extends ResourceBase {
  readonly kind: "Pod";
  readonly nodeName?: string;
  /** Defaults to `default`. */
  readonly serviceAccountName: string;
  readonly hostNetwork: boolean;
  /** All container ports, in container order. */
  readonly ports: readonly ContainerPort[];
  /** `status.podIPs` (or `status.podIP`), canonical addresses, IPv4 and IPv6 as given. */
  readonly ips: readonly string[];
  /** Finished (Succeeded, Failed) or deleted and unplugged: not an endpoint (`isFinishedPod`). */
  readonly finished: boolean;
  /** The controller in `metadata.ownerReferences` (the ReplicaSet, StatefulSet, Job, ... that made it). */
  readonly owner?: OwnerRef;
}

/** An owner reference with `controller: true`: the object that manages this one. */
export interface OwnerRef {
  readonly kind: string;
  readonly name: string;
}

/** The workload kinds read from manifests (apps/v1 and batch/v1). */
export const WORKLOAD_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/**
 * A workload (apps/v1 Deployment, StatefulSet, DaemonSet, ReplicaSet; batch/v1 Job, CronJob): the
 * pods its template makes, before any of them exists. Only the audit commands (explain, matrix,
 * diff, verify) read it, as one endpoint without an address; `compile` programs pods with
 * addresses only.
 */
export interface Workload extends ResourceBase {
  readonly kind: "Workload";
  readonly workloadKind: WorkloadKind;
  /**
   * Dotted path of the pod template (`spec.template`; a CronJob's `spec.jobTemplate.spec.template`).
   * Absent when there is none (reported): the workload is then no endpoint.
   */
  readonly templatePath?: string;
  /** The pod template's `metadata.labels`: the labels every pod of the workload carries. */
  readonly podLabels: Labels;
  /** The template's service account; defaults to `default`. */
  readonly serviceAccountName: string;
  /** The template's pods are on the host network: no workload endpoint. */
  readonly hostNetwork: boolean;
  /** The template's container ports, in container order. */
  readonly ports: readonly ContainerPort[];
  /** The controller in `metadata.ownerReferences` (a ReplicaSet's Deployment, a Job's CronJob). */
  readonly owner?: OwnerRef;
}

/** A discovery.k8s.io/v1 EndpointSlice: what Felix matches a rule's `services` against. */
export interface EndpointSlice extends ResourceBase {
  readonly kind: "EndpointSlice";
  /** The `kubernetes.io/service-name` label ("" when absent). */
  readonly service: string;
  /** Every endpoint's addresses, canonical; FQDN slices have none. */
  readonly addresses: readonly string[];
  readonly ports: readonly EndpointSlicePort[];
}

export interface EndpointSlicePort {
  /** Absent: "all ports", which Felix treats as no port at all. */
  readonly port?: number;
  /** Defaults to TCP. */
  readonly protocol: "TCP" | "UDP" | "SCTP";
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  readonly values: readonly string[];
}

/** A Kubernetes LabelSelector; an empty one selects everything. */
export interface LabelSelector {
  readonly matchLabels: Labels;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

export interface IpBlock {
  /** Masked CIDR. */
  readonly cidr: string;
  readonly except: readonly string[];
}

export interface K8sPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: IpBlock;
  readonly path: string;
}

export interface K8sPolicyPort {
  /** Defaults to TCP. */
  readonly protocol: "TCP" | "UDP" | "SCTP";
  /** A number or a port name; absent means every port of the protocol. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface K8sPolicyRule {
  /** `from` (ingress) or `to` (egress); empty means every peer. */
  readonly peers: readonly K8sPeer[];
  /** Empty means every protocol and port. */
  readonly ports: readonly K8sPolicyPort[];
  readonly path: string;
}

export interface K8sNetworkPolicy extends ResourceBase {
  readonly kind: "K8sNetworkPolicy";
  readonly podSelector: LabelSelector;
  /** As given, or derived as Kubernetes does ([Ingress], plus Egress when there are egress rules). */
  readonly policyTypes: readonly PolicyType[];
  readonly ingress: readonly K8sPolicyRule[];
  readonly egress: readonly K8sPolicyRule[];
}

// ---------------------------------------------------------------------------------------------
// SIG Network's cluster-scoped policy (policy.networking.k8s.io)

/** Which of the three cluster-scoped kinds a `ClusterNetworkPolicy` was written as. */
export type ClusterPolicyApiKind = "ClusterNetworkPolicy" | "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy";

/** Pods in namespaces: both selectors must match (an empty one matches everything). */
export interface NamespacedPods {
  readonly namespaceSelector: LabelSelector;
  readonly podSelector: LabelSelector;
}

/** The pods a cluster-scoped policy applies to: exactly one of the two is set. */
export type ClusterPolicySubject =
  | { readonly kind: "namespaces"; readonly namespaces: LabelSelector }
  | { readonly kind: "pods"; readonly pods: NamespacedPods };

/**
 * One peer of a rule. `nodes` and `domainNames` are peers Calico does not convert (its converter
 * fails the whole rule closed, see `ClusterPolicyRule.failClosed`); they are kept so that tools can
 * point at them.
 */
export type ClusterPolicyPeer =
  | { readonly kind: "namespaces"; readonly namespaces: LabelSelector; readonly path: string }
  | { readonly kind: "pods"; readonly pods: NamespacedPods; readonly path: string }
  /** Canonical CIDRs. */
  | { readonly kind: "networks"; readonly networks: readonly string[]; readonly path: string }
  | { readonly kind: "nodes"; readonly nodes: LabelSelector; readonly path: string }
  | { readonly kind: "domainNames"; readonly domainNames: readonly string[]; readonly path: string };

/** A destination port match: a protocol with every port or a range (`first === last` for one), or a named port. */
export type ClusterPolicyPort =
  | { readonly kind: "protocol"; readonly protocol: "TCP" | "UDP" | "SCTP"; readonly ports?: { readonly first: number; readonly last: number } }
  | { readonly kind: "named"; readonly name: string };

export interface ClusterPolicyRule {
  /** `name` as written (at most 100 characters); absent when not given. */
  readonly name?: string;
  /** v1alpha1's Allow is written here as Accept (the same meaning). */
  readonly action: "Accept" | "Deny" | "Pass";
  /** `from` (ingress) or `to` (egress): at least one. */
  readonly peers: readonly ClusterPolicyPeer[];
  /** `protocols` (v1alpha2) or `ports` (v1alpha1); empty: every protocol and port. */
  readonly ports: readonly ClusterPolicyPort[];
  /**
   * Set when Calico's converter cannot convert the rule (a `nodes` or `domainNames` peer): it
   * replaces a Deny or Pass rule by "deny everything" and leaves an Accept rule out
   * (libcalico-go/lib/backend/k8s/conversion/clusternetworkpolicy.go
   * `k8sClusterNetPolHandleFailedRules`). The text says why.
   */
  readonly failClosed?: string;
  readonly path: string;
}

/**
 * `ClusterNetworkPolicy` (policy.networking.k8s.io/v1alpha2) and its predecessors
 * `AdminNetworkPolicy` (tier Admin) and `BaselineAdminNetworkPolicy` (tier Baseline, v1alpha1),
 * all three in one shape.
 */
export interface ClusterNetworkPolicy extends ResourceBase {
  readonly kind: "ClusterNetworkPolicy";
  readonly apiKind: ClusterPolicyApiKind;
  readonly tier: "Admin" | "Baseline";
  /** 0-1000; absent for BaselineAdminNetworkPolicy, which has none. */
  readonly priority?: number;
  readonly subject: ClusterPolicySubject;
  readonly ingress: readonly ClusterPolicyRule[];
  readonly egress: readonly ClusterPolicyRule[];
}

// ---------------------------------------------------------------------------------------------
// Calico v3

interface CalicoPolicyCommon extends ResourceBase {
  /** Defaults to `default`. */
  readonly tier: string;
  /** Absent means +infinity (applied last). */
  readonly order?: number;
  /** Empty means all(). */
  readonly selector: SelectorField;
  readonly serviceAccountSelector?: SelectorField;
  /** Defaulted as Calico does when absent. */
  readonly types: readonly PolicyType[];
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

export interface CalicoNetworkPolicy extends CalicoPolicyCommon {
  readonly kind: "NetworkPolicy";
}

export interface GlobalNetworkPolicy extends CalicoPolicyCommon {
  readonly kind: "GlobalNetworkPolicy";
  readonly namespaceSelector?: SelectorField;
  readonly doNotTrack: boolean;
  readonly preDNAT: boolean;
  readonly applyOnForward: boolean;
}

export interface Tier extends ResourceBase {
  readonly kind: "Tier";
  readonly order?: number;
  readonly defaultAction: "Deny" | "Pass";
}

export interface Profile extends ResourceBase {
  readonly kind: "Profile";
  readonly labelsToApply: Labels;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

export interface NetworkSet extends ResourceBase {
  readonly kind: "NetworkSet";
  readonly nets: readonly string[];
}

export interface GlobalNetworkSet extends ResourceBase {
  readonly kind: "GlobalNetworkSet";
  readonly nets: readonly string[];
}

export interface HostEndpoint extends ResourceBase {
  readonly kind: "HostEndpoint";
  readonly node: string;
  readonly interfaceName?: string;
  readonly expectedIPs: readonly string[];
  readonly profiles: readonly string[];
  readonly ports: readonly NamedPort[];
}

export interface WorkloadEndpoint extends ResourceBase {
  readonly kind: "WorkloadEndpoint";
  readonly node: string;
  readonly orchestrator?: string;
  readonly workload?: string;
  readonly pod?: string;
  readonly endpoint?: string;
  readonly interfaceName: string;
  /** Addresses as CIDRs (/32 or /128 for a single address). */
  readonly ipNetworks: readonly string[];
  readonly profiles: readonly string[];
  readonly serviceAccountName?: string;
  readonly ports: readonly NamedPort[];
  /** Source prefixes the workload may send from besides its own (Felix's anti-spoofing exceptions). */
  readonly allowSpoofedSourcePrefixes: readonly string[];
}

export interface IPPool extends ResourceBase {
  readonly kind: "IPPool";
  readonly cidr: string;
  readonly ipipMode: "Never" | "Always" | "CrossSubnet";
  readonly vxlanMode: "Never" | "Always" | "CrossSubnet";
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
  /**
   * Only `LoadBalancer` in `allowedUses`: the pool holds no workload or tunnel addresses, so
   * Felix leaves it out of the set of pools traffic to which is never masqueraded.
   */
  readonly loadBalancerOnly: boolean;
}

/** One of a node's addresses: Calico's `spec.addresses` or Kubernetes' `status.addresses`. */
export interface NodeAddress {
  /** Canonical address (a CIDR's prefix length dropped). */
  readonly address: string;
  /** `CalicoNodeIP`, `InternalIP`, `ExternalIP`, ... as written. */
  readonly type: string;
}

/**
 * What Felix reads of a node for the host side (felix/calc/dataplane_passthru.go,
 * felix/calc/vxlan_resolver.go): its BGP addresses, its address list and its VXLAN tunnel
 * addresses. A Kubernetes Node carries the Calico fields as annotations
 * (libcalico-go/lib/backend/k8s/resources/node.go); both kinds are read into this shape.
 */
interface NodeCommon extends ResourceBase {
  /**
   * `spec.bgp` (a Kubernetes Node: the `projectcalico.org/IPv4Address` and `IPv6Address`
   * annotations); absent when there is none. Addresses are canonical, without their prefix length.
   * `empty` is a BGP spec with nothing set, which Felix treats as a deleted node.
   */
  readonly bgp?: { readonly ipv4Address?: string; readonly ipv6Address?: string; readonly empty: boolean };
  readonly addresses: readonly NodeAddress[];
  readonly ipv4VXLANTunnelAddr?: string;
  readonly ipv6VXLANTunnelAddr?: string;
}

/** A projectcalico.org/v3 Node. */
export interface CalicoNode extends NodeCommon {
  readonly kind: "Node";
}

/** A Kubernetes core v1 Node (the Kubernetes datastore's form of a Calico Node). */
export interface K8sNode extends NodeCommon {
  readonly kind: "K8sNode";
}

/**
 * A v3 FelixConfiguration: the fields that shape the ruleset, as set (unset fields are absent).
 * Which node it configures comes from its name: `default` is every node's, `node.<name>` one
 * node's (libcalico-go/lib/backend/syncersv1/updateprocessors/configurationprocessor.go); any
 * other name is a selector-scoped configuration, which policyc does not read (reported).
 */
export interface FelixConfiguration extends ResourceBase {
  readonly kind: "FelixConfiguration";
  readonly scope: { readonly kind: "global" } | { readonly kind: "node"; readonly node: string } | { readonly kind: "selector" };
  readonly settings: FelixSettingsOverride;
  /** Spec fields set that Felix reads and policyc does not compile, in written order. */
  readonly unsupported: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Calico v1 (calicoctl `apiVersion: v1`, lower-case kinds; the Docker CNM model)

export interface V1Profile extends ResourceBase {
  readonly kind: "V1Profile";
  /** `metadata.tags`; every endpoint using the profile carries them. */
  readonly tags: readonly string[];
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

export interface V1Policy extends ResourceBase {
  readonly kind: "V1Policy";
  /** `metadata.tier` (libcalico-go/lib/apis/v1/policy.go); defaults to `default`. */
  readonly tier: string;
  readonly order?: number;
  readonly selector: SelectorField;
  readonly types: readonly PolicyType[];
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  /** The v1 flags (libcalico-go/lib/apis/v1/policy.go), with the meaning of the v3 ones. */
  readonly doNotTrack: boolean;
  readonly preDNAT: boolean;
  readonly applyOnForward: boolean;
}

export interface V1WorkloadEndpoint extends ResourceBase {
  readonly kind: "V1WorkloadEndpoint";
  readonly node: string;
  readonly orchestrator?: string;
  readonly workload?: string;
  readonly interfaceName: string;
  readonly ipNetworks: readonly string[];
  readonly profiles: readonly string[];
  readonly ports: readonly NamedPort[];
}

export interface V1HostEndpoint extends ResourceBase {
  readonly kind: "V1HostEndpoint";
  readonly node: string;
  readonly interfaceName?: string;
  readonly expectedIPs: readonly string[];
  readonly profiles: readonly string[];
  readonly ports: readonly NamedPort[];
}

export interface V1IPPool extends ResourceBase {
  readonly kind: "V1IPPool";
  readonly cidr: string;
  readonly ipip: boolean;
  readonly natOutgoing: boolean;
  readonly disabled: boolean;
}

// ---------------------------------------------------------------------------------------------

export type Resource =
  | Namespace
  | ServiceAccount
  | Pod
  | Workload
  | EndpointSlice
  | K8sNetworkPolicy
  | ClusterNetworkPolicy
  | CalicoNetworkPolicy
  | GlobalNetworkPolicy
  | Tier
  | Profile
  | NetworkSet
  | GlobalNetworkSet
  | HostEndpoint
  | WorkloadEndpoint
  | IPPool
  | CalicoNode
  | K8sNode
  | FelixConfiguration
  | V1Profile
  | V1Policy
  | V1WorkloadEndpoint
  | V1HostEndpoint
  | V1IPPool;

export type ResourceKind = Resource["kind"];

/** The validated input of a compilation: every resource, in input order (files sorted by path). */
export interface Model {
  readonly resources: readonly Resource[];
  /** policyc.dev/v1alpha1 invariants found among the documents (`policyc verify` checks them; nothing compiles them). */
  readonly invariants?: readonly Invariant[];
}
