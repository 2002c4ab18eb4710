/**
 * invalid-policy-types: `types` (Calico) and `policyTypes` (Kubernetes) may not repeat a type.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import type { ResourceRule } from "./types.js";

export const policyTypes: ResourceRule = {
  name: "policyTypes",
  check(r, report) {
    let types: readonly string[];
    let path: string;
    if (r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy" || r.kind === "V1Policy") {
      types = r.types;
      path = "spec.types";
    } else if (r.kind === "K8sNetworkPolicy") {
      types = r.policyTypes;
      path = "spec.policyTypes";
    } else {
      return;
    }
    types.forEach((t, i) => {
      if (types.indexOf(t) !== i) {
        report(error("invalid-policy-types", `policy type ${t} is listed twice`, spanOf(r.origin, `${path}.${i}`)));
      }
    });
  },
};
