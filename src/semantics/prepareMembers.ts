/**
 * Resolves what selectors can match: workload endpoints (pods, Calico v3 and v1 workload
 * endpoints, and workloads from their manifests), host endpoints and network sets, with their
 * effective labels; and the profiles, including the implicit ones Calico derives from namespaces
 * and service accounts.
 *
 * Workloads (Deployments, StatefulSets, DaemonSets, ReplicaSets, Jobs, CronJobs) are endpoints as
 * netpol-analyzer makes them (docs/connlist_output.md: connections are between workloads and
 * external IP blocks): one per workload, labelled as its pods would be (the pod template's labels,
 * the namespace, the service account), with the template's named ports, and no address. So no
 * CIDR (a Calico rule's nets, a Kubernetes ipBlock, a cluster policy's networks, a network set) and
 * no service address contains a workload: a rule that needs one does not match it, a notNets rule
 * does. In the cluster its pods get addresses from the pool, which such rules may well contain;
 * the audit of a repository cannot know them. A workload is local on every node (its pods may run
 * on any), and its pods are on the host network or it has no pod template: no endpoint.
 *
 * No double counting: a workload is left out when something in the input stands for it:
 * - its controller (`ownerReferences` with `controller: true`) is a workload of the input (a
 *   Deployment's ReplicaSet, a CronJob's Job): the owner represents it;
 * - pods it controls are in the input and are endpoints (directly, through a ReplicaSet or Job of
 *   the input, or through a ReplicaSet named `<deployment>-<pod-template-hash>` as the Deployment
 *   controller names them): the pods, with their real addresses, are exact where the workload is
 *   not, and `compile` programs them. So an export of a running cluster audits as it did before
 *   workloads were read, and a repository of manifests audits its workloads.
 */
import type { ContainerPort, Labels, Model, NamedPort, Rule, Workload } from "../model/types.js";
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
  // for-in over own keys, in Object.entries' order, without its array of pairs (once per pod).
  for (const k in labels) {
    if (Object.hasOwn(labels, k) && !isReservedEndpointLabel(k)) out[k] = labels[k]!;
  }
  return out;
}

/**
 * `own` with the labels Calico stamps on a Kubernetes pod's endpoint, added in place (as a spread
 * into a new object would, in the same key order, without copying again: clusters hold hundreds of
 * thousands of pods).
 */
function withKubernetesLabels(own: Record<string, string>, ns: string, sa: string): Record<string, string> {
  own[NAMESPACE_LABEL] = ns;
  own[ORCHESTRATOR_LABEL] = K8S_ORCHESTRATOR;
  own[SERVICE_ACCOUNT_LABEL] = sa;
  return own;
}

/** The named ones of a pod's (or pod template's) container ports. */
function namedPorts(ports: readonly ContainerPort[]): NamedPort[] {
  const out: NamedPort[] = [];
  for (const p of ports) if (p.name !== undefined) out.push({ name: p.name, protocol: p.protocol, port: p.containerPort });
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
  readonly vethName?: string;
  readonly host?: PreparedMember["host"];
}

/**
 * Resolves members and profiles. `node` undefined makes every workload endpoint local; otherwise
 * an endpoint is local when its node (a pod's `nodeName`) is `node`. With `only`, the workload
 * endpoints whose ids are not in it are left out (see `PrepareOptions.endpoints`).
 */
