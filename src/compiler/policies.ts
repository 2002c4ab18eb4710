/**
 * Every policy kind normalized to one shape (a Calico policy with its effective policy-level
 * selector), and the tier order Felix evaluates them in.
 */
import type { ClusterNetworkPolicy, K8sNetworkPolicy, Model, Origin, PolicyType, Resource, Rule, Selector } from "../model/types.js";
import {
  comparePolicySortKeys,
  compareTierOrder,
  DEFAULT_TIER,
  definedTier,
  IMPLICIT_TIERS,
  clusterPolicyPlacement,
  clusterPolicyTypes,
  K8S_NETWORK_POLICY_ORDER,
  NAMESPACE_LABEL_PREFIX,
  policySortKey,
  SERVICE_ACCOUNT_LABEL_PREFIX,
  undefinedTier,
  type TierFacts,
} from "../calico/index.js";
import { clusterPolicySelectorParts, convertClusterPolicy, type ConvertedClusterPolicy } from "./clusterPolicy.js";
import { convertK8sPolicy, k8sPolicySelector, type ConvertedK8sPolicy } from "./k8sPolicy.js";
import {
  andSelectors,
  eqLabel,
  hasLabel,
  mapLabels,
  NAMESPACE_LABEL,
  SERVICE_ACCOUNT_LABEL,
} from "./selectors/selectorOps.js";

export interface PolicyInfo {
  /** Felix's policy id: `np/<ns>/<name>`, `gnp/<name>`, `knp/<ns>/<name>`, `kcnp/<name>`. */
  readonly id: string;
  /** Kind named in the chain comment. */
  readonly kind: "NetworkPolicy" | "GlobalNetworkPolicy" | "KubernetesNetworkPolicy" | "KubernetesClusterNetworkPolicy";
  readonly name: string;
  /** Set for namespaced kinds: rule selectors without a namespaceSelector are scoped to it. */
  readonly namespace?: string;
  readonly tier: string;
  readonly order?: number;
  /** The effective policy-level selector (namespace and service-account parts included). */
  readonly selector: Selector;
  readonly types: readonly PolicyType[];
  /**
   * The policy resource. Its rules come from `policyRules`, converted when a chain needs them:
   * most policies of a cluster select no endpoint of the node.
   */
  readonly resource: PolicyResource;
  readonly origin: Origin;
  /**
   * GlobalNetworkPolicy flags (and the v1 policy's): a preDNAT or doNotTrack policy applies to
   * host endpoints only, in mangle or raw (`policyInfo` leaves them out unless asked);
   * applyOnForward adds the policy to host endpoints' forward chains.
   */
  readonly host?: { readonly only?: "preDNAT" | "doNotTrack"; readonly applyOnForward: boolean };
}

/** The kinds of resource a policy comes from. */
export type PolicyResource = Extract<
  Resource,
  { readonly kind: "NetworkPolicy" | "GlobalNetworkPolicy" | "V1Policy" | "K8sNetworkPolicy" | "ClusterNetworkPolicy" }
>;

/** Kubernetes NetworkPolicies converted, by resource (both IP families render the same rule objects). */
const converted = new WeakMap<K8sNetworkPolicy, ConvertedK8sPolicy>();

/** Cluster-scoped policies converted, by resource. */
const convertedCluster = new WeakMap<ClusterNetworkPolicy, ConvertedClusterPolicy>();

function clusterRules(r: ClusterNetworkPolicy): ConvertedClusterPolicy {
  let c = convertedCluster.get(r);
  if (!c) convertedCluster.set(r, (c = convertClusterPolicy(r)));
  return c;
}

/**
 * A policy's rules in one direction (a Kubernetes NetworkPolicy's or a cluster-scoped policy's
 * as Calico's converter makes them).
 */
export function policyRules(p: PolicyInfo, direction: "ingress" | "egress"): readonly Rule[] {
  const r = p.resource;
  if (r.kind === "ClusterNetworkPolicy") return direction === "ingress" ? clusterRules(r).ingress : clusterRules(r).egress;
  if (r.kind !== "K8sNetworkPolicy") return direction === "ingress" ? r.ingress : r.egress;
  let c = converted.get(r);
  if (!c) converted.set(r, (c = convertK8sPolicy(r)));
  return direction === "ingress" ? c.ingress : c.egress;
}

