/**
 * duplicate-resource: two documents with the same kind, namespace and name. The error is on the
 * second (which is dropped) with a note at the first. Kubernetes and Calico NetworkPolicy are
 * different kinds, so they may share a name.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import type { ModelRule } from "./types.js";

function identity(r: Resource): string {
  return JSON.stringify([r.kind, r.metadata.namespace ?? "", r.metadata.name]);
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
