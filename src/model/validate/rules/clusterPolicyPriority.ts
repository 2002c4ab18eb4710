/**
 * cluster-policy-priority-tie (warning): two cluster-scoped policies of one tier share a priority.
 * The API leaves the order of such policies to the implementation
 * (apis/v1alpha2/clusternetworkpolicy_types.go, `Priority`); Calico gives each the priority as its
 * order and breaks the tie by name (felix/calc/policy_sorter.go), so the result depends on names.
 */
import { warning } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import type { ModelRule } from "./types.js";

export const clusterPolicyPriority: ModelRule = {
  name: "clusterPolicyPriority",
  check(resources, report) {
    const first = new Map<string, string>();
    resources.forEach((r, i) => {
      if (r.kind !== "ClusterNetworkPolicy" || r.priority === undefined) return;
      const key = `${r.apiKind === "ClusterNetworkPolicy" ? "v1alpha2" : "v1alpha1"} ${r.tier} ${r.priority}`;
      const other = first.get(key);
      if (other === undefined) {
        first.set(key, r.metadata.name);
        return;
      }
      report(
        warning(
          "cluster-policy-priority-tie",
          `priority ${r.priority} is also the priority of "${other}" in the ${r.tier} tier: the API leaves their order open, Calico orders them by name`,
          spanOf(r.origin, "spec.priority"),
        ),
        i,
      );
    });
  },
};