export function resolveMembers(model: Model, node: string | undefined, only?: ReadonlySet<string>): ResolvedMembers {
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
  // The profiles of a pod (or workload), one array for every pod of a namespace and service
  // account: clusters hold hundreds of thousands of pods in a few thousand such pairs, and
  // `profileLabels` merges each array's profile labels once.
  const podProfiles = new Map<string, Map<string, readonly string[]>>();
  const profilesOfPod = (ns: string, sa: string): readonly string[] => {
    let bySa = podProfiles.get(ns);
    if (!bySa) podProfiles.set(ns, (bySa = new Map()));
    let names = bySa.get(sa);
    if (!names) bySa.set(sa, (names = [ensureNamespace(ns), ensureServiceAccount(ns, sa)]));
    return names;
  };

  const workloads: Draft[] = [];
  const others: Draft[] = [];
  const represented = representedWorkloads(model);
  // Ids are made unique in input order: a later endpoint whose id is taken gets `#2`, `#3`…. With
  // `only` (which names unique ids) at once; otherwise only when sorting finds a repeat, so that a
  // cluster without one needs no map of every id (250,000 of them on bench shape L).
  const taken = new Map<string, number>();
  const unique = (id: string): string => {
    const n = (taken.get(id) ?? 0) + 1;
    taken.set(id, n);
    return n === 1 ? id : `${id}#${n}`;
  };
  /** The workload endpoint's id (unique with `only`), or undefined when `only` leaves it out. */
  const wanted = (id: string): string | undefined => {
    if (only === undefined) return id;
    const u = unique(id);
    return only.has(u) ? u : undefined;
  };
  for (const r of model.resources) {
    switch (r.kind) {
      case "Workload": {
        const ns = r.metadata.namespace ?? "default";
        const id = workloadId(r);
        if (r.templatePath === undefined || r.hostNetwork || represented.has(id)) break;
        const uniqueId = wanted(id);
        if (uniqueId === undefined) break;
        const sa = r.serviceAccountName;
        workloads.push({
          kind: "Workload",
          id: uniqueId,
          namespace: ns,
          own: withKubernetesLabels(withoutReserved(r.podLabels), ns, sa),
          nets: [],
          ports: namedPorts(r.ports),
          profiles: profilesOfPod(ns, sa),
          workload: true,
          local: true,
          // Not a real interface (a workload has many pods): a `cali` name, as its pods' are.
          vethName: `${r.workloadKind}/${r.metadata.name}`,
        });
        break;
      }
      case "Pod": {
        // A finished pod (Succeeded, Failed) is no endpoint: its address may already be reused.
        if (r.hostNetwork || r.ips.length === 0 || r.finished) break;
        const ns = r.metadata.namespace ?? "default";
        const id = wanted(`${ns}/${r.metadata.name}`);
        if (id === undefined) break;
        const sa = r.serviceAccountName;
        workloads.push({
          kind: "Pod",
          id,
          namespace: ns,
          own: withKubernetesLabels(withoutReserved(r.metadata.labels), ns, sa),
          nets: cidrs(r.ips),
          ports: namedPorts(r.ports),
          profiles: profilesOfPod(ns, sa),
          workload: true,
          local: isLocal(r.nodeName),
          vethName: r.metadata.name,
        });
        break;
      }
      case "WorkloadEndpoint": {
        // Calico's client stamps these labels on every workload endpoint it stores.
        const ns = r.metadata.namespace ?? "default";
        const id = wanted(`${ns}/${r.metadata.name}`);
        if (id === undefined) break;
        const own: Record<string, string> = { ...withoutReserved(r.metadata.labels), [NAMESPACE_LABEL]: ns };
        if (r.orchestrator !== undefined) own[ORCHESTRATOR_LABEL] = r.orchestrator;
        if (r.serviceAccountName !== undefined) own[SERVICE_ACCOUNT_LABEL] = r.serviceAccountName;
        workloads.push({
          kind: "WorkloadEndpoint",
          id,
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
      case "V1WorkloadEndpoint": {
        const id = wanted(`${r.orchestrator ?? ""}/${r.workload ?? ""}/${r.metadata.name}`);
        if (id === undefined) break;
        workloads.push({
          kind: "V1WorkloadEndpoint",
          id,
          own: withoutReserved(r.metadata.labels),
          nets: cidrs(r.ipNetworks),
          ports: r.ports,
          profiles: r.profiles,
          workload: true,
          local: isLocal(r.node),
          iface: r.interfaceName,
        });
        break;
      }
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
  const namesDefaultAllow = (d: Draft): boolean => d.profiles.includes(DEFAULT_ALLOW_PROFILE);
  if (!profiles.has(DEFAULT_ALLOW_PROFILE) && (workloads.some(namesDefaultAllow) || others.some(namesDefaultAllow))) {
    profiles.set(DEFAULT_ALLOW_PROFILE, { name: DEFAULT_ALLOW_PROFILE, labels: {}, ingress: [ALLOW_ALL], egress: [ALLOW_ALL] });
  }

  const byId = (a: Draft, b: Draft): number => compareText(a.id, b.id);
  const inInputOrder = only === undefined ? workloads.slice() : workloads;
  workloads.sort(byId);
  let sorted = workloads;
  // Repeats (rare) are neighbours once sorted: then the ids are numbered in input order after all.
  if (only === undefined && hasRepeats(workloads)) {
    sorted = inInputOrder.map((d) => {
      const id = unique(d.id);
      return id === d.id ? d : { ...d, id };
    });
    sorted.sort(byId);
  }
  const ordered = [
    ...sorted,
    ...others.filter((d) => d.kind === "HostEndpoint" || d.kind === "V1HostEndpoint"),
    ...others.filter((d) => d.kind === "NetworkSet" || d.kind === "GlobalNetworkSet"),
  ];
  const inherited = profileLabels(profiles);
  const members = ordered.map((d, index): PreparedMember => {
    // Profile labels under the member's own; built without spreads (no object per optional
    // field), in the same key order.
    // Not `{ ...inherited }` then own: measured at twice the time of the whole of resolveMembers.
    const labels = Object.assign({}, inherited(d.profiles), d.own);
    const { kind, id, namespace, nets, ports, workload } = d;
    const local = workload && d.local;
    const m: { -readonly [K in keyof PreparedMember]: PreparedMember[K] } =
      namespace !== undefined
        ? { index, kind, id, namespace, labels, nets, ports, profiles: d.profiles, workload, local }
        : { index, kind, id, labels, nets, ports, profiles: d.profiles, workload, local };
    if (d.iface !== undefined) m.iface = d.iface;
    if (d.vethName !== undefined) m.vethName = d.vethName;
    if (d.host !== undefined) m.host = d.host;
    return m;
  });
  return { members, profiles };
}

/**
 * A workload endpoint's host-side interface name: Calico CNI's `cali…` name for a pod (and, though
 * no real interface, for a workload, whose pods have such names), a WorkloadEndpoint's
 * `interfaceName`. Undefined for other members.
 */
export function memberIface(m: PreparedMember): string | undefined {
  return m.vethName !== undefined ? podInterfaceName(m.namespace ?? "default", m.vethName) : m.iface;
}

/** Whether two neighbours of `sorted` (sorted by id) have one id. */
function hasRepeats(sorted: readonly Draft[]): boolean {
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.id === sorted[i - 1]!.id) return true;
  return false;
}

/** A workload's member id: `Deployment/shop/web`. */
export function workloadId(r: Workload): string {
  return `${r.workloadKind}/${r.metadata.namespace ?? "default"}/${r.metadata.name}`;
}

/**
 * The workloads (by `workloadId`) that something else in the input stands for (see the module
 * comment): those controlled by a workload of the input, and those whose pods are endpoints.
 */
function representedWorkloads(model: Model): Set<string> {
  const out = new Set<string>();
  const loaded = new Set<string>();
  /** Workload id -> its controller's id. */
  const ownerOf = new Map<string, string>();
  for (const r of model.resources) {
    if (r.kind !== "Workload") continue;
    const id = workloadId(r);
    loaded.add(id);
    if (r.owner) ownerOf.set(id, `${r.owner.kind}/${r.metadata.namespace ?? "default"}/${r.owner.name}`);
  }
  if (loaded.size === 0) return out;
  for (const [id, owner] of ownerOf) if (loaded.has(owner)) out.add(id);
  for (const r of model.resources) {
    if (r.kind !== "Pod" || !r.owner || r.hostNetwork || r.ips.length === 0 || r.finished) continue;
    const ns = r.metadata.namespace ?? "default";
    let id: string | undefined = `${r.owner.kind}/${ns}/${r.owner.name}`;
    // A ReplicaSet not in the input: the Deployment controller names it `<deployment>-<pod-template-hash>`.
    const hash = r.metadata.labels["pod-template-hash"];
    if (r.owner.kind === "ReplicaSet" && !loaded.has(id) && hash !== undefined && r.owner.name.endsWith(`-${hash}`)) {
      out.add(`Deployment/${ns}/${r.owner.name.slice(0, -hash.length - 1)}`);
    }
    // Up the chain of controllers (Pod -> ReplicaSet -> Deployment, Pod -> Job -> CronJob).
    for (let depth = 0; id !== undefined && depth < 4; depth++) {
      out.add(id);
      id = ownerOf.get(id);
    }
  }
  return out;
}

/**
 * The labels a member inherits from its profiles, earlier profiles winning, once per array of
 * profile names (pods share theirs: `profilesOfPod`). Called once every profile is known; the
 * results are shared, so they are copied, never changed.
 */
function profileLabels(profiles: ReadonlyMap<string, RawProfile>): (names: readonly string[]) => Labels {
  const merged = new Map<readonly string[], Labels>();
  return (names) => {
    let out = merged.get(names);
    if (!out) {
      const labels: Record<string, string> = {};
      for (let i = names.length - 1; i >= 0; i--) Object.assign(labels, profiles.get(names[i]!)?.labels ?? {});
      merged.set(names, (out = labels));
    }
    return out;
  };
}

/** Plain code-unit order (ids and names are ASCII). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
