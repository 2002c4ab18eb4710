/**
 * Endpoints and network sets: everything a selector can match, with the labels Calico indexes
 * (own labels, Calico's automatic labels, inherited profile labels) and its addresses.
 */
import type { Labels, Model, NamedPort, Pod } from "../model/types.js";
import type { ProfileInfo } from "./profiles.js";
import { namespaceProfile, namespaceProfileName, serviceAccountProfile, serviceAccountProfileName } from "./profiles.js";
import { isReservedEndpointLabel, K8S_ORCHESTRATOR, NAMESPACE_LABEL, ORCHESTRATOR_LABEL, podInterfaceName, SERVICE_ACCOUNT_LABEL } from "../calico/index.js";

export { podInterfaceName } from "../calico/index.js";

/** Something selectors can match: a workload endpoint, a host endpoint or a network set. */
export interface SelectableMember {
  /** Unique and sortable: `<kind>/<namespace>/<name>`. */
  readonly key: string;
  /** Effective labels: inherited profile labels overlaid with the member's own. */
  readonly labels: Labels;
  /** CIDRs, both families. */
  readonly nets: readonly string[];
  readonly ports: readonly NamedPort[];
}

/** A workload endpoint. */
export interface EndpointInfo extends SelectableMember {
  readonly kind: "Pod" | "WorkloadEndpoint" | "V1WorkloadEndpoint";
  readonly name: string;
  readonly namespace?: string;
  readonly iface: string;
  readonly local: boolean;
  readonly profiles: readonly string[];
}

export interface ResolvedEndpoints {
  /** Workload endpoints then network sets and host endpoints, in input order. */
  readonly members: readonly SelectableMember[];
  /** Local workload endpoints, sorted by key. */
  readonly local: readonly EndpointInfo[];
  /** Profiles, including the implicit `kns.`/`ksa.` ones endpoints reference. */
  readonly profiles: ReadonlyMap<string, ProfileInfo>;
}

/** A bare address as a host CIDR; CIDRs pass through. */
export function hostCidr(addr: string): string {
  if (addr.includes("/")) return addr;
  return addr.includes(":") ? `${addr}/128` : `${addr}/32`;
}

/**
 * Effective labels in one object: profile labels (earlier profiles win), then the endpoint's own
 * labels without `pcns.`/`pcsa.` ones (Calico strips those), then Calico's automatic labels.
 */
function effectiveLabels(own: Labels, automatic: Labels, profileNames: readonly string[], profiles: ReadonlyMap<string, ProfileInfo>, strip: boolean): Labels {
  const out: Record<string, string> = {};
  for (let i = profileNames.length - 1; i >= 0; i--) {
    const p = profiles.get(profileNames[i]!);
    if (p) for (const k in p.labels) out[k] = p.labels[k]!;
  }
  for (const k in own) if (!strip || !isReservedEndpointLabel(k)) out[k] = own[k]!;
  for (const k in automatic) out[k] = automatic[k]!;
  return out;
}

/** A pod's effective labels: inherited ones, its own (without `pcns.`/`pcsa.`), Calico's automatic ones. */
function podLabels(inherited: Labels, own: Labels, ns: string, sa: string): Labels {
  // Copied key by key: a spread copy here was several times slower (the copies ended up as
  // dictionary-mode objects once more labels were added).
  const out: Record<string, string> = {};
  for (const k in inherited) out[k] = inherited[k]!;
  for (const k in own) if (!isReservedEndpointLabel(k)) out[k] = own[k]!;
  out[NAMESPACE_LABEL] = ns;
  out[ORCHESTRATOR_LABEL] = K8S_ORCHESTRATOR;
  out[SERVICE_ACCOUNT_LABEL] = sa;
  return out;
}

/**
 * A pod's named ports. Lists are shared between pods with the same ports (the pods of one
 * workload normally have them): with hundreds of thousands of pods, fewer long-lived objects
 * means less garbage-collector work. `cache` is keyed by the ports' text.
 */
function podPorts(pod: Pod, cache: Map<string, readonly NamedPort[]>): readonly NamedPort[] {
  let key = "";
  for (const p of pod.ports) if (p.name) key += `${p.name}\0${p.protocol}\0${p.containerPort}\0`;
  let out = cache.get(key);
  if (!out) {
    const list: NamedPort[] = [];
    for (const p of pod.ports) if (p.name) list.push({ name: p.name, protocol: p.protocol, port: p.containerPort });
    cache.set(key, (out = list));
  }
  return out;
}

/**
 * Resolves every endpoint and network set of the model. `node` undefined makes every endpoint
 * local. Pods without an address or on the host network are not workload endpoints.
 */
