/**
 * `prepareModel`: everything about a model that does not depend on the flow, computed once —
 * members and their labels, profiles, tiers in evaluation order, and for every selector the set of
 * members it matches.
 */
import type { Model, PolicyType, Resource, Selector } from "../../model/types.js";
import { selectorMatches } from "../../model/selector/index.js";
import { policySelector } from "./effectiveSelector.js";
import { labelSelectorMatches } from "./labelSelectorMatches.js";
import { compareText, resolveMembers } from "./prepareMembers.js";
import { membershipCache, prepareCalicoRule, prepareK8sRule } from "./prepareRules.js";
import type { Prepared, PreparedMember, PreparedPolicy, PreparedProfile, PreparedTier } from "./types.js";
import { NAMESPACE_LABEL, ORCHESTRATOR_LABEL } from "./effectiveSelector.js";

export interface PrepareOptions {
  /** The node whose endpoints are local (policed). Undefined: every workload endpoint is local. */
  readonly node?: string;
}

/** The tier every policy without a tier belongs to; it exists even when not defined. */
export const DEFAULT_TIER = "default";
/** The default tier's order when it is not defined ([M] reserved tiers: order 1e6, Deny). */
const DEFAULT_TIER_ORDER = 1e6;
/** Kubernetes NetworkPolicies become Calico policies of order 1000 in the default tier. */
const K8S_POLICY_ORDER = 1000;

type PolicyResource = Extract<Resource, { kind: "K8sNetworkPolicy" | "NetworkPolicy" | "GlobalNetworkPolicy" | "V1Policy" }>;

/** Orders by `order` (missing = +infinity), then by the tie-breakers, in code-unit order. */
function compareOrder(a: number | undefined, b: number | undefined, ...ties: readonly [string, string][]): number {
  const x = a ?? Infinity;
  const y = b ?? Infinity;
  if (x !== y) return x < y ? -1 : 1;
  for (const [p, q] of ties) {
    const c = compareText(p, q);
    if (c !== 0) return c;
  }
  return 0;
}

/**
 * Prepares `model` for `evaluateFlow` and `reachabilityMatrix`. The model is not modified and the
 * result does not share mutable state with it.
 */
export function prepareModel(model: Model, options: PrepareOptions = {}): Prepared {
  const { members, profiles: rawProfiles } = resolveMembers(model, options.node);
  const cache = membershipCache(members);
  const selects = (selector: Selector) => members.map((m) => m.workload && selectorMatches(selector, m.labels));

  const policies: PreparedPolicy[] = [];
  for (const r of model.resources) {
    if (r.kind === "K8sNetworkPolicy" || r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy" || r.kind === "V1Policy") {
      policies.push(preparePolicy(r, members, cache, selects));
    }
  }

  const tierDefs = new Map<string, PreparedTier>();
  tierDefs.set(DEFAULT_TIER, { name: DEFAULT_TIER, order: DEFAULT_TIER_ORDER, defaultAction: "Deny", policies: [] });
  for (const r of model.resources) {
    if (r.kind === "Tier") {
      tierDefs.set(r.metadata.name, {
        name: r.metadata.name,
        ...(r.order !== undefined ? { order: r.order } : r.metadata.name === DEFAULT_TIER ? { order: DEFAULT_TIER_ORDER } : {}),
        defaultAction: r.defaultAction,
        policies: [],
      });
    }
  }
  const tiers = new Map<string, PreparedPolicy[]>();
  for (const p of policies) {
    const list = tiers.get(p.tier) ?? [];
    list.push(p);
    tiers.set(p.tier, list);
  }
  const tierNames = new Set([...tierDefs.keys(), ...tiers.keys()]);
  const sortedTiers = [...tierNames]
    .map((name): PreparedTier => {
      // A tier used but not defined (validation reports it) sorts last and denies by default.
      const def = tierDefs.get(name) ?? { name, defaultAction: "Deny", policies: [] };
      const list = [...(tiers.get(name) ?? [])].sort((a, b) => compareOrder(a.order, b.order, [a.name, b.name], [a.namespace ?? "", b.namespace ?? ""]));
      return { ...def, policies: list };
    })
    .sort((a, b) => compareOrder(a.order, b.order, [a.name, b.name]));

  // fromEntries defines own properties, so a name such as `__proto__` stays an ordinary key.
  const profiles = Object.fromEntries(
    [...rawProfiles].map(([name, p]): [string, PreparedProfile] => [
      name,
      {
      name,
      labels: p.labels,
      ingress: p.ingress.map((r) => prepareCalicoRule(r, undefined, cache)),
      egress: p.egress.map((r) => prepareCalicoRule(r, undefined, cache)),
      v1: p.v1,
      ...(p.file !== undefined ? { file: p.file } : {}),
      },
    ]),
  );
  const memberIndexById = Object.fromEntries(members.map((m) => [m.id, m.index]));
  return { members, memberIndexById, tiers: sortedTiers, profiles };
}

function preparePolicy(
  r: PolicyResource,
  members: readonly PreparedMember[],
  cache: ReturnType<typeof membershipCache>,
  selects: (selector: Selector) => boolean[],
): PreparedPolicy {
  const file = r.origin.file;
  const name = r.metadata.name;
  switch (r.kind) {
    case "K8sNetworkPolicy": {
      const ns = r.metadata.namespace ?? "default";
      const knpName = `knp.default.${name}`;
      return {
        kind: r.kind,
        name: knpName,
        namespace: ns,
        display: `${ns}/${knpName}`,
        tier: DEFAULT_TIER,
        order: K8S_POLICY_ORDER,
        types: r.policyTypes,
        // The pods of the policy's namespace that podSelector matches.
        selects: members.map(
          (m) => m.workload && m.namespace === ns && m.labels[NAMESPACE_LABEL] === ns && m.labels[ORCHESTRATOR_LABEL] === "k8s" && labelSelectorMatches(r.podSelector, m.labels),
        ),
        ingress: r.ingress.map((rule) => prepareK8sRule(rule, ns, members)),
        egress: r.egress.map((rule) => prepareK8sRule(rule, ns, members)),
        file,
      };
    }
    case "NetworkPolicy": {
      const ns = r.metadata.namespace ?? "default";
      return {
        kind: r.kind,
        name,
        namespace: ns,
        display: `${ns}/${name}`,
        tier: r.tier,
        ...(r.order !== undefined ? { order: r.order } : {}),
        types: r.types,
        selects: selects(policySelector(r)),
        ingress: r.ingress.map((rule) => prepareCalicoRule(rule, ns, cache)),
        egress: r.egress.map((rule) => prepareCalicoRule(rule, ns, cache)),
        file,
      };
    }
    case "GlobalNetworkPolicy":
      return {
        kind: r.kind,
        name,
        display: name,
        tier: r.tier,
        ...(r.order !== undefined ? { order: r.order } : {}),
        types: r.types,
        selects: selects(policySelector(r)),
        ingress: r.ingress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        egress: r.egress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        file,
      };
    case "V1Policy":
      // v1 policies are global policies of the default tier.
      return {
        kind: r.kind,
        name,
        display: name,
        tier: DEFAULT_TIER,
        ...(r.order !== undefined ? { order: r.order } : {}),
        types: r.types,
        selects: selects(r.selector.ast),
        ingress: r.ingress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        egress: r.egress.map((rule) => prepareCalicoRule(rule, undefined, cache)),
        file,
      };
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
