/**
 * duplicate-resource: two documents with the same kind, namespace and name. The error is on the
 * second (which is dropped) with a note at the first. Kubernetes and Calico NetworkPolicy are
 * different kinds, so they may share a name; v1 endpoints are also scoped by node and workload. A
 * v1 policy and a GlobalNetworkPolicy of one name are one policy to Felix (the v1 model has no
 * other kind of policy), as are a v1 profile and a Profile: those pairs are duplicates too.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import type { ModelRule } from "./types.js";

/**
 * What names a resource. calicoctl v1 endpoints are keyed by their node (and, for workloads, the
 * orchestrator and workload) as well as their name: every Docker container's endpoint is `eth0`.
 */
function identity(r: Resource): string {
  // A v1 policy is a global policy to Felix, and a v1 profile a profile: one name, one resource.
  const kind = r.kind === "V1Policy" ? "GlobalNetworkPolicy" : r.kind === "V1Profile" ? "Profile" : r.kind;
  const scope =
    r.kind === "V1WorkloadEndpoint"
      ? [r.node, r.orchestrator ?? "", r.workload ?? ""]
      : r.kind === "V1HostEndpoint"
        ? [r.node]
        : [r.metadata.namespace ?? ""];
  return JSON.stringify([kind, ...scope, r.metadata.name]);
}

export const duplicateResources: ModelRule = {
  name: "duplicateResources",
  check(resources, report) {
    const first = new Map<string, Resource>();
    resources.forEach((r, i) => {
      const id = identity(r);
      const earlier = first.get(id);
      if (!earlier) {
        first.set(id, r);
        return;
      }
      const ns = r.metadata.namespace !== undefined ? ` in namespace ${r.metadata.namespace}` : "";
      const message =
        earlier.kind === r.kind
          ? `${r.kind} "${r.metadata.name}"${ns} is defined twice`
          : `${r.kind} "${r.metadata.name}" is the same resource to Felix as ${earlier.kind} "${earlier.metadata.name}"`;
      report(
        error("duplicate-resource", message, spanOf(r.origin, "metadata.name"), [
          { message: "first defined here", span: spanOf(earlier.origin, "metadata.name") },
        ]),
        i,
      );
    });
  },
};
