/**
 * duplicate-resource: two documents with the same kind, namespace and name. The error is on the
 * second (which is dropped) with a note at the first. Kubernetes and Calico NetworkPolicy are
 * different kinds, so they may share a name; v1 endpoints are also scoped by node and workload.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import type { ModelRule } from "./types.js";

/**
 * What names a resource. calicoctl v1 endpoints are keyed by their node (and, for workloads, the
 * orchestrator and workload) as well as their name: every Docker container's endpoint is `eth0`.
 */
function identity(r: Resource): string {
  const scope =
    r.kind === "V1WorkloadEndpoint"
      ? [r.node, r.orchestrator ?? "", r.workload ?? ""]
      : r.kind === "V1HostEndpoint"
        ? [r.node]
        : [r.metadata.namespace ?? ""];
  return JSON.stringify([r.kind, ...scope, r.metadata.name]);
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
      report(
        error("duplicate-resource", `${r.kind} "${r.metadata.name}"${ns} is defined twice`, spanOf(r.origin, "metadata.name"), [
          { message: "first defined here", span: spanOf(earlier.origin, "metadata.name") },
        ]),
        i,
      );
    });
  },
};
