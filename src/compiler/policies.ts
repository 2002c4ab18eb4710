/**
 * Every policy kind normalized to one shape (a Calico policy with its effective policy-level
 * selector), and the tier order Felix evaluates them in.
 */
import type { Model, Origin, PolicyType, Rule, Selector } from "../model/types.js";
import { convertK8sPolicy } from "./k8sPolicy.js";
import {
  andSelectors,
  eqLabel,
  hasLabel,
  mapLabels,
  NAMESPACE_LABEL,
  notSelector,
  SERVICE_ACCOUNT_LABEL,
} from "./selectors/selectorOps.js";

export interface PolicyInfo {
  /** Felix's policy id: `np/<ns>/<name>`, `gnp/<name>`, `knp/<ns>/<name>`. */
  readonly id: string;
  /** Kind named in the chain comment. */
  readonly kind: "NetworkPolicy" | "GlobalNetworkPolicy" | "KubernetesNetworkPolicy";
  readonly name: string;
  /** Set for namespaced kinds: rule selectors without a namespaceSelector are scoped to it. */
  readonly namespace?: string;
  readonly tier: string;
  readonly order?: number;
  /** The effective policy-level selector (namespace and service-account parts included). */
  readonly selector: Selector;
  readonly types: readonly PolicyType[];
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
  readonly origin: Origin;
}

export interface TierInfo {
  readonly name: string;
  readonly order?: number;
  readonly defaultAction: "Deny" | "Pass";
}

/** Calico's `default` tier: order 1e6, default action Deny ([M] reserved tiers). */
export const DEFAULT_TIER: TierInfo = { name: "default", order: 1e6, defaultAction: "Deny" };

const pcns = (l: string): string => "pcns." + l;
const pcsa = (l: string): string => "pcsa." + l;

/** Normalizes every policy of the model (Calico v3, Kubernetes and v1). */
export function collectPolicies(model: Model): PolicyInfo[] {
  const out: PolicyInfo[] = [];
  for (const r of model.resources) {
    switch (r.kind) {
      case "NetworkPolicy": {
        const ns = r.metadata.namespace ?? "default";
        let sel = andSelectors(r.selector.ast, eqLabel(NAMESPACE_LABEL, ns));
        if (r.serviceAccountSelector) sel = andSelectors(sel, mapLabels(r.serviceAccountSelector.ast, pcsa));
        out.push({
          id: `np/${ns}/${r.metadata.name}`,
          kind: "NetworkPolicy",
          name: r.metadata.name,
          namespace: ns,
          tier: r.tier,
          ...(r.order !== undefined ? { order: r.order } : {}),
          selector: sel,
          types: r.types,
          ingress: r.ingress,
          egress: r.egress,
          origin: r.origin,
        });
        break;
      }
      case "GlobalNetworkPolicy": {
        // Felix never renders preDNAT/doNotTrack policies into the normal filter chains.
        if (r.preDNAT || r.doNotTrack) break;
        const parts: Selector[] = [r.selector.ast];
        if (r.namespaceSelector) {
          parts.push(mapLabels(r.namespaceSelector.ast, pcns, () => hasLabel(NAMESPACE_LABEL), () => notSelector(hasLabel(NAMESPACE_LABEL))));
        }
        if (r.serviceAccountSelector) parts.push(mapLabels(r.serviceAccountSelector.ast, pcsa, () => hasLabel(SERVICE_ACCOUNT_LABEL)));
        out.push({
          id: `gnp/${r.metadata.name}`,
          kind: "GlobalNetworkPolicy",
          name: r.metadata.name,
          tier: r.tier,
          ...(r.order !== undefined ? { order: r.order } : {}),
          selector: andSelectors(...parts),
          types: r.types,
          ingress: r.ingress,
          egress: r.egress,
          origin: r.origin,
        });
        break;
      }
      case "V1Policy":
        out.push({
          id: `gnp/${r.metadata.name}`,
          kind: "GlobalNetworkPolicy",
          name: r.metadata.name,
          tier: "default",
          ...(r.order !== undefined ? { order: r.order } : {}),
          selector: r.selector.ast,
          types: r.types,
          ingress: r.ingress,
          egress: r.egress,
          origin: r.origin,
        });
        break;
      case "K8sNetworkPolicy": {
        const ns = r.metadata.namespace ?? "default";
        const c = convertK8sPolicy(r);
        out.push({
          id: `knp/${ns}/${r.metadata.name}`,
          kind: "KubernetesNetworkPolicy",
          name: r.metadata.name,
          namespace: ns,
          tier: "default",
          order: 1000,
          selector: andSelectors(c.selector, eqLabel(NAMESPACE_LABEL, ns)),
          types: r.policyTypes.length > 0 ? r.policyTypes : ["Ingress"],
          ingress: c.ingress,
          egress: c.egress,
          origin: r.origin,
        });
        break;
      }
      default:
        break;
    }
  }
  return out;
}

/** Tiers by name; `default` exists implicitly. */
export function collectTiers(model: Model): Map<string, TierInfo> {
  const tiers = new Map<string, TierInfo>([[DEFAULT_TIER.name, DEFAULT_TIER]]);
  for (const r of model.resources) {
    if (r.kind !== "Tier") continue;
    const order = r.order ?? (r.metadata.name === "default" ? DEFAULT_TIER.order : undefined);
    tiers.set(r.metadata.name, { name: r.metadata.name, ...(order !== undefined ? { order } : {}), defaultAction: r.defaultAction });
  }
  return tiers;
}

/** Orders by `order` ascending, absent last. */
function compareOrder(a: number | undefined, b: number | undefined): number {
  if (a === b) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a - b;
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Felix's tier order: by order (absent last), ties by name. */
export function compareTiers(a: TierInfo, b: TierInfo): number {
  return compareOrder(a.order, b.order) || compareText(a.name, b.name);
}

/** Felix's policy order within a tier: by order (absent last), ties by name, namespace, kind. */
export function comparePolicies(a: PolicyInfo, b: PolicyInfo): number {
  return (
    compareOrder(a.order, b.order) ||
    compareText(a.name, b.name) ||
    compareText(a.namespace ?? "", b.namespace ?? "") ||
    compareText(a.kind, b.kind)
  );
}

/** A tier and its policies, both in evaluation order. */
export interface OrderedTier {
  readonly tier: TierInfo;
  readonly policies: readonly PolicyInfo[];
}

/**
 * Groups policies by tier in evaluation order. A policy naming an undefined tier goes to a tier
 * of that name with no order (sorted last) and default action Deny.
 */
export function orderTiers(policies: readonly PolicyInfo[], tiers: ReadonlyMap<string, TierInfo>): OrderedTier[] {
  const byTier = new Map<string, PolicyInfo[]>();
  for (const p of policies) {
    const list = byTier.get(p.tier);
    if (list) list.push(p);
    else byTier.set(p.tier, [p]);
  }
  return [...byTier.entries()]
    .map(([name, ps]) => ({ tier: tiers.get(name) ?? { name, defaultAction: "Deny" as const }, policies: [...ps].sort(comparePolicies) }))
    .sort((a, b) => compareTiers(a.tier, b.tier));
}

