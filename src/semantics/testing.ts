/**
 * A tiny builder of model objects for the evaluator's tests: every resource with a dummy origin,
 * selectors parsed from text, Calico's default policy types applied.
 */
import type {
  CalicoNetworkPolicy,
  ContainerPort,
  EntityRule,
  GlobalNetworkPolicy,
  GlobalNetworkSet,
  HostEndpoint,
  IcmpMatch,
  K8sNetworkPolicy,
  K8sPeer,
  K8sPolicyPort,
  K8sPolicyRule,
  Labels,
  LabelSelector,
  Model,
  NamedPort,
  Namespace,
  NetworkSet,
  Origin,
  Pod,
  PolicyType,
  Port,
  Profile,
  Protocol,
  Resource,
  Rule,
  RuleAction,
  SelectorField,
  ServiceAccount,
  Tier,
  V1Policy,
  V1Profile,
  V1WorkloadEndpoint,
  WorkloadEndpoint,
} from "../model/types.js";
import { parseSelector } from "../model/selector/index.js";

const FILE = "test.yaml";

export function origin(): Origin {
  const span = { file: FILE, start: 0, end: 0 };
  return { file: FILE, document: 0, span };
}

/** A parsed selector field; throws on a syntax error (a test bug). */
export function sel(text: string, dialect: "v3" | "v1" = "v3"): SelectorField {
  const r = parseSelector(text, { dialect });
  if (!r.ok) throw new Error(`bad selector ${text}: ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return { text, ast: r.selector };
}

function meta(name: string, namespace: string | undefined, labels: Labels = {}) {
  return { name, ...(namespace !== undefined ? { namespace } : {}), labels, annotations: {} };
}

export function model(...resources: Resource[]): Model {
  return { resources };
}

export function namespace(name: string, labels: Labels = {}): Namespace {
  return { kind: "Namespace", metadata: meta(name, undefined, labels), origin: origin() };
}

export function serviceAccount(ns: string, name: string, labels: Labels = {}): ServiceAccount {
  return { kind: "ServiceAccount", metadata: meta(name, ns, labels), origin: origin() };
}

export interface PodOptions {
  readonly labels?: Labels;
  readonly ips: readonly string[];
  readonly node?: string;
  readonly sa?: string;
  readonly hostNetwork?: boolean;
  readonly ports?: readonly ContainerPort[];
}

export function pod(ns: string, name: string, o: PodOptions): Pod {
  return {
    kind: "Pod",
    metadata: meta(name, ns, o.labels),
    origin: origin(),
    ...(o.node !== undefined ? { nodeName: o.node } : {}),
    serviceAccountName: o.sa ?? "default",
    hostNetwork: o.hostNetwork ?? false,
    ports: o.ports ?? [],
    ips: o.ips,
    finished: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Kubernetes NetworkPolicy

export function labelSelector(matchLabels: Labels = {}, matchExpressions: LabelSelector["matchExpressions"] = []): LabelSelector {
  return { matchLabels, matchExpressions };
}

export interface K8sRuleInput {
  readonly peers?: readonly Omit<K8sPeer, "path">[];
  readonly ports?: readonly K8sPolicyPort[];
}

function k8sRules(rules: readonly K8sRuleInput[], dir: string): K8sPolicyRule[] {
  return rules.map((r, i) => ({
    peers: (r.peers ?? []).map((p, j) => ({ ...p, path: `spec.${dir}.${i}.${dir === "ingress" ? "from" : "to"}.${j}` })),
    ports: r.ports ?? [],
    path: `spec.${dir}.${i}`,
  }));
}

export function k8sPolicy(
  ns: string,
  name: string,
  o: { podSelector?: LabelSelector; types?: readonly PolicyType[]; ingress?: readonly K8sRuleInput[]; egress?: readonly K8sRuleInput[] },
): K8sNetworkPolicy {
  const egress = k8sRules(o.egress ?? [], "egress");
  return {
    kind: "K8sNetworkPolicy",
    metadata: meta(name, ns),
    origin: origin(),
    podSelector: o.podSelector ?? labelSelector(),
    policyTypes: o.types ?? (egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"]),
    ingress: k8sRules(o.ingress ?? [], "ingress"),
    egress,
  };
}

export function tcp(port?: number | string, endPort?: number): K8sPolicyPort {
  return { protocol: "TCP", ...(port !== undefined ? { port } : {}), ...(endPort !== undefined ? { endPort } : {}) };
}

// ---------------------------------------------------------------------------------------------
// Calico rules and policies

export interface EntityInput {
  readonly nets?: readonly string[];
  readonly notNets?: readonly string[];
  readonly selector?: string;
  readonly notSelector?: string;
  readonly namespaceSelector?: string;
  readonly serviceAccounts?: { readonly names?: readonly string[]; readonly selector?: string };
  readonly ports?: readonly (number | string)[];
  readonly notPorts?: readonly (number | string)[];
  readonly tag?: string;
  readonly notTag?: string;
}

function toPort(p: number | string): Port {
  if (typeof p === "number") return { kind: "range", first: p, last: p };
  const m = /^(\d+):(\d+)$/.exec(p);
  if (m) return { kind: "range", first: Number(m[1]), last: Number(m[2]) };
  return { kind: "named", name: p };
}

export function entity(e: EntityInput = {}): EntityRule {
  return {
    nets: e.nets ?? [],
    notNets: e.notNets ?? [],
    ...(e.selector !== undefined ? { selector: sel(e.selector) } : {}),
    ...(e.notSelector !== undefined ? { notSelector: sel(e.notSelector) } : {}),
    ...(e.namespaceSelector !== undefined ? { namespaceSelector: sel(e.namespaceSelector) } : {}),
    ...(e.serviceAccounts
      ? { serviceAccounts: { names: e.serviceAccounts.names ?? [], ...(e.serviceAccounts.selector !== undefined ? { selector: sel(e.serviceAccounts.selector) } : {}) } }
      : {}),
    ports: (e.ports ?? []).map(toPort),
    notPorts: (e.notPorts ?? []).map(toPort),
    ...(e.tag !== undefined ? { tag: e.tag } : {}),
    ...(e.notTag !== undefined ? { notTag: e.notTag } : {}),
  };
}

export interface RuleInput {
  readonly ipVersion?: 4 | 6;
  readonly protocol?: Protocol;
  readonly notProtocol?: Protocol;
  readonly icmp?: IcmpMatch;
  readonly notICMP?: IcmpMatch;
  readonly source?: EntityInput;
  readonly destination?: EntityInput;
}

/** A Calico rule; its `path` is filled in by the policy builders. */
export function rule(action: RuleAction, r: RuleInput = {}): Rule {
  return {
    action,
    ...(r.ipVersion !== undefined ? { ipVersion: r.ipVersion } : {}),
    ...(r.protocol !== undefined ? { protocol: r.protocol } : {}),
    ...(r.notProtocol !== undefined ? { notProtocol: r.notProtocol } : {}),
    ...(r.icmp ? { icmp: r.icmp } : {}),
    ...(r.notICMP ? { notICMP: r.notICMP } : {}),
    source: entity(r.source),
    destination: entity(r.destination),
    path: "",
  };
}

function withPaths(rules: readonly Rule[] | undefined, dir: string): Rule[] {
  return (rules ?? []).map((r, i) => ({ ...r, path: `spec.${dir}.${i}` }));
}

/** Calico's default types: Ingress, plus Egress when there are egress rules, Egress alone when only those. */
function defaultTypes(ingress: readonly Rule[], egress: readonly Rule[]): PolicyType[] {
  if (egress.length === 0) return ["Ingress"];
  return ingress.length === 0 ? ["Egress"] : ["Ingress", "Egress"];
}

export interface PolicyInput {
  readonly tier?: string;
  readonly order?: number;
  readonly selector?: string;
  readonly serviceAccountSelector?: string;
  readonly namespaceSelector?: string;
  readonly types?: readonly PolicyType[];
  readonly ingress?: readonly Rule[];
  readonly egress?: readonly Rule[];
}

function common(p: PolicyInput) {
  const ingress = withPaths(p.ingress, "ingress");
  const egress = withPaths(p.egress, "egress");
  return {
    origin: origin(),
    tier: p.tier ?? "default",
    ...(p.order !== undefined ? { order: p.order } : {}),
    selector: sel(p.selector ?? ""),
    ...(p.serviceAccountSelector !== undefined ? { serviceAccountSelector: sel(p.serviceAccountSelector) } : {}),
    types: p.types ?? defaultTypes(ingress, egress),
    ingress,
    egress,
  };
}

export function networkPolicy(ns: string, name: string, p: PolicyInput): CalicoNetworkPolicy {
  return { kind: "NetworkPolicy", metadata: meta(name, ns), ...common(p) };
}

export function globalPolicy(name: string, p: PolicyInput): GlobalNetworkPolicy {
  return {
    kind: "GlobalNetworkPolicy",
    metadata: meta(name, undefined),
    ...common(p),
    ...(p.namespaceSelector !== undefined ? { namespaceSelector: sel(p.namespaceSelector) } : {}),
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
  };
}

export function tier(name: string, order?: number, defaultAction: "Deny" | "Pass" = "Deny"): Tier {
  return { kind: "Tier", metadata: meta(name, undefined), origin: origin(), ...(order !== undefined ? { order } : {}), defaultAction };
}

export function profile(name: string, p: { labels?: Labels; ingress?: readonly Rule[]; egress?: readonly Rule[] } = {}): Profile {
  return {
    kind: "Profile",
    metadata: meta(name, undefined),
    origin: origin(),
    labelsToApply: p.labels ?? {},
    ingress: withPaths(p.ingress, "ingress"),
    egress: withPaths(p.egress, "egress"),
  };
}

export function networkSet(ns: string, name: string, nets: readonly string[], labels: Labels = {}): NetworkSet {
  return { kind: "NetworkSet", metadata: meta(name, ns, labels), origin: origin(), nets };
}

export function globalNetworkSet(name: string, nets: readonly string[], labels: Labels = {}): GlobalNetworkSet {
  return { kind: "GlobalNetworkSet", metadata: meta(name, undefined, labels), origin: origin(), nets };
}

export function hostEndpoint(name: string, ips: readonly string[], labels: Labels = {}, profiles: readonly string[] = []): HostEndpoint {
  return { kind: "HostEndpoint", metadata: meta(name, undefined, labels), origin: origin(), node: "node1", expectedIPs: ips, profiles, ports: [] };
}

export function workloadEndpoint(
  ns: string,
  name: string,
  o: { labels?: Labels; nets: readonly string[]; node?: string; profiles?: readonly string[]; ports?: readonly NamedPort[]; orchestrator?: string; sa?: string },
): WorkloadEndpoint {
  return {
    kind: "WorkloadEndpoint",
    allowSpoofedSourcePrefixes: [],
    metadata: meta(name, ns, o.labels),
    origin: origin(),
    node: o.node ?? "node1",
    ...(o.orchestrator !== undefined ? { orchestrator: o.orchestrator } : {}),
    interfaceName: "cali0",
    ipNetworks: o.nets,
    profiles: o.profiles ?? [],
    ...(o.sa !== undefined ? { serviceAccountName: o.sa } : {}),
    ports: o.ports ?? [],
  };
}

// ---------------------------------------------------------------------------------------------
// Calico v1

export function v1Profile(name: string, p: { tags?: readonly string[]; labels?: Labels; ingress?: readonly Rule[]; egress?: readonly Rule[] } = {}): V1Profile {
  return {
    kind: "V1Profile",
    metadata: meta(name, undefined, p.labels),
    origin: origin(),
    tags: p.tags ?? [],
    ingress: withPaths(p.ingress, "ingress"),
    egress: withPaths(p.egress, "egress"),
  };
}

export function v1Policy(name: string, p: { order?: number; selector?: string; types?: readonly PolicyType[]; ingress?: readonly Rule[]; egress?: readonly Rule[] }): V1Policy {
  const ingress = withPaths(p.ingress, "ingress");
  const egress = withPaths(p.egress, "egress");
  return {
    kind: "V1Policy",
    metadata: meta(name, undefined),
    origin: origin(),
    tier: "default",
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
    ...(p.order !== undefined ? { order: p.order } : {}),
    selector: sel(p.selector ?? "", "v1"),
    types: p.types ?? defaultTypes(ingress, egress),
    ingress,
    egress,
  };
}

export function v1WorkloadEndpoint(
  name: string,
  o: { workload: string; orchestrator?: string; nets: readonly string[]; profiles?: readonly string[]; labels?: Labels; node?: string },
): V1WorkloadEndpoint {
  return {
    kind: "V1WorkloadEndpoint",
    metadata: meta(name, undefined, o.labels),
    origin: origin(),
    node: o.node ?? "node1",
    orchestrator: o.orchestrator ?? "libnetwork",
    workload: o.workload,
    interfaceName: "cali0",
    ipNetworks: o.nets,
    profiles: o.profiles ?? [],
    ports: [],
  };
}