const pcns = (l: string): string => NAMESPACE_LABEL_PREFIX + l;
const pcsa = (l: string): string => SERVICE_ACCOUNT_LABEL_PREFIX + l;

/**
 * Normalizes every policy of the model (Calico v3, Kubernetes and v1); with `hostOnly`, also the
 * preDNAT and doNotTrack policies that only host endpoints use.
 */
export function collectPolicies(model: Model, hostOnly = false): PolicyInfo[] {
  const out: PolicyInfo[] = [];
  for (const r of model.resources) {
    const p = policyInfo(r, hostOnly);
    if (p) out.push(p);
  }
  return out;
}

function hostFlags(r: { readonly preDNAT: boolean; readonly doNotTrack: boolean; readonly applyOnForward: boolean }): NonNullable<PolicyInfo["host"]> {
  const only = r.doNotTrack ? "doNotTrack" : r.preDNAT ? "preDNAT" : undefined;
  return { ...(only ? { only } : {}), applyOnForward: r.applyOnForward };
}

/**
 * A policy resource normalized (Calico v3, Kubernetes and v1); undefined for other kinds and for
 * the policies Felix never renders into workload chains.
 */
export function policyInfo(r: Resource, hostOnly = false): PolicyInfo | undefined {
  switch (r.kind) {
    case "NetworkPolicy": {
      const ns = r.metadata.namespace ?? "default";
      let sel = andSelectors(r.selector.ast, eqLabel(NAMESPACE_LABEL, ns));
      if (r.serviceAccountSelector) sel = andSelectors(sel, mapLabels(r.serviceAccountSelector.ast, pcsa));
      return {
        id: `np/${ns}/${r.metadata.name}`,
        kind: "NetworkPolicy",
        name: r.metadata.name,
        namespace: ns,
        tier: r.tier,
        ...(r.order !== undefined ? { order: r.order } : {}),
        selector: sel,
        types: r.types,
        resource: r,
        origin: r.origin,
      };
    }
    case "GlobalNetworkPolicy": {
      // Felix never renders preDNAT/doNotTrack policies into workload chains: they live in
      // tiers of their own, for host endpoints only (felix/calc/event_sequencer.go).
      if ((r.preDNAT || r.doNotTrack) && !hostOnly) return undefined;
      const written: Selector | undefined = r.selector.text.trim() === "" ? undefined : r.selector.ast;
      const selector = globalPolicySelector(written, r.namespaceSelector?.ast, r.serviceAccountSelector?.ast);
      return {
        id: `gnp/${r.metadata.name}`,
        kind: "GlobalNetworkPolicy",
        name: r.metadata.name,
        tier: r.tier,
        ...(r.order !== undefined ? { order: r.order } : {}),
        selector: selector ?? r.selector.ast,
        types: r.types,
        resource: r,
        origin: r.origin,
        host: hostFlags(r),
      };
    }
    case "V1Policy":
      if ((r.preDNAT || r.doNotTrack) && !hostOnly) return undefined;
      return {
        id: `gnp/${r.metadata.name}`,
        kind: "GlobalNetworkPolicy",
        name: r.metadata.name,
        tier: r.tier,
        ...(r.order !== undefined ? { order: r.order } : {}),
        selector: r.selector.ast,
        types: r.types,
        resource: r,
        origin: r.origin,
        host: hostFlags(r),
      };
    case "K8sNetworkPolicy": {
      const ns = r.metadata.namespace ?? "default";

      return {
        id: `knp/${ns}/${r.metadata.name}`,
        kind: "KubernetesNetworkPolicy",
        name: r.metadata.name,
        namespace: ns,
        tier: DEFAULT_TIER.name,
        order: K8S_NETWORK_POLICY_ORDER,
        selector: andSelectors(k8sPolicySelector(r), eqLabel(NAMESPACE_LABEL, ns)),
        types: r.policyTypes.length > 0 ? r.policyTypes : ["Ingress"],
        resource: r,
        origin: r.origin,
      };
    }
    case "ClusterNetworkPolicy": {
      const place = clusterPolicyPlacement(r.apiKind, r.tier, r.metadata.name, r.priority);
      const parts = clusterPolicySelectorParts(r);
      const rules = clusterRules(r);
      const types: PolicyType[] = clusterPolicyTypes(rules.ingress.length > 0, rules.egress.length > 0);
      return {
        id: place.id,
        kind: place.keyKind === "KubernetesClusterNetworkPolicy" ? "KubernetesClusterNetworkPolicy" : "GlobalNetworkPolicy",
        name: place.name,
        tier: place.tier.name,
        order: place.order,
        selector: globalPolicySelector(parts.selector, parts.namespaceSelector, undefined) ?? parts.selector,
        types,
        resource: r,
        origin: r.origin,
      };
    }
    default:
      return undefined;
  }
}

