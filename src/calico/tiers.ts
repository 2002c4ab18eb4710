/**
 * Calico's tiers: the reserved ones, their orders and default actions, and where Kubernetes
 * NetworkPolicies land. Upstream: libcalico-go/lib/names/policy.go (tier names),
 * api/pkg/apis/projectcalico/v3/tier.go (orders), libcalico-go/lib/backend/k8s/conversion/
 * conversion.go `K8sNetworkPolicyToCalico` (order 1000 in the default tier).
 */

export type TierDefaultAction = "Deny" | "Pass";

export interface TierFacts {
  readonly name: string;
  /** Absent: sorted after every tier that has one. */
  readonly order?: number;
  readonly defaultAction: TierDefaultAction;
  /**
   * False for a tier that policies name but no Tier resource defines. Felix still evaluates it
   * (felix/calc/policy_resolver.go only logs that it is invalid), after every defined tier.
   */
  readonly defined: boolean;
}

/** The tier of every policy that names none. It exists whether or not a Tier resource defines it. */
export const DEFAULT_TIER: TierFacts = { name: "default", order: 1_000_000, defaultAction: "Deny", defined: true };

/** Where ClusterNetworkPolicy's Admin tier lands (evaluated before every NetworkPolicy). */
export const KUBE_ADMIN_TIER: TierFacts = { name: "kube-admin", order: 1_000, defaultAction: "Pass", defined: true };

/** Where ClusterNetworkPolicy's Baseline tier lands (evaluated after every NetworkPolicy). */
export const KUBE_BASELINE_TIER: TierFacts = { name: "kube-baseline", order: 10_000_000, defaultAction: "Pass", defined: true };

/** The order Calico gives every Kubernetes NetworkPolicy. */
export const K8S_NETWORK_POLICY_ORDER = 1000;

/**
 * A tier a policy names but no Tier resource defines: Felix orders it after every defined tier,
 * and its default action is unset, which the dataplane renders as a drop.
 */
export function undefinedTier(name: string): TierFacts {
  return { name, defaultAction: "Deny", defined: false };
}

/** The facts of a tier as defined (order and action as given), with the reserved orders filled in. */
export function definedTier(name: string, order: number | undefined, defaultAction: TierDefaultAction): TierFacts {
  const reserved = [DEFAULT_TIER, KUBE_ADMIN_TIER, KUBE_BASELINE_TIER].find((t) => t.name === name);
  const effective = order ?? reserved?.order;
  return { name, ...(effective !== undefined ? { order: effective } : {}), defaultAction, defined: true };
}
