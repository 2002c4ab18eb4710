/**
 * Where Calico's etcdv3 datastore keeps each resource (libcalico-go/lib/backend/model/resource.go,
 * `ResourceKey.defaultPath`): `<prefix>/resources/v3/projectcalico.org/<plural>/<name>` for
 * cluster-scoped kinds and `.../<plural>/<namespace>/<name>` for namespaced ones; the value is the
 * resource as JSON. The prefix is `/calico` unless configured otherwise.
 */

/** The plurals libcalico-go registers, for the kinds policyc reads and writes. */
export const CALICO_PLURALS = {
  NetworkPolicy: "networkpolicies",
  GlobalNetworkPolicy: "globalnetworkpolicies",
  StagedNetworkPolicy: "stagednetworkpolicies",
  StagedGlobalNetworkPolicy: "stagedglobalnetworkpolicies",
  StagedKubernetesNetworkPolicy: "stagedkubernetesnetworkpolicies",
  KubernetesNetworkPolicy: "kubernetesnetworkpolicies",
  Tier: "tiers",
  Profile: "profiles",
  NetworkSet: "networksets",
  GlobalNetworkSet: "globalnetworksets",
  HostEndpoint: "hostendpoints",
  WorkloadEndpoint: "workloadendpoints",
  IPPool: "ippools",
  FelixConfiguration: "felixconfigurations",
  Node: "nodes",
  BGPConfiguration: "bgpconfigurations",
  ClusterInformation: "clusterinformations",
} as const satisfies Readonly<Record<string, string>>;

export type CalicoKind = keyof typeof CALICO_PLURALS;

/** The namespaced kinds (libcalico-go/lib/namespace). */
const NAMESPACED: ReadonlySet<CalicoKind> = new Set<CalicoKind>([
  "NetworkPolicy",
  "StagedNetworkPolicy",
  "StagedKubernetesNetworkPolicy",
  "KubernetesNetworkPolicy",
  "NetworkSet",
  "WorkloadEndpoint",
]);

export const DEFAULT_PREFIX = "/calico";

export function isCalicoKind(kind: string): kind is CalicoKind {
  return Object.hasOwn(CALICO_PLURALS, kind);
}

export function isNamespacedKind(kind: CalicoKind): boolean {
  return NAMESPACED.has(kind);
}

/** The directory holding every v3 resource. */
export function resourcesPrefix(prefix = DEFAULT_PREFIX): string {
  return `${prefix.replace(/\/+$/, "")}/resources/v3/projectcalico.org/`;
}

/** The key of one resource. */
export function resourceKey(kind: CalicoKind, name: string, namespace: string | undefined, prefix = DEFAULT_PREFIX): string {
  const plural = CALICO_PLURALS[kind];
  return isNamespacedKind(kind) ? `${resourcesPrefix(prefix)}${plural}/${namespace ?? "default"}/${name}` : `${resourcesPrefix(prefix)}${plural}/${name}`;
}

/** The kind of each plural (an agent reads every key of a large cluster through it). */
const KIND_OF_PLURAL: ReadonlyMap<string, CalicoKind> = new Map((Object.keys(CALICO_PLURALS) as CalicoKind[]).map((k) => [CALICO_PLURALS[k], k]));

/** What a key names, or undefined for a key that is not a v3 resource of a known kind. */
export function parseResourceKey(key: string, prefix = DEFAULT_PREFIX): { kind: CalicoKind; namespace?: string; name: string } | undefined {
  const base = prefix === lastPrefix ? lastBase : ((lastPrefix = prefix), (lastBase = resourcesPrefix(prefix)));
  if (!key.startsWith(base)) return undefined;
  // `plural/name` or `plural/namespace/name` after the base, read by position (the agent reads
  // every key of a listing here: no array of parts per key).
  const start = base.length;
  const first = key.indexOf("/", start);
  const kind = KIND_OF_PLURAL.get(first < 0 ? key.slice(start) : key.slice(start, first));
  if (!kind || first < 0) return undefined;
  const second = key.indexOf("/", first + 1);
  if (isNamespacedKind(kind)) {
    if (second < 0 || key.indexOf("/", second + 1) >= 0) return undefined;
    const namespace = key.slice(first + 1, second);
    const name = key.slice(second + 1);
    return namespace && name ? { kind, namespace: unescapeKeyPart(namespace), name: unescapeKeyPart(name) } : undefined;
  }
  if (second >= 0) return undefined;
  const name = key.slice(first + 1);
  return name ? { kind, name: unescapeKeyPart(name) } : undefined;
}

/** The prefix `parseResourceKey` was last given, and its resources directory. */
let lastPrefix: string | undefined;
let lastBase = "";

/** A key part with `%2f` and `%25` read back as `/` and `%`. */
function unescapeKeyPart(s: string): string {
  return s.includes("%") ? s.replace(/%2f/gi, "/").replace(/%25/g, "%") : s;
}

/**
 * A WorkloadEndpoint's name as libcalico-go forms it (lib/names/workloadendpoint.go,
 * `CalculateWorkloadEndpointName`): the node, the orchestrator, the pod (or workload) and the
 * endpoint, joined by `-`, with every `-` inside a part doubled.
 */
export function workloadEndpointName(node: string, orchestrator: string, workload: string, endpoint: string): string {
  return [node, orchestrator, workload, endpoint].map((p) => p.replace(/-/g, "--")).join("-");
}