/**
 * A GlobalNetworkPolicy's effective selector. globalnetworkpolicyprocessor.go appends the
 * prefixed namespaceSelector to the selector text and then replaces every all() in it, the
 * written selector's too, with has(projectcalico.org/namespace); then likewise the
 * serviceAccountSelector, with has(projectcalico.org/serviceaccount). An empty written selector
 * is not in that text. Undefined when there is nothing but an empty selector.
 */
function globalPolicySelector(written: Selector | undefined, namespaceSelector: Selector | undefined, serviceAccountSelector: Selector | undefined): Selector | undefined {
  const replaceAll = (sel: Selector, all: Selector): Selector => mapLabels(sel, (l) => l, () => all);
  const append = (sel: Selector | undefined, part: Selector): Selector => (sel ? andSelectors(sel, part) : part);
  let selector = written;
  if (namespaceSelector) selector = replaceAll(append(selector, mapLabels(namespaceSelector, pcns)), hasLabel(NAMESPACE_LABEL));
  if (serviceAccountSelector) selector = replaceAll(append(selector, mapLabels(serviceAccountSelector, pcsa)), hasLabel(SERVICE_ACCOUNT_LABEL));
  return selector;
}

/** Tiers by name; the implicit tiers (`IMPLICIT_TIERS`: default, kube-admin, ...) exist without a Tier resource. */
export function collectTiers(model: Model): Map<string, TierFacts> {
  const tiers = new Map<string, TierFacts>(IMPLICIT_TIERS.map((t): [string, TierFacts] => [t.name, t]));
  for (const r of model.resources) {
    if (r.kind === "Tier") tiers.set(r.metadata.name, definedTier(r.metadata.name, r.order, r.defaultAction));
  }
  return tiers;
}

/** A tier and its policies, both in evaluation order. */
export interface OrderedTier {
  readonly tier: TierFacts;
  readonly policies: readonly PolicyInfo[];
}

/** Policies in `comparePolicyOrder`'s order, each policy's tie key made once (not per comparison). */
function inPolicyOrder(policies: readonly PolicyInfo[]): PolicyInfo[] {
  const keyed = policies.map((p) => ({ p, key: policySortKey(p) }));
  keyed.sort((a, b) => comparePolicySortKeys(a.key, b.key));
  return keyed.map((k) => k.p);
}

/**
 * Groups policies by tier in Felix's evaluation order. A policy naming an undefined tier goes to a
 * tier of that name that sorts after the defined ones and denies by default.
 */
export function orderTiers(policies: readonly PolicyInfo[], tiers: ReadonlyMap<string, TierFacts>): OrderedTier[] {
  const byTier = new Map<string, PolicyInfo[]>();
  for (const p of policies) {
    const list = byTier.get(p.tier);
    if (list) list.push(p);
    else byTier.set(p.tier, [p]);
  }
  return [...byTier.entries()]
    .map(([name, ps]) => ({ tier: tiers.get(name) ?? undefinedTier(name), policies: inPolicyOrder(ps) }))
    .sort((a, b) => compareTierOrder(a.tier, b.tier));
}

