/**
 * `prepareModel`: everything about a model that does not depend on the flow, computed once —
 * members and their labels, profiles, tiers in evaluation order, and for every selector the set of
 * members it matches.
 */
import { nodeFelixSettings } from "../model/felixSettings.js";
import { prepareHostEncapsulation } from "./hostEncapsulation.js";
import { bitsWhere } from "./bits.js";
import { selectorMatches } from "../model/selector/index.js";
import type { Model, PolicyType, Resource, Selector } from "../model/types.js";
import { policySelector } from "./effectiveSelector.js";
import { resolveMembers } from "./prepareMembers.js";
import { indexServices } from "./services.js";
import { prepareClusterPolicy } from "./prepareClusterPolicy.js";
import { membershipCache, prepareCalicoRule, prepareK8sRule, type MembershipCache } from "./prepareRules.js";
import type { Dataplane, Membership, Prepared, PreparedHost, PreparedMember, PreparedPolicy, PreparedProfile, PreparedTier } from "./types.js";
import { cidrAddress } from "./addresses.js";
import {
  bindHostEndpoints,
  type HostInterfaces,
  comparePolicyOrder,
  compareTierOrder,
  DEFAULT_TIER,
  definedTier,
  implicitTier,
  K8S_NETWORK_POLICY_ORDER,
  undefinedTier,
} from "../calico/index.js";

export interface PrepareOptions {
  /** The node whose endpoints are local (policed). Undefined: every workload endpoint is local. */
  readonly node?: string;
  /**
   * The dataplane Felix programs: `iptables` (the default, iptables-legacy or iptables-nft) or
   * `nftables`. They differ in one place the evaluator sees: a packet conntrack leaves untracked
   * meets host egress policy in iptables (`-m conntrack ! --ctstate DNAT` matches it) but skips
   * it in nftables (`ct status != dnat` cannot match a packet with no conntrack entry).
   */
  readonly dataplane?: Dataplane;
  /**
   * The node's interfaces and their addresses, as `CompileOptions.hostInterfaces`: host endpoints
   * with only expectedIPs bind to the interfaces holding them. Absent: they bind to none.
   */
  readonly hostInterfaces?: HostInterfaces;
  /**
   * Only the workload endpoints with these ids (the ids they would have among every endpoint)
   * become members; host endpoints and network sets all do. A flow between two of them, each
   * given by id, gets the same verdict, by the same steps, as with every endpoint: the evaluator
   * reads no other workload endpoint for it (an address given as a flow end would need them all,
   * to find its owner). `explain` prepares so the ends it is asked about, not the whole cluster.
   */
  readonly endpoints?: ReadonlySet<string>;
}

type PolicyResource = Extract<Resource, { kind: "K8sNetworkPolicy" | "NetworkPolicy" | "GlobalNetworkPolicy" | "V1Policy" | "ClusterNetworkPolicy" }>;

/**
 * Prepares `model` for `evaluateFlow` and `reachabilityMatrix`. The model is not modified and the
 * result does not share mutable state with it.
 */
export function prepareModel(model: Model, options: PrepareOptions = {}): Prepared {
  const { members, profiles: rawProfiles } = resolveMembers(model, options.node, options.endpoints);
  const cache = membershipCache(members, indexServices(model));

  const policies: PreparedPolicy[] = [];
  for (const r of model.resources) {
    if (r.kind === "ClusterNetworkPolicy" || r.kind === "K8sNetworkPolicy" || r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy" || r.kind === "V1Policy") {
      if (!appliesToWorkloads(r)) continue;
      policies.push(preparePolicy(r, members, cache));
    }
  }

  const tierDefs = new Map<string, PreparedTier>();
  tierDefs.set(DEFAULT_TIER.name, { ...DEFAULT_TIER, policies: [] });
  for (const r of model.resources) {
    if (r.kind === "Tier") tierDefs.set(r.metadata.name, { ...definedTier(r.metadata.name, r.order, r.defaultAction), policies: [] });
  }
  const sortedTiers = groupTiers(policies, tierDefs);

  // fromEntries defines own properties, so a name such as `__proto__` stays an ordinary key.
  const profiles = Object.fromEntries(
    [...rawProfiles].map(([name, p]): [string, PreparedProfile] => [
      name,
      {
      name,
      labels: p.labels,
      ingress: p.ingress.map((r) => prepareCalicoRule(r, undefined, cache)),
      egress: p.egress.map((r) => prepareCalicoRule(r, undefined, cache)),
      ...(p.file !== undefined ? { file: p.file } : {}),
      },
    ]),
  );
  // A Map: an object keyed by 250,000 ids made every id an internalized property name (shape L:
  // about 0.1 s more on the main thread than the Map).
  const memberIndexById = new Map<string, number>();
  for (const m of members) memberIndexById.set(m.id, m.index);
  const settings = nodeFelixSettings(model.resources, options.node);
  return {
    members,
    memberIndexById,
    tiers: sortedTiers,
    profiles,
    settings,
    hostEncapsulation: prepareHostEncapsulation(model, settings),
    host: prepareHost(model, members, cache, tierDefs, options.node, options.hostInterfaces),
    dataplane: options.dataplane ?? "iptables",
  };
}

