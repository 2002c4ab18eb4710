/**
 * duplicate-resource: two documents with the same kind, namespace and name. The error is on the
 * second (which is dropped) with a note at the first. Kubernetes and Calico NetworkPolicy are
 * different kinds, so they may share a name; v1 endpoints are also scoped by node and workload. A
 * v1 policy and a GlobalNetworkPolicy of one name are one policy to Felix (the v1 model has no
 * other kind of policy), as are a v1 profile and a Profile: those pairs are duplicates too.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import { resourceKey } from "../../resourceKey.js";
import type { ModelRule } from "./types.js";

export const duplicateResources: ModelRule = {
  name: "duplicateResources",
  check(resources, report) {
    const first = new Map<string, Resource>();
    resources.forEach((r, i) => {
      const id = resourceKey(r);
      const earlier = first.get(id);
      if (!earlier) {
        first.set(id, r);
        return;
      }
      const ns = r.metadata.namespace !== undefined ? ` in namespace ${r.metadata.namespace}` : "";
      const kind = r.kind === "ClusterNetworkPolicy" ? r.apiKind : r.kind === "Workload" ? r.workloadKind : r.kind;
      const message =
        earlier.kind === r.kind
          ? `${kind} "${r.metadata.name}"${ns} is defined twice`
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
