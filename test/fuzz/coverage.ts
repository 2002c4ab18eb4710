/**
 * Which generator features a random cluster exercises, counted from its resources (not from the
 * generator's choices), so that a test can assert the generator keeps producing each of them.
 */

/** Every feature the generator promises, with how to spot it in a cluster's resources. */
export const FEATURES = [
  "policy name shared across kinds",
  "policy names that are prefixes of each other",
  "policy order tie in a tier",
  "Calico policy of order 1000 beside a Kubernetes policy",
  "policy without order",
  "v1 profile with tags",
  "v1 profile with labels",
  "v1 rule tag / notTag",
  "v1 rule net / notNet",
  "v1 rule nets / notNets",
  "v1 next-tier action",
  "v1 lower-case protocol",
  "v1 policy",
  "v1 workload endpoint",
  "WorkloadEndpoint with profiles",
  "Profile with labelsToApply",
  "Profile with rules",
  "Profile Pass rule",
  "projectcalico-default-allow referenced",
  "notICMP",
  "notProtocol",
  "ServiceAccount with labels",
  "pod with a service account",
  "serviceAccountSelector",
  "rule serviceAccounts names",
  "rule serviceAccounts selector",
  "host endpoint",
  "host endpoint on a named interface",
  "all-interfaces host endpoint",
  "host endpoint bound by address",
  "v1 host endpoint",
  "IP pool",
  "IPIP pool",
  "VXLAN pool",
  "NAT outgoing pool",
  "Calico Node",
  "Kubernetes Node",
  "preDNAT GlobalNetworkPolicy",
  "doNotTrack GlobalNetworkPolicy",
  "applyOnForward-only GlobalNetworkPolicy",
  "Log rule",
  "tier with default action Pass",
  "several tiers",
  "tier named but not defined",
  "named port with different numbers on different endpoints",
  "named ports on a WorkloadEndpoint",
  "documents in random order",
  "ClusterNetworkPolicy in the Admin tier",
  "ClusterNetworkPolicy in the Baseline tier",
  "ClusterNetworkPolicy priority tie",
  "AdminNetworkPolicy",
  "BaselineAdminNetworkPolicy",
  "cluster-scoped Pass rule",
  "cluster-scoped networks peer",
  "cluster-scoped nodes peer (failed closed)",
  "cluster-scoped named port",
] as const;

export type Feature = (typeof FEATURES)[number];

/** The loosely typed view of a generated document this module reads. */
interface Doc {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly tags?: readonly string[]; readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: Readonly<Record<string, unknown>>;
}

type Rule = Readonly<Record<string, unknown>> & { readonly source?: Readonly<Record<string, unknown>>; readonly destination?: Readonly<Record<string, unknown>> };

type PolicyKind = "K8s" | "NetworkPolicy" | "GlobalNetworkPolicy" | "v1";

function policyKind(d: Doc): PolicyKind | undefined {
  if (d.apiVersion === "networking.k8s.io/v1" && d.kind === "NetworkPolicy") return "K8s";
  if (d.apiVersion === "projectcalico.org/v3" && (d.kind === "NetworkPolicy" || d.kind === "GlobalNetworkPolicy")) return d.kind;
  if (d.apiVersion === "v1" && d.kind === "policy") return "v1";
  return undefined;
}

function rulesOf(d: Doc): Rule[] {
  if (policyKind(d) === "K8s" || d.spec === undefined) return [];
  return [...((d.spec["ingress"] as Rule[] | undefined) ?? []), ...((d.spec["egress"] as Rule[] | undefined) ?? [])];
}

const sides = (r: Rule) => [r.source ?? {}, r.destination ?? {}];

/** Named ports of a workload endpoint document: `name -> "proto:port"` entries. */
function namedPorts(d: Doc): string[] {
  const spec = d.spec ?? {};
  if (d.kind === "Pod") {
    const containers = (spec["containers"] as { ports?: { name?: string; containerPort: number; protocol?: string }[] }[] | undefined) ?? [];
    return containers.flatMap((c) => (c.ports ?? []).flatMap((p) => (p.name !== undefined ? [`${p.name}=${p.protocol ?? "TCP"}:${p.containerPort}`] : [])));
  }
  if (d.kind === "WorkloadEndpoint" || d.kind === "workloadEndpoint") {
    return ((spec["ports"] as { name: string; protocol: string; port: number }[] | undefined) ?? []).map((p) => `${p.name}=${p.protocol.toUpperCase()}:${p.port}`);
  }
  return [];
}

