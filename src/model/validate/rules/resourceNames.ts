/**
 * invalid-name: resource and namespace names in the formats Kubernetes and Calico require.
 * Most kinds are DNS-1123 subdomains (at most 253); Namespace and Tier are DNS labels (at most 63);
 * Calico NetworkPolicy is `label`, `label.label` or `knp.default.<subdomain>`; GlobalNetworkPolicy is
 * `label` or `label.label`; calicoctl v1 names are `^[a-zA-Z0-9_.-]{1,128}$`.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource } from "../../types.js";
import { isDnsLabel, isDnsSubdomain, isGlobalNetworkPolicyName, isNetworkPolicyName, isV1Name } from "../names.js";
import type { ResourceRule } from "./types.js";
import { DEFAULT_ALLOW_PROFILE } from "../../../calico/index.js";

function nameRule(r: Resource): { ok: (name: string) => boolean; format: string } | undefined {
  switch (r.kind) {
    case "Namespace":
    case "Tier":
      return { ok: isDnsLabel, format: "a DNS-1123 label (at most 63 of a-z, 0-9, '-')" };
    case "NetworkPolicy":
      return { ok: isNetworkPolicyName, format: "label, label.label or knp.default.<name> (DNS-1123 labels)" };
    case "GlobalNetworkPolicy":
      return { ok: isGlobalNetworkPolicyName, format: "label or label.label (DNS-1123 labels)" };
    case "V1IPPool":
      return undefined; // named by its CIDR, checked when parsed
    case "V1Profile":
    case "V1Policy":
    case "V1WorkloadEndpoint":
    case "V1HostEndpoint":
      return { ok: isV1Name, format: "1-128 of A-Z, a-z, 0-9, '_', '.', '-'" };
    default:
      return { ok: isDnsSubdomain, format: "a DNS-1123 subdomain (at most 253 of a-z, 0-9, '-', '.')" };
  }
}

export const resourceNames: ResourceRule = {
  name: "resourceNames",
  check(r, report) {
    // Calico serves its built-in allow-all profile itself and refuses to create or change one of
    // that name (libcalico-go/lib/clientv3/profile.go).
    if ((r.kind === "Profile" || r.kind === "V1Profile") && r.metadata.name === DEFAULT_ALLOW_PROFILE) {
      report(error("invalid-name", `${DEFAULT_ALLOW_PROFILE} is Calico's built-in profile, which cannot be defined`, spanOf(r.origin, "metadata.name")));
    }
    const rule = nameRule(r);
    if (rule && !rule.ok(r.metadata.name)) {
      report(error("invalid-name", `${r.kind === "Workload" ? r.workloadKind : r.kind} name "${r.metadata.name}" must be ${rule.format}`, spanOf(r.origin, "metadata.name")));
    }
    const ns = r.metadata.namespace;
    if (ns !== undefined && !isDnsLabel(ns)) {
      report(error("invalid-name", `namespace "${ns}" must be a DNS-1123 label`, spanOf(r.origin, "metadata.namespace")));
    }
  },
};
