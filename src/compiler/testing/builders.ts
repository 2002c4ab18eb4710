/**
 * Tiny builders for hand-made model objects in compiler tests. Every builder takes the fields a
 * test cares about and fills the rest with defaults; `origin` is a dummy.
 */
import { parseSelector } from "../../model/selector/index.js";
import type {
  CalicoNetworkPolicy,
  EntityRule,
  GlobalNetworkPolicy,
  K8sNetworkPolicy,
  K8sPeer,
  K8sPolicyRule,
  LabelSelector,
  Labels,
  Metadata,
  Model,
  Namespace,
  NetworkSet,
  GlobalNetworkSet,
  Origin,
  Pod,
  Port,
  Profile,
  Resource,
  Rule,
  SelectorField,
  ServiceAccount,
  Tier,
  V1Policy,
  V1Profile,
  V1WorkloadEndpoint,
  WorkloadEndpoint,
} from "../../model/types.js";

export const dummyOrigin: Origin = { file: "test.yaml", document: 0, span: { file: "test.yaml", start: 0, end: 0 } };

function meta(name: string, namespace?: string, labels: Labels = {}): Metadata {
  return { name, ...(namespace !== undefined ? { namespace } : {}), labels, annotations: {} };
}

/** Parses selector text (throws on a syntax error: tests use valid selectors). */
export function sel(text: string, dialect: "v3" | "v1" = "v3"): SelectorField {
  const r = parseSelector(text.trim(), { dialect });
  if (!r.ok) throw new Error(`bad selector in test: ${text}`);
  return { text, ast: r.selector };
}

export function model(...resources: Resource[]): Model {
  return { resources };
}

export function namespace(name: string, labels: Labels = {}): Namespace {
  return { kind: "Namespace", metadata: meta(name, undefined, labels), origin: dummyOrigin };
}

export function serviceAccount(ns: string, name: string, labels: Labels = {}): ServiceAccount {
  return { kind: "ServiceAccount", metadata: meta(name, ns, labels), origin: dummyOrigin };
}

export function pod(
  ns: string,
  name: string,
  opts: { labels?: Labels; ips?: string[]; node?: string; sa?: string; hostNetwork?: boolean; ports?: Pod["ports"] } = {},
): Pod {
  return {
    kind: "Pod",
    metadata: meta(name, ns, opts.labels ?? {}),
    origin: dummyOrigin,
    nodeName: opts.node ?? "node-1",
    serviceAccountName: opts.sa ?? "default",
    hostNetwork: opts.hostNetwork ?? false,
    ports: opts.ports ?? [],
    ips: opts.ips ?? [],
    finished: false,
  };
}

/** An EntityRule with defaults. */
export function entity(e: Partial<EntityRule> = {}): EntityRule {
  return { nets: [], notNets: [], ports: [], notPorts: [], ...e };
}

export function ports(...ps: (number | string | [number, number])[]): Port[] {
  return ps.map((p): Port =>
    typeof p === "number" ? { kind: "range", first: p, last: p } : typeof p === "string" ? { kind: "named", name: p } : { kind: "range", first: p[0], last: p[1] },
  );
}

export function rule(r: Partial<Omit<Rule, "source" | "destination">> & { source?: Partial<EntityRule>; destination?: Partial<EntityRule> } = {}): Rule {
  const { source, destination, ...rest } = r;
  return { action: "Allow", path: "spec.ingress.0", ...rest, source: entity(source), destination: entity(destination) };
}

interface PolicyOpts {
  tier?: string;
  order?: number;
  selector?: string;
  types?: ("Ingress" | "Egress")[];
  ingress?: Rule[];
  egress?: Rule[];
  serviceAccountSelector?: string;
}

function policyTypes(o: PolicyOpts): ("Ingress" | "Egress")[] {
  if (o.types) return o.types;
  if (o.egress && o.egress.length > 0) return o.ingress && o.ingress.length > 0 ? ["Ingress", "Egress"] : ["Egress"];
  return ["Ingress"];
}

export function networkPolicy(ns: string, name: string, o: PolicyOpts = {}): CalicoNetworkPolicy {
  return {
    kind: "NetworkPolicy",
    metadata: meta(name, ns),
    origin: dummyOrigin,
    tier: o.tier ?? "default",
    ...(o.order !== undefined ? { order: o.order } : {}),
    selector: sel(o.selector ?? ""),
    ...(o.serviceAccountSelector !== undefined ? { serviceAccountSelector: sel(o.serviceAccountSelector) } : {}),
    types: policyTypes(o),
    ingress: o.ingress ?? [],
    egress: o.egress ?? [],
  };
}

