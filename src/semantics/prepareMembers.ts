/**
 * Resolves what selectors can match: workload endpoints (pods, Calico v3 and v1 workload
 * endpoints), host endpoints and network sets, with their effective labels; and the profiles,
 * including the implicit ones Calico derives from namespaces and service accounts.
 */
import type { Labels, Model, NamedPort, Rule } from "../model/types.js";
import type { Cidr } from "./addresses.js";
import { parseCidr } from "./addresses.js";
import {
  DEFAULT_ALLOW_PROFILE,
  isReservedEndpointLabel,
  K8S_ORCHESTRATOR,
  NAME_LABEL,
  NAMESPACE_LABEL,
  NAMESPACE_LABEL_PREFIX,
  namespaceProfileName,
  ORCHESTRATOR_LABEL,
  podInterfaceName,
  SERVICE_ACCOUNT_LABEL,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  serviceAccountProfileName,
} from "../calico/index.js";
import type { MemberKind, PreparedMember, ProfileWith } from "./types.js";

/** A profile before its rules are prepared. */
export type RawProfile = ProfileWith<Rule>;

export interface ResolvedMembers {
  readonly members: readonly PreparedMember[];
  /** By name (a Map: profile names are user text, and may be `constructor`). */
  readonly profiles: ReadonlyMap<string, RawProfile>;
}

const ALLOW_ALL: Rule = {
  action: "Allow",
  source: { nets: [], notNets: [], ports: [], notPorts: [] },
  destination: { nets: [], notNets: [], ports: [], notPorts: [] },
  path: "",
};

function prefixLabels(prefix: string, labels: Labels, name: string): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) out[prefix + k] = v;
  out[prefix + NAME_LABEL] = name;
  return out;
}

/** Workload endpoints may not carry the labels Calico reserves for namespaces and accounts. */
function withoutReserved(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) {
    if (!isReservedEndpointLabel(k)) out[k] = v;
  }
  return out;
}

function cidrs(texts: readonly string[]): Cidr[] {
  const out: Cidr[] = [];
  for (const t of texts) {
    const c = parseCidr(t);
    if (c) out.push(c);
  }
  return out;
}

interface Draft {
  readonly kind: MemberKind;
  readonly id: string;
  readonly namespace?: string;
  readonly own: Labels;
  readonly nets: readonly Cidr[];
  readonly ports: readonly NamedPort[];
  readonly profiles: readonly string[];
  readonly workload: boolean;
  readonly local: boolean;
  readonly iface?: string;
  readonly host?: PreparedMember["host"];
}

/**
 * Resolves members and profiles. `node` undefined makes every workload endpoint local; otherwise
 * an endpoint is local when its node (a pod's `nodeName`) is `node`.
 */
