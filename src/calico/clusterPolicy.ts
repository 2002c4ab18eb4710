/**
 * How Calico places SIG Network's cluster-scoped policies among its own: the tier, the policy's
 * name and kind in Felix's key, and its order.
 *
 * - `ClusterNetworkPolicy` (v1alpha2), read by current Calico
 *   (libcalico-go/lib/backend/k8s/conversion/clusternetworkpolicy.go
 *   `K8sClusterNetworkPolicyToCalico`): a GlobalNetworkPolicy keyed as kind
 *   `KubernetesClusterNetworkPolicy` (libcalico-go/lib/backend/model/kubeclusternetworkpolicy.go)
 *   under its own name, policy id `kcnp/<name>` (felix/types/policy_id.go), in tier `kube-admin`
 *   or `kube-baseline` (libcalico-go/lib/names/policy.go), order = priority.
 * - `AdminNetworkPolicy` and `BaselineAdminNetworkPolicy` (v1alpha1), read by Calico up to v3.31
 *   (v3.31.4 conversion.go `K8sAdminNetworkPolicyToCalico`,
 *   `K8sBaselineAdminNetworkPolicyToCalico`): GlobalNetworkPolicies named
 *   `kanp.adminnetworkpolicy.<name>` (order = priority) and
 *   `kbanp.baselineadminnetworkpolicy.<name>` (order 1000), in the tiers `adminnetworkpolicy`
 *   (order 1000) and `baselineadminnetworkpolicy` (order 10,000,000), both defaulting to Pass
 *   (v3.31.4 libcalico-go/lib/clientv3/client.go `ensureTierExists`, api tier.go orders).
 *
 * In every case the policy's types are those directions that have rules after conversion (the
 * tiers default to Pass, so a direction without rules has nothing to say), and a rule's `name`
 * is kept as the rule annotation `name` (conversion constants.go `K8sCNPRuleNameLabel`).
 */
import type { PolicyKeyKind } from "./policyOrder.js";
import { DEFAULT_TIER, KUBE_ADMIN_TIER, KUBE_BASELINE_TIER, type TierFacts } from "./tiers.js";

/** The v1alpha1 admin tier of Calico v3.31 (`names.AdminNetworkPolicyTierName`). */
export const ADMIN_NETWORK_POLICY_TIER: TierFacts = { name: "adminnetworkpolicy", order: 1_000, defaultAction: "Pass", defined: true };

/** The v1alpha1 baseline tier of Calico v3.31 (`names.BaselineAdminNetworkPolicyTierName`). */
export const BASELINE_ADMIN_NETWORK_POLICY_TIER: TierFacts = {
  name: "baselineadminnetworkpolicy",
  order: 10_000_000,
  defaultAction: "Pass",
  defined: true,
};

/**
 * The directions a converted cluster-scoped policy applies to, as Felix reads them. The converter
 * sets the types to the directions that have rules (`clusterNetPolicyTypes`); Felix reads no
 * types at all as both directions (felix/calc/policy_sorter.go, "Back compatibility: no Types
 * means Ingress and Egress"), so a policy left without rules still takes part in its tier both
 * ways, where it decides nothing (the tier's default is Pass) but clears the pass mark.
 */
export function clusterPolicyTypes(hasIngressRules: boolean, hasEgressRules: boolean): ("Ingress" | "Egress")[] {
  if (!hasIngressRules && !hasEgressRules) return ["Ingress", "Egress"];
  return [...(hasIngressRules ? (["Ingress"] as const) : []), ...(hasEgressRules ? (["Egress"] as const) : [])];
}

/** The annotation that carries a converted rule's name. */
export const CLUSTER_POLICY_RULE_NAME_ANNOTATION = "name";

/** The order Calico v3.31 gives the (single) BaselineAdminNetworkPolicy. */
export const BASELINE_ADMIN_NETWORK_POLICY_ORDER = 1000;

export type ClusterPolicyKind = "ClusterNetworkPolicy" | "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy";

/** Where Felix sees a cluster-scoped policy. */
export interface ClusterPolicyPlacement {
  readonly tier: TierFacts;
  /** The policy's name in Felix's key. */
  readonly name: string;
  readonly keyKind: PolicyKeyKind;
  /** Felix's policy id (felix/types/policy_id.go `PolicyID.ID`). */
  readonly id: string;
  readonly order: number;
}

/** The placement of a policy of `kind` called `name`, of tier `tier` and `priority` (absent for the baseline kind). */
export function clusterPolicyPlacement(kind: ClusterPolicyKind, tier: "Admin" | "Baseline", name: string, priority: number | undefined): ClusterPolicyPlacement {
  switch (kind) {
    case "ClusterNetworkPolicy":
      return { tier: tier === "Admin" ? KUBE_ADMIN_TIER : KUBE_BASELINE_TIER, name, keyKind: "KubernetesClusterNetworkPolicy", id: `kcnp/${name}`, order: priority ?? 0 };
    case "AdminNetworkPolicy": {
      const full = `kanp.adminnetworkpolicy.${name}`;
      return { tier: ADMIN_NETWORK_POLICY_TIER, name: full, keyKind: "GlobalNetworkPolicy", id: `gnp/${full}`, order: priority ?? 0 };
    }
    case "BaselineAdminNetworkPolicy": {
      const full = `kbanp.baselineadminnetworkpolicy.${name}`;
      return { tier: BASELINE_ADMIN_NETWORK_POLICY_TIER, name: full, keyKind: "GlobalNetworkPolicy", id: `gnp/${full}`, order: BASELINE_ADMIN_NETWORK_POLICY_ORDER };
    }
  }
}

/**
 * The tiers that exist without a Tier resource: `default`, `kube-admin` and `kube-baseline`
 * (current Calico creates them at start: libcalico-go/lib/names/policy.go `ProtectedTierNames`),
 * and Calico v3.31's `adminnetworkpolicy` and `baselineadminnetworkpolicy`, where the v1alpha1
 * kinds land (the same release created those at start). One list for both releases, so that a
 * model holding either kind needs no Tier resource.
 */
export const IMPLICIT_TIERS: readonly TierFacts[] = [DEFAULT_TIER, KUBE_ADMIN_TIER, KUBE_BASELINE_TIER, ADMIN_NETWORK_POLICY_TIER, BASELINE_ADMIN_NETWORK_POLICY_TIER];

/** The implicit tier called `name`, if any. */
export function implicitTier(name: string): TierFacts | undefined {
  return IMPLICIT_TIERS.find((t) => t.name === name);
}
