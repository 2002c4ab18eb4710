/**
 * cluster-policy-mixed-releases (warning): ClusterNetworkPolicy (v1alpha2) beside
 * AdminNetworkPolicy or BaselineAdminNetworkPolicy (v1alpha1). No Calico release reads both:
 * v3.31 reads only the v1alpha1 kinds (v3.31.4 libcalico-go/lib/backend/k8s/conversion/
 * conversion.go), later releases only ClusterNetworkPolicy
 * (libcalico-go/lib/backend/k8s/conversion/clusternetworkpolicy.go). policyc compiles both, each
 * where its release puts it; the cluster enforces one set. Reported once, at the first document
 * of the kind that comes second.
 */
import { warning } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import type { ModelRule } from "./types.js";

export const clusterPolicyReleases: ModelRule = {
  name: "clusterPolicyReleases",
  check(resources, report) {
    const first: { v1?: string; v2?: string } = {};
    let reported = false;
    resources.forEach((r, i) => {
      if (r.kind !== "ClusterNetworkPolicy") return;
      const [mine, theirs] = r.apiKind === "ClusterNetworkPolicy" ? (["v2", "v1"] as const) : (["v1", "v2"] as const);
      if (first[mine] !== undefined) return;
      first[mine] = `${r.apiKind} "${r.metadata.name}"`;
      const other = first[theirs];
      if (other === undefined || reported) return;
      reported = true;
      report(
        warning(
          "cluster-policy-mixed-releases",
          `${r.apiKind} beside ${other}: no Calico release reads both (v3.31 reads AdminNetworkPolicy and BaselineAdminNetworkPolicy, later releases ClusterNetworkPolicy); both are compiled`,
          spanOf(r.origin, "kind"),
        ),
        i,
      );
    });
  },
};
