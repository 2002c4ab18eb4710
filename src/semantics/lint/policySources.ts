/**
 * The model resource behind each prepared policy, so that lint findings about a prepared policy
 * or rule can point at its text. A prepared policy is known by its file, kind and display name
 * (`ns/name` or `name`); the model has no duplicates once validation passed.
 */
import type { Model, Resource } from "../../model/types.js";
import type { PolicyKind, PreparedPolicy } from "../types.js";

export type PolicyResource = Extract<Resource, { kind: "K8sNetworkPolicy" | "NetworkPolicy" | "GlobalNetworkPolicy" | "V1Policy" | "ClusterNetworkPolicy" }>;

function keyOf(file: string, kind: PolicyKind, display: string): string {
  return `${file}\u0000${kind}\u0000${display}`;
}

/** The prepared kind and display name of a policy resource (as prepareModel names them). */
export function policyIdentity(r: PolicyResource): { readonly kind: PolicyKind; readonly display: string } {
  switch (r.kind) {
    case "K8sNetworkPolicy":
    case "NetworkPolicy":
      return { kind: r.kind, display: `${r.metadata.namespace ?? "default"}/${r.metadata.name}` };
    case "GlobalNetworkPolicy":
    case "V1Policy":
      return { kind: r.kind, display: r.metadata.name };
    case "ClusterNetworkPolicy":
      return { kind: r.apiKind, display: r.metadata.name };
  }
}

export function isPolicyResource(r: Resource): r is PolicyResource {
  return r.kind === "K8sNetworkPolicy" || r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy" || r.kind === "V1Policy" || r.kind === "ClusterNetworkPolicy";
}

/** Looks up the resource of a prepared policy. */
export function policySources(model: Model): (policy: PreparedPolicy) => PolicyResource | undefined {
  const byKey = new Map<string, PolicyResource>();
  for (const r of model.resources) {
    if (!isPolicyResource(r)) continue;
    const { kind, display } = policyIdentity(r);
    byKey.set(keyOf(r.origin.file, kind, display), r);
  }
  return (policy) => byKey.get(keyOf(policy.file, policy.kind, policy.display));
}

/** The name a user knows a policy by: `NetworkPolicy shop/web` (Kubernetes), `GlobalNetworkPolicy deny`. */
export function policyTitle(policy: PreparedPolicy): string {
  switch (policy.kind) {
    case "K8sNetworkPolicy":
      return `NetworkPolicy ${policy.display}`;
    case "NetworkPolicy":
      return `Calico NetworkPolicy ${policy.display}`;
    case "GlobalNetworkPolicy":
      return `GlobalNetworkPolicy ${policy.display}`;
    case "V1Policy":
      return `policy ${policy.display}`;
    case "ClusterNetworkPolicy":
    case "AdminNetworkPolicy":
    case "BaselineAdminNetworkPolicy":
      return `${policy.kind} ${policy.display}`;
  }
}