export function globalPolicy(name: string, o: PolicyOpts & { namespaceSelector?: string } = {}): GlobalNetworkPolicy {
  return {
    kind: "GlobalNetworkPolicy",
    metadata: meta(name),
    origin: dummyOrigin,
    tier: o.tier ?? "default",
    ...(o.order !== undefined ? { order: o.order } : {}),
    selector: sel(o.selector ?? ""),
    ...(o.namespaceSelector !== undefined ? { namespaceSelector: sel(o.namespaceSelector) } : {}),
    types: policyTypes(o),
    ingress: o.ingress ?? [],
    egress: o.egress ?? [],
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
  };
}

export function tier(name: string, order?: number, defaultAction: "Deny" | "Pass" = "Deny"): Tier {
  return { kind: "Tier", metadata: meta(name), origin: dummyOrigin, ...(order !== undefined ? { order } : {}), defaultAction };
}

export function labelSelector(matchLabels: Labels = {}, matchExpressions: LabelSelector["matchExpressions"] = []): LabelSelector {
  return { matchLabels, matchExpressions };
}

export function k8sPeer(p: Omit<K8sPeer, "path">): K8sPeer {
  return { path: "spec.ingress.0.from.0", ...p };
}

export function k8sRule(peers: K8sPeer[] = [], ports: K8sPolicyRule["ports"] = []): K8sPolicyRule {
  return { peers, ports, path: "spec.ingress.0" };
}

export function k8sPolicy(
  ns: string,
  name: string,
  o: { podSelector?: LabelSelector; policyTypes?: ("Ingress" | "Egress")[]; ingress?: K8sPolicyRule[]; egress?: K8sPolicyRule[] } = {},
): K8sNetworkPolicy {
  return {
    kind: "K8sNetworkPolicy",
    metadata: meta(name, ns),
    origin: dummyOrigin,
    podSelector: o.podSelector ?? labelSelector(),
    policyTypes: o.policyTypes ?? (o.egress && o.egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"]),
    ingress: o.ingress ?? [],
    egress: o.egress ?? [],
  };
}

export function profile(name: string, o: { labelsToApply?: Labels; ingress?: Rule[]; egress?: Rule[] } = {}): Profile {
  return { kind: "Profile", metadata: meta(name), origin: dummyOrigin, labelsToApply: o.labelsToApply ?? {}, ingress: o.ingress ?? [], egress: o.egress ?? [] };
}

export function v1Profile(name: string, o: { tags?: string[]; ingress?: Rule[]; egress?: Rule[] } = {}): V1Profile {
  return { kind: "V1Profile", metadata: meta(name), origin: dummyOrigin, tags: o.tags ?? [], ingress: o.ingress ?? [], egress: o.egress ?? [] };
}

export function v1Policy(name: string, o: PolicyOpts = {}): V1Policy {
  return {
    kind: "V1Policy",
    metadata: meta(name),
    origin: dummyOrigin,
    tier: "default",
    doNotTrack: false,
    preDNAT: false,
    applyOnForward: false,
    ...(o.order !== undefined ? { order: o.order } : {}),
    selector: sel(o.selector ?? "", "v1"),
    types: policyTypes(o),
    ingress: o.ingress ?? [],
    egress: o.egress ?? [],
  };
}

export function workloadEndpoint(
  ns: string,
  name: string,
  o: { iface: string; nets: string[]; node?: string; labels?: Labels; profiles?: string[]; ports?: WorkloadEndpoint["ports"] },
): WorkloadEndpoint {
  return {
    kind: "WorkloadEndpoint",
    allowSpoofedSourcePrefixes: [],
    metadata: meta(name, ns, o.labels ?? {}),
    origin: dummyOrigin,
    node: o.node ?? "node-1",
    interfaceName: o.iface,
    ipNetworks: o.nets,
    profiles: o.profiles ?? [],
    ports: o.ports ?? [],
  };
}

export function v1WorkloadEndpoint(name: string, o: { iface: string; nets: string[]; node?: string; labels?: Labels; profiles?: string[] }): V1WorkloadEndpoint {
  return {
    kind: "V1WorkloadEndpoint",
    metadata: meta(name, undefined, o.labels ?? {}),
    origin: dummyOrigin,
    node: o.node ?? "node-1",
    interfaceName: o.iface,
    ipNetworks: o.nets,
    profiles: o.profiles ?? [],
    ports: [],
  };
}

export function networkSet(ns: string, name: string, nets: string[], labels: Labels = {}): NetworkSet {
  return { kind: "NetworkSet", metadata: meta(name, ns, labels), origin: dummyOrigin, nets };
}

export function globalNetworkSet(name: string, nets: string[], labels: Labels = {}): GlobalNetworkSet {
  return { kind: "GlobalNetworkSet", metadata: meta(name, undefined, labels), origin: dummyOrigin, nets };
}