export function resolveMembers(model: Model, node: string | undefined): ResolvedMembers {
  const profiles = new Map<string, RawProfile>();
  const isLocal = (n: string | undefined): boolean => node === undefined || n === node;

  // Namespace and service-account profiles come first: Calico serves them from the Kubernetes
  // objects, so they win over a hand-written Profile of the same name.
  for (const r of model.resources) {
    if (r.kind === "Namespace") {
      const name = namespaceProfileName(r.metadata.name);
      profiles.set(name, { name, labels: prefixLabels(NAMESPACE_LABEL_PREFIX, r.metadata.labels, r.metadata.name), ingress: [ALLOW_ALL], egress: [ALLOW_ALL] });
    } else if (r.kind === "ServiceAccount") {
      const ns = r.metadata.namespace ?? "default";
      const name = serviceAccountProfileName(ns, r.metadata.name);
      profiles.set(name, { name, labels: prefixLabels(SERVICE_ACCOUNT_LABEL_PREFIX, r.metadata.labels, r.metadata.name), ingress: [], egress: [] });
    }
  }
  for (const r of model.resources) {
    if (r.kind !== "Profile" && r.kind !== "V1Profile") continue;
    // The first definition of a name wins (validation reports duplicates).
    const name = r.metadata.name;
    if (profiles.has(name)) continue;
    if (r.kind === "Profile") {
      profiles.set(name, { name, labels: r.labelsToApply, ingress: r.ingress, egress: r.egress, file: r.origin.file });
    } else {
      // v1: the profile's name and every tag are labels with an empty value; real labels win.
      const labels: Record<string, string> = { [name]: "" };
      for (const tag of r.tags) labels[tag] = "";
      Object.assign(labels, r.metadata.labels);
      profiles.set(name, { name, labels, ingress: r.ingress, egress: r.egress, file: r.origin.file });
    }
  }
  const ensureNamespace = (ns: string): string => {
    const name = namespaceProfileName(ns);
    if (!profiles.has(name)) profiles.set(name, { name, labels: prefixLabels(NAMESPACE_LABEL_PREFIX, {}, ns), ingress: [ALLOW_ALL], egress: [ALLOW_ALL] });
    return name;
  };
  const ensureServiceAccount = (ns: string, sa: string): string => {
    const name = serviceAccountProfileName(ns, sa);
    if (!profiles.has(name)) profiles.set(name, { name, labels: prefixLabels(SERVICE_ACCOUNT_LABEL_PREFIX, {}, sa), ingress: [], egress: [] });
    return name;
  };

  const workloads: Draft[] = [];
  const others: Draft[] = [];
  for (const r of model.resources) {
    switch (r.kind) {
      case "Pod": {
        // A finished pod (Succeeded, Failed) is no endpoint: its address may already be reused.
        if (r.hostNetwork || r.ips.length === 0 || r.finished) break;
        const ns = r.metadata.namespace ?? "default";
        const sa = r.serviceAccountName;
        workloads.push({
          kind: "Pod",
          id: `${ns}/${r.metadata.name}`,
          namespace: ns,
          own: { ...withoutReserved(r.metadata.labels), [NAMESPACE_LABEL]: ns, [ORCHESTRATOR_LABEL]: K8S_ORCHESTRATOR, [SERVICE_ACCOUNT_LABEL]: sa },
          nets: cidrs(r.ips),
          ports: r.ports.flatMap((p) => (p.name !== undefined ? [{ name: p.name, protocol: p.protocol, port: p.containerPort }] : [])),
          profiles: [ensureNamespace(ns), ensureServiceAccount(ns, sa)],
          workload: true,
          local: isLocal(r.nodeName),
          iface: podInterfaceName(ns, r.metadata.name),
        });
        break;
      }
      case "WorkloadEndpoint": {
        // Calico's client stamps these labels on every workload endpoint it stores.
        const ns = r.metadata.namespace ?? "default";
        const own: Record<string, string> = { ...withoutReserved(r.metadata.labels), [NAMESPACE_LABEL]: ns };
        if (r.orchestrator !== undefined) own[ORCHESTRATOR_LABEL] = r.orchestrator;
        if (r.serviceAccountName !== undefined) own[SERVICE_ACCOUNT_LABEL] = r.serviceAccountName;
        workloads.push({
          kind: "WorkloadEndpoint",
          id: `${ns}/${r.metadata.name}`,
          namespace: ns,
          own,
          nets: cidrs(r.ipNetworks),
          ports: r.ports,
          profiles: r.profiles,
          workload: true,
          local: isLocal(r.node),
          iface: r.interfaceName,
        });
        break;
      }
      case "V1WorkloadEndpoint":
        workloads.push({
          kind: "V1WorkloadEndpoint",
          id: `${r.orchestrator ?? ""}/${r.workload ?? ""}/${r.metadata.name}`,
          own: withoutReserved(r.metadata.labels),
          nets: cidrs(r.ipNetworks),
          ports: r.ports,
          profiles: r.profiles,
          workload: true,
          local: isLocal(r.node),
          iface: r.interfaceName,
        });
        break;
      case "HostEndpoint":
      case "V1HostEndpoint":
        others.push({
          kind: r.kind,
          id: `${r.kind}:${r.metadata.name}`,
          own: r.metadata.labels,
          nets: cidrs(r.expectedIPs),
          ports: r.ports,
          profiles: r.profiles,
          workload: false,
          local: false,
          host: { node: r.node, ...(r.interfaceName !== undefined ? { iface: r.interfaceName } : {}) },
        });
        break;
      case "NetworkSet": {
        const ns = r.metadata.namespace ?? "default";
        others.push({
          kind: "NetworkSet",
          id: `NetworkSet:${ns}/${r.metadata.name}`,
          namespace: ns,
          own: { ...r.metadata.labels, [NAMESPACE_LABEL]: ns },
          nets: cidrs(r.nets),
          ports: [],
          profiles: [ensureNamespace(ns)],
          workload: false,
          local: false,
        });
        break;
      }
      case "GlobalNetworkSet":
        others.push({
          kind: "GlobalNetworkSet",
          id: `GlobalNetworkSet:${r.metadata.name}`,
          own: r.metadata.labels,
          nets: cidrs(r.nets),
          ports: [],
          profiles: [],
          workload: false,
          local: false,
        });
        break;
      default:
        break;
    }
  }
  for (const d of [...workloads, ...others]) {
    if (d.profiles.includes(DEFAULT_ALLOW_PROFILE) && !profiles.has(DEFAULT_ALLOW_PROFILE)) {
      profiles.set(DEFAULT_ALLOW_PROFILE, { name: DEFAULT_ALLOW_PROFILE, labels: {}, ingress: [ALLOW_ALL], egress: [ALLOW_ALL] });
    }
  }

  const taken = new Map<string, number>();
  const unique = (id: string): string => {
    const n = (taken.get(id) ?? 0) + 1;
    taken.set(id, n);
    return n === 1 ? id : `${id}#${n}`;
  };
  const ordered = [
    ...workloads.map((d) => ({ ...d, id: unique(d.id) })).sort((a, b) => compareText(a.id, b.id)),
    ...others.filter((d) => d.kind === "HostEndpoint" || d.kind === "V1HostEndpoint"),
    ...others.filter((d) => d.kind === "NetworkSet" || d.kind === "GlobalNetworkSet"),
  ];
  const members = ordered.map((d, index): PreparedMember => ({
    index,
    kind: d.kind,
    id: d.id,
    ...(d.namespace !== undefined ? { namespace: d.namespace } : {}),
    labels: inherit(d.own, d.profiles, profiles),
    nets: d.nets,
    ports: d.ports,
    profiles: d.profiles,
    workload: d.workload,
    local: d.workload && d.local,
    ...(d.iface !== undefined ? { iface: d.iface } : {}),
    ...(d.host !== undefined ? { host: d.host } : {}),
  }));
  return { members, profiles };
}

/** Profile labels, earlier profiles winning, overlaid by the member's own labels. */
function inherit(own: Labels, names: readonly string[], profiles: ReadonlyMap<string, RawProfile>): Labels {
  const out: Record<string, string> = {};
  for (const name of [...names].reverse()) Object.assign(out, profiles.get(name)?.labels ?? {});
  return Object.assign(out, own);
}

/** Plain code-unit order (ids and names are ASCII). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
