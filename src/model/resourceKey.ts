/**
 * What names a resource: two resources with the same key are one resource to the cluster (and to
 * Felix), so a model holds at most one of them (validation reports the second as a duplicate)
 * and an incremental compile replaces one by the other.
 *
 * The key is the kind, the namespace and the name, with three refinements:
 * - calicoctl v1 endpoints are keyed by their node (and, for workloads, the orchestrator and
 *   workload) as well as their name: every Docker container's endpoint is `eth0`;
 * - a v1 policy is a GlobalNetworkPolicy to Felix (the v1 model has no other kind of policy), and
 *   a v1 profile is a Profile: each pair shares one key (Felix keys a policy by name, namespace
 *   and kind, libcalico-go/lib/backend/model/policy.go `PolicyKey`, and a profile by its name
 *   alone, libcalico-go/lib/backend/model/profile.go `ProfileKey`);
 * - the cluster-scoped policy kinds share one model kind but are three API kinds: an
 *   AdminNetworkPolicy and a ClusterNetworkPolicy of one name are two resources; so do the
 *   workload kinds (a Deployment and a StatefulSet `web` are two resources).
 */
import type { ResourceKind } from "./types.js";

/** The fields of a resource that its key reads (a whole resource is one). */
export interface ResourceRef {
  readonly kind: ResourceKind;
  readonly metadata: { readonly name: string; readonly namespace?: string };
  /** v1 endpoints only. */
  readonly node?: string;
  /** ClusterNetworkPolicy only: which of the three cluster-scoped kinds it was written as. */
  readonly apiKind?: string;
  /** Workload only: Deployment, StatefulSet, ... */
  readonly workloadKind?: string;
  /** V1WorkloadEndpoint only. */
  readonly orchestrator?: string;
  readonly workload?: string;
}

/** The resource's key, a JSON array text: `["Pod","shop","web"]`, `["GlobalNetworkPolicy","","deny"]`. */
export function resourceKey(r: ResourceRef): string {
  const kind =
    r.kind === "V1Policy"
      ? "GlobalNetworkPolicy"
      : r.kind === "V1Profile"
        ? "Profile"
        : r.kind === "ClusterNetworkPolicy"
          ? (r.apiKind ?? r.kind)
          : r.kind === "Workload"
            ? (r.workloadKind ?? r.kind)
            : r.kind;
  const scope =
    r.kind === "V1WorkloadEndpoint"
      ? [r.node ?? "", r.orchestrator ?? "", r.workload ?? ""]
      : r.kind === "V1HostEndpoint"
        ? [r.node ?? ""]
        : [r.metadata.namespace ?? ""];
  return JSON.stringify([kind, ...scope, r.metadata.name]);
}
