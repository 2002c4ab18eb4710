/**
 * Endpoints and network sets: everything a selector can match, with the labels Calico indexes
 * (own labels, Calico's automatic labels, inherited profile labels, in layers: memberLabels.ts)
 * and its addresses.
 *
 * Per resource (`memberSource`, `podBase`, `podEndpoint`), so that the incremental compiler
 * derives one member exactly as `resolveEndpoints` derives them all.
 */
import type { Labels, Model, NamedPort, Pod, Resource } from "../model/types.js";
import type { ProfileInfo } from "./profiles.js";
import { namespaceProfile, namespaceProfileName, serviceAccountProfile, serviceAccountProfileName } from "./profiles.js";
import { K8S_ORCHESTRATOR, NAMESPACE_LABEL, ORCHESTRATOR_LABEL, podInterfaceName, SERVICE_ACCOUNT_LABEL } from "../calico/index.js";
import { flattenLabels, type LabelBase } from "./memberLabels.js";
import { MemberTable } from "./memberTable.js";

export { podInterfaceName } from "../calico/index.js";

/** Something selectors can match: a workload endpoint, a host endpoint or a network set. */
export interface SelectableMember {
  /** Unique and sortable: `<kind>/<namespace>/<name>` (v1 workloads: `<kind>/<node>/<orchestrator>/<workload>/<name>`). */
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
  /** Workload endpoints, network sets and host endpoints (order carries no meaning). */
  readonly members: MemberTable;
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

/** The labels a list of profiles gives (earlier profiles win). */
export function inheritedLabels(profileNames: readonly string[], profiles: (name: string) => ProfileInfo | undefined): Labels {
  const out: Record<string, string> = {};
  for (let i = profileNames.length - 1; i >= 0; i--) {
    const p = profiles(profileNames[i]!);
    if (p) for (const k in p.labels) out[k] = p.labels[k]!;
  }
  return out;
}

/**
 * Equal named-port lists, shared between pods (the pods of one workload normally have the same
 * ports): with hundreds of thousands of pods, fewer long-lived objects means less
 * garbage-collector work. Lists are found by their first port's name and compared field by
 * field (building a text key per pod cost more than the rest of the pod's endpoint).
 */
export type PortLists = Map<string, (readonly NamedPort[])[]>;

/** Lists kept per first port name: sharing is a saving, not a guarantee. */
const PORT_LISTS_PER_NAME = 16;

/** Whether `list` holds exactly the named ones of `ports` (`named` of them), in order. */
function samePorts(list: readonly NamedPort[], ports: Pod["ports"], named: number): boolean {
  if (list.length !== named) return false;
  let i = 0;
  for (const p of ports) {
    if (!p.name) continue;
    const q = list[i++]!;
    if (q.name !== p.name || q.protocol !== p.protocol || q.port !== p.containerPort) return false;
  }
  return true;
}

/** A pod's named ports, shared through `cache` with the pods that have the same ones. */
export function podPorts(pod: Pod, cache: PortLists): readonly NamedPort[] {
  let first = "";
  let named = 0;
  for (const p of pod.ports) if (p.name && named++ === 0) first = p.name;
  let lists = cache.get(first);
  if (lists) for (const list of lists) if (samePorts(list, pod.ports, named)) return list;
  const list: NamedPort[] = [];
  for (const p of pod.ports) if (p.name) list.push({ name: p.name, protocol: p.protocol, port: p.containerPort });
  if (!lists) cache.set(first, (lists = []));
  lists.push(list);
  if (lists.length > PORT_LISTS_PER_NAME) lists.shift();
  return list;
}

/** Calico's workload endpoints: pods with an address, not on the host network, not finished. */
export function isEndpointPod(pod: Pod): boolean {
  return !pod.hostNetwork && pod.ips.length > 0 && !pod.finished;
}

/** What every pod of one namespace and service account shares: its profiles and its label layers. */
export interface PodBase {
  readonly profiles: readonly string[];
  readonly labels: LabelBase;
}

/** The base of pods in `ns` running as `sa`, given the profiles (the implicit ones included). */
export function podBase(ns: string, sa: string, profiles: (name: string) => ProfileInfo | undefined): PodBase {
  const names = [namespaceProfileName(ns), serviceAccountProfileName(ns, sa)];
  const automatic = { [NAMESPACE_LABEL]: ns, [ORCHESTRATOR_LABEL]: K8S_ORCHESTRATOR, [SERVICE_ACCOUNT_LABEL]: sa };
  return { profiles: names, labels: { inherited: inheritedLabels(names, profiles), automatic, strip: true } };
}

/** A pod's addresses as CIDRs. */
export function podNets(pod: Pod): string[] {
  return pod.ips.map(hostCidr);
}

/** An endpoint pod (see `isEndpointPod`) as an endpoint. `portLists` shares equal port lists. */
export function podEndpoint(pod: Pod, base: PodBase, local: boolean, portLists: PortLists): EndpointInfo {
  const ns = pod.metadata.namespace ?? "default";
  return {
    kind: "Pod",
    key: `Pod/${ns}/${pod.metadata.name}`,
    name: pod.metadata.name,
    namespace: ns,
    labels: flattenLabels(pod.metadata.labels, base.labels),
    nets: podNets(pod),
    ports: podPorts(pod, portLists),
    // Only local endpoints get chains, so only they need the (hashed) interface name.
    iface: local ? podInterfaceName(ns, pod.metadata.name) : "",
    local,
    profiles: base.profiles,
  };
}

/** A member other than a pod, before profile labels are inherited. */
export interface MemberSource {
  readonly key: string;
  readonly own: Labels;
  /** Labels Calico stamps on it, over its own. */
  readonly automatic: Labels;
  /** The profiles it inherits labels from (earlier wins); a workload's are also its profile chains. */
  readonly profiles: readonly string[];
  readonly nets: readonly string[];
  readonly ports: readonly NamedPort[];
  /** Set for workload endpoints, which get chains when local. */
  readonly workload?: {
    readonly kind: "WorkloadEndpoint" | "V1WorkloadEndpoint";
    readonly name: string;
    readonly namespace?: string;
    readonly iface: string;
    readonly node: string;
  };
}

/**
 * What a resource other than a Pod contributes as a member: WorkloadEndpoints and v1 workload
 * endpoints, network sets and host endpoints; undefined for every other kind (and for pods, see
 * `podEndpoint`).
 */
export function memberSource(r: Resource): MemberSource | undefined {
  switch (r.kind) {
    case "WorkloadEndpoint": {
      // Calico's client stamps these labels on every WorkloadEndpoint it stores.
      const ns = r.metadata.namespace ?? "default";
      const automatic: Record<string, string> = { [NAMESPACE_LABEL]: ns };
      if (r.orchestrator !== undefined) automatic[ORCHESTRATOR_LABEL] = r.orchestrator;
      if (r.serviceAccountName !== undefined) automatic[SERVICE_ACCOUNT_LABEL] = r.serviceAccountName;
      return {
        key: `WorkloadEndpoint/${ns}/${r.metadata.name}`,
        own: r.metadata.labels,
        automatic,
        profiles: r.profiles,
        nets: r.ipNetworks.map(hostCidr),
        ports: r.ports,
        workload: { kind: r.kind, name: r.metadata.name, namespace: ns, iface: r.interfaceName, node: r.node },
      };
    }
    case "V1WorkloadEndpoint":
      // Named like a Docker container's endpoint (`eth0`): the key needs the resource's whole identity.
      return {
        key: `V1WorkloadEndpoint/${r.node}/${r.orchestrator ?? ""}/${r.workload ?? ""}/${r.metadata.name}`,
        own: r.metadata.labels,
        automatic: {},
        profiles: r.profiles,
        nets: r.ipNetworks.map(hostCidr),
        ports: r.ports,
        workload: { kind: r.kind, name: r.metadata.name, iface: r.interfaceName, node: r.node },
      };
    case "NetworkSet": {
      const ns = r.metadata.namespace ?? "default";
      return { key: `NetworkSet/${ns}/${r.metadata.name}`, own: r.metadata.labels, automatic: { [NAMESPACE_LABEL]: ns }, profiles: [namespaceProfileName(ns)], nets: r.nets.map(hostCidr), ports: [] };
    }
    case "GlobalNetworkSet":
      return { key: `GlobalNetworkSet//${r.metadata.name}`, own: r.metadata.labels, automatic: {}, profiles: [], nets: r.nets.map(hostCidr), ports: [] };
    case "HostEndpoint":
    case "V1HostEndpoint":
      // Selectors match host endpoints by their expected IPs (api/pkg/apis/projectcalico/v3/hostendpoint.go, `ExpectedIPs`),
      // so they are set members like network sets; they get no chains of their own here.
      return {
        key: r.kind === "HostEndpoint" ? `HostEndpoint//${r.metadata.name}` : `V1HostEndpoint/${r.node}/${r.metadata.name}`,
        own: r.metadata.labels,
        automatic: {},
        profiles: r.profiles,
        nets: r.expectedIPs.map(hostCidr),
        ports: r.ports,
      };
    default:
      return undefined;
  }
}

/**
 * A source's label layers, resolved against `profiles`. Workloads strip their own
 * `pcns.`/`pcsa.` labels; network sets and host endpoints keep them.
 */
export function memberBase(src: MemberSource, profiles: (name: string) => ProfileInfo | undefined): LabelBase {
  return { inherited: inheritedLabels(src.profiles, profiles), automatic: src.automatic, strip: src.workload !== undefined };
}

/** The member of a source, with its labels resolved against `profiles`. */
export function resolveMember(src: MemberSource, profiles: (name: string) => ProfileInfo | undefined, isLocal: (node: string) => boolean): SelectableMember | EndpointInfo {
  const w = src.workload;
  const labels = flattenLabels(src.own, memberBase(src, profiles));
  const member = { key: src.key, labels, nets: src.nets, ports: src.ports };
  if (!w) return member;
  return { ...member, kind: w.kind, name: w.name, namespace: w.namespace, iface: w.iface, local: isLocal(w.node), profiles: src.profiles };
}

/** Whether a member is a workload endpoint. */
export function isEndpoint(m: SelectableMember): m is EndpointInfo {
  return "iface" in m;
}

/**
 * Resolves every endpoint and network set of the model. `node` undefined makes every endpoint
 * local. Pods without an address or on the host network are not workload endpoints.
 */
export function resolveEndpoints(model: Model, definedProfiles: ReadonlyMap<string, ProfileInfo>, node: string | undefined): ResolvedEndpoints {
  const profiles = new Map(definedProfiles);
  const lookup = (name: string): ProfileInfo | undefined => profiles.get(name);
  const isLocal = (n: string | undefined): boolean => node === undefined || n === node;
  // A pod or NetworkSet brings its namespace's profile into being (and a pod its service
  // account's) when the input does not define it.
  const ensure = (name: string, make: () => ProfileInfo): void => {
    if (!profiles.has(name)) profiles.set(name, make());
  };
  const members = new MemberTable(model.resources.length);
  const local: EndpointInfo[] = [];
  // Other members name arbitrary profiles, which a later pod may bring into being: they are
  // resolved after every pod.
  const deferred: MemberSource[] = [];
  const portLists: PortLists = new Map();
  // Namespace -> service account -> base (nested: no key text per pod).
  const bases = new Map<string, Map<string, PodBase>>();
  const { resources } = model;
  for (let k = 0; k < resources.length; k++) {
    const r = resources[k]!;
    if (r.kind === "Pod") {
      if (!isEndpointPod(r)) continue;
      const ns = r.metadata.namespace ?? "default";
      const sa = r.serviceAccountName;
      let inNs = bases.get(ns);
      if (!inNs) bases.set(ns, (inNs = new Map()));
      let base = inNs.get(sa);
      if (!base) {
        ensure(namespaceProfileName(ns), () => namespaceProfile(ns, {}));
        ensure(serviceAccountProfileName(ns, sa), () => serviceAccountProfile(ns, sa, {}));
        inNs.set(sa, (base = podBase(ns, sa, lookup)));
      }
      members.add(r.metadata.labels, base.labels, r.ips, podPorts(r, portLists));
      // Only local pods are endpoints of their own (chains); the others are members only.
      if (isLocal(r.nodeName)) local.push(podEndpoint(r, base, true, portLists));
      continue;
    }
    const src = memberSource(r);
    if (!src) continue;
    if (r.kind === "NetworkSet") {
      const ns = r.metadata.namespace ?? "default";
      ensure(namespaceProfileName(ns), () => namespaceProfile(ns, {}));
    }
    deferred.push(src);
  }
  for (const src of deferred) {
    members.add(src.own, memberBase(src, lookup), src.nets, src.ports);
    if (src.workload && isLocal(src.workload.node)) local.push(resolveMember(src, lookup, isLocal) as EndpointInfo);
  }
  local.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  // Referenced but undefined profiles resolve to empty ones (no labels, no rules).
  for (const e of local) {
    for (const p of e.profiles) if (!profiles.has(p)) profiles.set(p, { name: p, labels: {}, ingress: [], egress: [] });
  }
  return { members, local, profiles };
}