/** Policies grouped by tier, tiers and policies in Felix's order. */
function groupTiers(policies: readonly PreparedPolicy[], tierDefs: ReadonlyMap<string, PreparedTier>): PreparedTier[] {
  const tiers = new Map<string, PreparedPolicy[]>();
  for (const p of policies) {
    const list = tiers.get(p.tier) ?? [];
    list.push(p);
    tiers.set(p.tier, list);
  }
  const tierNames = new Set([...tierDefs.keys(), ...tiers.keys()]);
  return [...tierNames]
    .map((name): PreparedTier => {
      // A tier used but not defined (validation reports it) sorts last and denies by default,
      // unless it is one of the tiers Calico creates (kube-admin, ...).
      const implicit = implicitTier(name);
      const def = tierDefs.get(name) ?? (implicit ? { ...implicit, policies: [] } : { ...undefinedTier(name), policies: [] });
      const list = [...(tiers.get(name) ?? [])].sort((a, b) => comparePolicyOrder(a.key, b.key));
      return { ...def, policies: list };
    })
    .sort(compareTierOrder);
}

/**
 * The node's host endpoints by interface, as Felix binds them (src/calico/hostEndpointBinding.ts,
 * felix/dataplane/linux/endpoint_mgr.go `resolveHostEndpoints`): a named interface goes to the
 * endpoint whose name sorts first, `*` is the default for every other interface; endpoints with
 * only expectedIPs bind to the interfaces holding them when the node's interfaces are given, and
 * to none otherwise, as in the compiler. Every policy is prepared again with its selection over
 * host endpoints, preDNAT and doNotTrack ones too.
 */
function prepareHost(
  model: Model,
  members: readonly PreparedMember[],
  cache: ReturnType<typeof membershipCache>,
  tierDefs: ReadonlyMap<string, PreparedTier>,
  node: string | undefined,
  interfaces: HostInterfaces | undefined,
): PreparedHost {
  const onNode = members.filter((m) => m.host !== undefined && (node === undefined || m.host.node === node));
  const binding = bindHostEndpoints(
    onNode,
    (m) => ({
      name: m.id.slice(m.id.indexOf(":") + 1),
      ...(m.host!.iface !== undefined ? { interfaceName: m.host!.iface } : {}),
      expectedIPs: m.nets.map((c) => cidrAddress(c).text),
    }),
    interfaces,
  );
  // fromEntries defines own properties, so an interface called `__proto__` stays a key.
  const named: Record<string, number> = Object.fromEntries([...binding.byIface].map(([iface, m]) => [iface, m.index]));
  const all = binding.all?.index;
  const base = { named, ...(all !== undefined ? { all } : {}), local: onNode.map((m) => m.index) };
  if (binding.byIface.size === 0 && all === undefined) return { ...base, tiers: [] };
  // A policy's selection over host endpoints only (the membership cache indexes workloads).
  const selectsHosts = (selector: Selector): Membership => bitsWhere(members.length, (i) => members[i]!.host !== undefined && selectorMatches(selector, members[i]!.labels));
  const policies: PreparedPolicy[] = [];
  for (const r of model.resources) {
    if (r.kind === "GlobalNetworkPolicy" || r.kind === "V1Policy") {
      const only = r.doNotTrack ? ("doNotTrack" as const) : r.preDNAT ? ("preDNAT" as const) : undefined;
      const p = preparePolicy(r, members, cache);
      policies.push({ ...p, selects: selectsHosts(r.kind === "V1Policy" ? r.selector.ast : policySelector(r)), hostFlags: { ...(only ? { only } : {}), applyOnForward: r.applyOnForward } });
    } else if (r.kind === "NetworkPolicy" || r.kind === "K8sNetworkPolicy") {
      // Their selectors require a namespace, which host endpoints do not have.
      continue;
    }
  }
  return { ...base, tiers: groupTiers(policies, tierDefs) };
}

