/**
 * The order Felix evaluates tiers and policies in: calico felix/calc/policy_sorter.go, `TierLess`
 * and `PolKVLess`.
 */
import { compareUtf8 } from "./goStrings.js";
import type { TierFacts } from "./tiers.js";

/**
 * The kind in a policy's key, spelled as libcalico-go spells it (model.PolicyKey.Kind):
 * api/pkg/apis/projectcalico/v3 `KindNetworkPolicy`, `KindGlobalNetworkPolicy`, the staged kinds,
 * and libcalico-go/lib/backend/model `KindKubernetesNetworkPolicy` (a Kubernetes NetworkPolicy keeps
 * its own name and namespace: libcalico-go/lib/backend/k8s/conversion/conversion.go) and
 * `KindKubernetesClusterNetworkPolicy`.
 */
export type PolicyKeyKind =
  | "NetworkPolicy"
  | "GlobalNetworkPolicy"
  | "KubernetesNetworkPolicy"
  | "KubernetesClusterNetworkPolicy"
  | "StagedNetworkPolicy"
  | "StagedGlobalNetworkPolicy"
  | "StagedKubernetesNetworkPolicy";

/** What Felix knows of a policy when it orders it. */
export interface PolicyOrderKey {
  /** Absent: +infinity, after every policy that has one. */
  readonly order?: number;
  readonly name: string;
  /** Absent (or empty) for cluster-scoped kinds. */
  readonly namespace?: string;
  readonly kind: PolicyKeyKind;
}

/**
 * The tie-breaker Felix uses between policies of equal order: the string
 * `<name>/<namespace>/<kind>` (so `web-allow` sorts before `web`, since `-` < `/`).
 */
export function policyTieKey(key: PolicyOrderKey): string {
  return `${key.name}/${key.namespace ?? ""}/${key.kind}`;
}

/** What `comparePolicyOrder` compares, made once per policy (a sort compares each many times). */
export interface PolicySortKey {
  readonly order: number;
  readonly tie: string;
}

export function policySortKey(key: PolicyOrderKey): PolicySortKey {
  return { order: key.order ?? Infinity, tie: policyTieKey(key) };
}

/** `comparePolicyOrder` on sort keys. */
export function comparePolicySortKeys(a: PolicySortKey, b: PolicySortKey): number {
  if (a.order !== b.order) return a.order < b.order ? -1 : 1;
  return compareUtf8(a.tie, b.tie);
}

/** Felix's order of policies within a tier: `order` ascending (absent last), then the tie key. */
export function comparePolicyOrder(a: PolicyOrderKey, b: PolicyOrderKey): number {
  return comparePolicySortKeys(policySortKey(a), policySortKey(b));
}

/** Felix's order of tiers: defined before undefined, then `order` ascending (absent last), then name. */
export function compareTierOrder(a: TierFacts, b: TierFacts): number {
  if (a.defined !== b.defined) return a.defined ? -1 : 1;
  const x = a.order ?? Infinity;
  const y = b.order ?? Infinity;
  if (x !== y) return x < y ? -1 : 1;
  return compareUtf8(a.name, b.name);
}