export function resolveEndpoints(model: Model, definedProfiles: ReadonlyMap<string, ProfileInfo>, node: string | undefined): ResolvedEndpoints {
  const profiles = new Map(definedProfiles);
  const ensureNamespace = (ns: string): string => {
    const name = namespaceProfileName(ns);
    if (!profiles.has(name)) profiles.set(name, namespaceProfile(ns, {}));
    return name;
  };
  const isLocal = (n: string | undefined): boolean => node === undefined || n === node;

  // Raw endpoints first, so implicit profiles exist before labels are inherited.
  interface Raw {
    /** Where in `endpoints` it goes (input order). */
    at: number;
    kind: EndpointInfo["kind"];
    name: string;
    namespace?: string;
    own: Labels;
    automatic: Labels;
    iface: string;
    nets: string[];
    profiles: string[];
    ports: readonly NamedPort[];
    local: boolean;
  }
  const raws: Raw[] = [];
  // Pods are resolved at once: their profiles (kns./ksa.) are their own, known by now. Other
  // endpoints name arbitrary profiles, which a later pod may create implicitly: their slots are
  // filled after the loop.
  const endpoints: (EndpointInfo | undefined)[] = [];
  const portLists = new Map<string, readonly NamedPort[]>();
  const podBases = new Map<string, Map<string, { profiles: readonly string[]; inherited: Labels }>>();
  const podBase = (ns: string, sa: string): { profiles: readonly string[]; inherited: Labels } => {
    let bySa = podBases.get(ns);
    if (!bySa) podBases.set(ns, (bySa = new Map()));
    let base = bySa.get(sa);
    if (!base) {
      const ksa = serviceAccountProfileName(ns, sa);
      if (!profiles.has(ksa)) profiles.set(ksa, serviceAccountProfile(ns, sa, {}));
      const names = [ensureNamespace(ns), ksa];
      bySa.set(sa, (base = { profiles: names, inherited: effectiveLabels({}, {}, names, profiles, true) }));
    }
    return base;
  };
  const netSets: { key: string; own: Labels; automatic: Labels; profiles: readonly string[]; nets: readonly string[]; ports?: readonly NamedPort[] }[] = [];
  for (const r of model.resources) {
    switch (r.kind) {
      case "Pod": {
        // Calico's workload endpoints: pods with an address, not on the host network, not finished.
        if (r.hostNetwork || r.ips.length === 0 || r.finished) break;
        const ns = r.metadata.namespace ?? "default";
        const sa = r.serviceAccountName;
        const base = podBase(ns, sa);
        const local = isLocal(r.nodeName);
        endpoints.push({
          kind: "Pod",
          key: `Pod/${ns}/${r.metadata.name}`,
          name: r.metadata.name,
          namespace: ns,
          labels: podLabels(base.inherited, r.metadata.labels, ns, sa),
          nets: r.ips.map(hostCidr),
          ports: podPorts(r, portLists),
          // Only local endpoints get chains, so only they need the (hashed) interface name.
          iface: local ? podInterfaceName(ns, r.metadata.name) : "",
          local,
          profiles: base.profiles,
        });
        break;
      }
      case "WorkloadEndpoint": {
        // Calico's client stamps these labels on every WorkloadEndpoint it stores.
        const ns = r.metadata.namespace ?? "default";
        const automatic: Record<string, string> = { [NAMESPACE_LABEL]: ns };
        if (r.orchestrator !== undefined) automatic[ORCHESTRATOR_LABEL] = r.orchestrator;
        if (r.serviceAccountName !== undefined) automatic[SERVICE_ACCOUNT_LABEL] = r.serviceAccountName;
        endpoints.push(undefined);
        raws.push({
          at: endpoints.length - 1,
          kind: "WorkloadEndpoint",
          name: r.metadata.name,
          namespace: ns,
          own: r.metadata.labels,
          automatic,
          iface: r.interfaceName,
          nets: r.ipNetworks.map(hostCidr),
          profiles: [...r.profiles],
          ports: r.ports,
          local: isLocal(r.node),
        });
        break;
      }
      case "V1WorkloadEndpoint":
        endpoints.push(undefined);
        raws.push({
          at: endpoints.length - 1,
          kind: "V1WorkloadEndpoint",
          name: r.metadata.name,
          own: r.metadata.labels,
          automatic: {},
          iface: r.interfaceName,
          nets: r.ipNetworks.map(hostCidr),
          profiles: [...r.profiles],
          ports: r.ports,
          local: isLocal(r.node),
        });
        break;
      case "NetworkSet": {
        const ns = r.metadata.namespace ?? "default";
        netSets.push({
          key: `NetworkSet/${ns}/${r.metadata.name}`,
          own: r.metadata.labels,
          automatic: { [NAMESPACE_LABEL]: ns },
          profiles: [ensureNamespace(ns)],
          nets: r.nets.map(hostCidr),
        });
        break;
      }
      case "GlobalNetworkSet":
        netSets.push({ key: `GlobalNetworkSet//${r.metadata.name}`, own: r.metadata.labels, automatic: {}, profiles: [], nets: r.nets.map(hostCidr) });
        break;
      case "HostEndpoint":
      case "V1HostEndpoint":
        // Selectors match host endpoints by their expected IPs (api/pkg/apis/projectcalico/v3/hostendpoint.go, `ExpectedIPs`),
        // so they are set members like network sets; they get no chains of their own here.
        netSets.push({
          key: `${r.kind}//${r.metadata.name}`,
          own: r.metadata.labels,
          automatic: {},
          profiles: r.profiles,
          nets: r.expectedIPs.map(hostCidr),
          ports: r.kind === "HostEndpoint" ? r.ports : [],
        });
        break;
      default:
        break;
    }
  }

  for (const r of raws) {
    endpoints[r.at] = {
      kind: r.kind,
      key: `${r.kind}/${r.namespace ?? ""}/${r.name}`,
      name: r.name,
      namespace: r.namespace,
      labels: effectiveLabels(r.own, r.automatic, r.profiles, profiles, true),
      nets: r.nets,
      ports: r.ports,
      iface: r.iface,
      local: r.local,
      profiles: r.profiles,
    };
  }
  // Member order never shows in the output (set members are sorted); only local endpoints are.
  const sets: SelectableMember[] = netSets.map((s) => ({ key: s.key, labels: effectiveLabels(s.own, s.automatic, s.profiles, profiles, false), nets: s.nets, ports: s.ports ?? [] }));
  const all = endpoints as EndpointInfo[];
  const local = all.filter((e) => e.local).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Referenced but undefined profiles resolve to empty ones (no labels, no rules).
  for (const e of local) {
    for (const p of e.profiles) if (!profiles.has(p)) profiles.set(p, { name: p, labels: {}, ingress: [], egress: [] });
  }
  return { members: [...all, ...sets], local, profiles };
}