/**
 * Whether a policy takes part in the tiers of workload endpoints. Felix puts doNotTrack and
 * preDNAT policies in tiers of their own that only host endpoints use
 * (felix/calc/event_sequencer.go, `tierInfoToProtoTierInfo`), so workloads never see them.
 */
function appliesToWorkloads(r: PolicyResource): boolean {
  return r.kind === "K8sNetworkPolicy" || r.kind === "NetworkPolicy" || r.kind === "ClusterNetworkPolicy" || (!r.preDNAT && !r.doNotTrack);
}

function preparePolicy(r: PolicyResource, members: readonly PreparedMember[], cache: MembershipCache): PreparedPolicy {
  const file = r.origin.file;
  const name = r.metadata.name;
  switch (r.kind) {
    case "K8sNetworkPolicy": {
      const ns = r.metadata.namespace ?? "default";
      return {
        kind: r.kind,
        key: { name, namespace: ns, kind: "KubernetesNetworkPolicy", order: K8S_NETWORK_POLICY_ORDER },
        display: `${ns}/${name}`,
        tier: DEFAULT_TIER.name,
        types: r.policyTypes,
        // The pods of the policy's namespace that podSelector matches.
        selects: cache.k8sSelects(ns, r.podSelector),
        ingress: r.ingress.map((rule) => prepareK8sRule(rule, ns, cache)),
        egress: r.egress.map((rule) => prepareK8sRule(rule, ns, cache)),
        file,
      };
    }
    case "NetworkPolicy": {
      const ns = r.metadata.namespace ?? "default";
      return {
        kind: r.kind,
        key: { name, namespace: ns, kind: "NetworkPolicy", ...(r.order !== undefined ? { order: r.order } : {}) },
        display: `${ns}/${name}`,
        tier: r.tier,
        types: r.types,
        selects: cache.selects(policySelector(r)),
        ingress: r.ingress.map((rule) => prepareCalicoRule(rule, ns, cache)),
        egress: r.egress.map((rule) => prepareCalicoRule(rule, ns, cache)),
        file,
      };
    }
    case "GlobalNetworkPolicy":
      return {
        kind: r.kind,
        key: { name, kind: "GlobalNetworkPolicy", ...(r.order !== undefined ? { order: r.order } : {}) },
        display: name,
        tier: r.tier,
        types: r.types,
        selects: cache.selects(policySelector(r)),
        ingress: r.ingress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        egress: r.egress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        file,
      };
    case "V1Policy":
      // v1 policies are global policies (of the default tier unless they name one).
      return {
        kind: r.kind,
        key: { name, kind: "GlobalNetworkPolicy", ...(r.order !== undefined ? { order: r.order } : {}) },
        display: name,
        tier: r.tier,
        types: r.types,
        selects: cache.selects(r.selector.ast),
        ingress: r.ingress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        egress: r.egress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        file,
      };
    case "ClusterNetworkPolicy":
      return prepareClusterPolicy(r, members);
  }
}

/** The profile called `name`, if any (own properties only: names are user text). */
export function profileNamed(prepared: Prepared, name: string): PreparedProfile | undefined {
  return Object.prototype.hasOwnProperty.call(prepared.profiles, name) ? prepared.profiles[name] : undefined;
}

/** Whether `policy` has the direction among its types. */
export function hasType(policy: PreparedPolicy, type: PolicyType): boolean {
  return policy.types.includes(type);
}