/** The features `resources` exercise. */
export function clusterFeatures(resources: readonly object[]): Set<Feature> {
  const docs = resources as readonly Doc[];
  const out = new Set<Feature>();
  const has = (f: Feature, cond: boolean) => {
    if (cond) out.add(f);
  };

  const policies = docs.flatMap((d) => {
    const kind = policyKind(d);
    return kind ? [{ d, kind }] : [];
  });
  const names = new Map<string, Set<PolicyKind>>();
  for (const { d, kind } of policies) names.set(d.metadata.name, (names.get(d.metadata.name) ?? new Set()).add(kind));
  has("policy name shared across kinds", [...names.values()].some((k) => k.size > 1));
  has("policy names that are prefixes of each other", [...names.keys()].some((a) => [...names.keys()].some((b) => a !== b && b.startsWith(a))));

  // Felix's view of order: Kubernetes policies are 1000 in the default tier; v1 policies are in the default tier.
  const placed = policies.map(({ d, kind }) => ({
    kind,
    tier: kind === "K8s" || kind === "v1" ? "default" : ((d.spec?.["tier"] as string | undefined) ?? "default"),
    order: kind === "K8s" ? 1000 : (d.spec?.["order"] as number | undefined),
  }));
  const slots = placed.map((p) => `${p.tier}/${p.order ?? "none"}`);
  has("policy order tie in a tier", slots.some((s, i) => slots.indexOf(s) !== i));
  has("Calico policy of order 1000 beside a Kubernetes policy", placed.some((p) => p.kind === "K8s") && placed.some((p) => p.kind !== "K8s" && p.tier === "default" && p.order === 1000));
  has("policy without order", placed.some((p) => p.kind !== "K8s" && p.order === undefined));

  const rules = docs.flatMap((d) => rulesOf(d).map((r) => ({ d, r })));
  const v1Rules = rules.filter(({ d }) => d.apiVersion === "v1").map(({ r }) => r);
  const v3Rules = rules.filter(({ d }) => d.apiVersion === "projectcalico.org/v3").map(({ r }) => r);
  has("v1 rule tag / notTag", v1Rules.some((r) => sides(r).some((s) => "tag" in s || "notTag" in s)));
  has("v1 rule net / notNet", v1Rules.some((r) => sides(r).some((s) => "net" in s || "notNet" in s)));
  has("v1 rule nets / notNets", v1Rules.some((r) => sides(r).some((s) => "nets" in s || "notNets" in s)));
  has("v1 next-tier action", v1Rules.some((r) => r["action"] === "next-tier"));
  has("v1 lower-case protocol", v1Rules.some((r) => typeof r["protocol"] === "string" && r["protocol"] === (r["protocol"] as string).toLowerCase()));
  has("notICMP", rules.some(({ r }) => "notICMP" in r));
  has("notProtocol", rules.some(({ r }) => "notProtocol" in r));
  has("rule serviceAccounts names", v3Rules.some((r) => sides(r).some((s) => (s["serviceAccounts"] as { names?: unknown } | undefined)?.names !== undefined)));
  has("rule serviceAccounts selector", v3Rules.some((r) => sides(r).some((s) => (s["serviceAccounts"] as { selector?: unknown } | undefined)?.selector !== undefined)));
  has("Log rule", rules.some(({ r }) => r["action"] === "Log" || r["action"] === "log"));

  for (const d of docs) {
    const spec = d.spec ?? {};
    switch (`${d.apiVersion}/${d.kind}`) {
      case "v1/profile":
        has("v1 profile with tags", (d.metadata.tags ?? []).length > 0);
        has("v1 profile with labels", Object.keys(d.metadata.labels ?? {}).length > 0);
        break;
      case "v1/policy":
        out.add("v1 policy");
        break;
      case "v1/workloadEndpoint":
        out.add("v1 workload endpoint");
        break;
      case "projectcalico.org/v3/WorkloadEndpoint": {
        const profiles = (spec["profiles"] as string[] | undefined) ?? [];
        has("WorkloadEndpoint with profiles", profiles.length > 0);
        has("projectcalico-default-allow referenced", profiles.includes("projectcalico-default-allow"));
        has("named ports on a WorkloadEndpoint", namedPorts(d).length > 0);
        break;
      }
      case "projectcalico.org/v3/Profile":
        has("Profile with labelsToApply", Object.keys((spec["labelsToApply"] as object | undefined) ?? {}).length > 0);
        has("Profile with rules", rulesOf(d).length > 0);
        has("Profile Pass rule", rulesOf(d).some((r) => r["action"] === "Pass"));
        break;
      case "v1/ServiceAccount":
        has("ServiceAccount with labels", Object.keys(d.metadata.labels ?? {}).length > 0);
        break;
      case "v1/Pod":
        has("pod with a service account", spec["serviceAccountName"] !== undefined && spec["serviceAccountName"] !== "default");
        break;
      case "projectcalico.org/v3/HostEndpoint":
      case "v1/hostEndpoint":
        out.add("host endpoint");
        if (d.kind === "hostEndpoint") out.add("v1 host endpoint");
        has("host endpoint on a named interface", typeof spec["interfaceName"] === "string" && spec["interfaceName"] !== "*");
        has("all-interfaces host endpoint", spec["interfaceName"] === "*");
        has("host endpoint bound by address", spec["interfaceName"] === undefined);
        break;
      case "projectcalico.org/v3/IPPool":
        out.add("IP pool");
        has("IPIP pool", spec["ipipMode"] !== undefined && spec["ipipMode"] !== "Never");
        has("VXLAN pool", spec["vxlanMode"] !== undefined && spec["vxlanMode"] !== "Never");
        has("NAT outgoing pool", spec["natOutgoing"] === true);
        break;
      case "v1/ipPool":
        out.add("IP pool");
        has("IPIP pool", (spec["ipip"] as { enabled?: boolean } | undefined)?.enabled === true);
        has("NAT outgoing pool", spec["nat-outgoing"] === true);
        break;
      case "projectcalico.org/v3/Node":
        out.add("Calico Node");
        break;
      case "v1/Node":
        out.add("Kubernetes Node");
        break;
      case "projectcalico.org/v3/GlobalNetworkPolicy":
        has("preDNAT GlobalNetworkPolicy", spec["preDNAT"] === true);
        has("doNotTrack GlobalNetworkPolicy", spec["doNotTrack"] === true);
        has("applyOnForward-only GlobalNetworkPolicy", spec["applyOnForward"] === true && spec["preDNAT"] !== true && spec["doNotTrack"] !== true);
        break;
      case "projectcalico.org/v3/Tier":
        has("tier with default action Pass", spec["defaultAction"] === "Pass");
        break;
      default:
        break;
    }
    if (policyKind(d) === "NetworkPolicy" || policyKind(d) === "GlobalNetworkPolicy") has("serviceAccountSelector", spec["serviceAccountSelector"] !== undefined);
  }

  // The cluster-scoped kinds (policy.networking.k8s.io).
  const cluster = docs.filter((d) => d.apiVersion.startsWith("policy.networking.k8s.io/"));
  const clusterRules = cluster.flatMap((d) => [...((d.spec?.["ingress"] as Rule[] | undefined) ?? []), ...((d.spec?.["egress"] as Rule[] | undefined) ?? [])]);
  const clusterPeers = clusterRules.flatMap((r) => [...((r["from"] as Rule[] | undefined) ?? []), ...((r["to"] as Rule[] | undefined) ?? [])]);
  const cnps = cluster.filter((d) => d.kind === "ClusterNetworkPolicy");
  has("ClusterNetworkPolicy in the Admin tier", cnps.some((d) => d.spec?.["tier"] === "Admin"));
  has("ClusterNetworkPolicy in the Baseline tier", cnps.some((d) => d.spec?.["tier"] === "Baseline"));
  const cnpSlots = cnps.map((d) => `${String(d.spec?.["tier"])}/${String(d.spec?.["priority"])}`);
  has("ClusterNetworkPolicy priority tie", cnpSlots.some((s, i) => cnpSlots.indexOf(s) !== i));
  has("AdminNetworkPolicy", cluster.some((d) => d.kind === "AdminNetworkPolicy"));
  has("BaselineAdminNetworkPolicy", cluster.some((d) => d.kind === "BaselineAdminNetworkPolicy"));
  has("cluster-scoped Pass rule", clusterRules.some((r) => r["action"] === "Pass"));
  has("cluster-scoped networks peer", clusterPeers.some((p) => "networks" in p));
  has("cluster-scoped nodes peer (failed closed)", clusterPeers.some((p) => "nodes" in p));
  has(
    "cluster-scoped named port",
    clusterRules.some((r) => [...((r["protocols"] as Rule[] | undefined) ?? []), ...((r["ports"] as Rule[] | undefined) ?? [])].some((p) => "destinationNamedPort" in p || "namedPort" in p)),
  );

  const tiers = new Set(docs.filter((d) => d.kind === "Tier").map((d) => d.metadata.name));
  has("several tiers", tiers.size > 1);
  has("tier named but not defined", placed.some((p) => p.tier !== "default" && !tiers.has(p.tier)));

  // The same port name with different meanings on different endpoints.
  const meanings = new Map<string, Set<string>>();
  for (const d of docs) {
    for (const entry of namedPorts(d)) {
      const [name, meaning] = entry.split("=") as [string, string];
      meanings.set(name, (meanings.get(name) ?? new Set()).add(meaning));
    }
  }
  has("named port with different numbers on different endpoints", [...meanings.values()].some((m) => m.size > 1));
  // Unshuffled clusters start with their namespaces.
  has("documents in random order", docs.slice(0, 3).some((d) => d.kind !== "Namespace"));
  return out;
}
