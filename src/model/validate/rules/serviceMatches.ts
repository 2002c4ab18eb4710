/**
 * invalid-service-match: where Calico allows a rule's `services` (libcalico-go/lib/validator/v3/
 * validator.go `validateNetworkPolicySpec` / `validateGlobalNetworkPolicySpec`, and the CEL rules
 * on api/pkg/apis/projectcalico/v3/policy_common.go `EntityRule` and `Rule`):
 * - only in the source of ingress rules and the destination of egress rules;
 * - not with a selector, notSelector, namespaceSelector, serviceAccounts, nets or notNets;
 * - a destination service takes no ports or notPorts (the service's own ports are matched);
 * - a GlobalNetworkPolicy must name the service's namespace.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { keySpanOf } from "../../types.js";
import type { Resource, Rule } from "../../types.js";
import type { ResourceRule } from "./types.js";

function directed(r: Resource): readonly { readonly rules: readonly Rule[]; readonly allowed: "source" | "destination" }[] {
  switch (r.kind) {
    case "NetworkPolicy":
    case "GlobalNetworkPolicy":
    case "Profile":
      return [
        { rules: r.ingress, allowed: "source" },
        { rules: r.egress, allowed: "destination" },
      ];
    default:
      return [];
  }
}

export const serviceMatches: ResourceRule = {
  name: "serviceMatches",
  check(r, report) {
    for (const { rules, allowed } of directed(r)) {
      for (const rule of rules) {
        for (const side of ["source", "destination"] as const) {
          const e = rule[side];
          if (!e.services) continue;
          const path = `${rule.path}.${side}.services`;
          const at = keySpanOf(r.origin, path);
          if (side !== allowed) {
            const where = allowed === "source" ? "ingress rule destination" : "egress rule source";
            report(error("invalid-service-match", `services are not allowed in an ${where}`, at));
          }
          const others: string[] = (["selector", "notSelector", "namespaceSelector", "serviceAccounts"] as const).filter((k) => e[k] !== undefined);
          if (e.nets.length > 0) others.push("nets");
          if (e.notNets.length > 0) others.push("notNets");
          if (others.length > 0) report(error("invalid-service-match", `services cannot be combined with ${others.join(", ")} in one rule side`, at));
          if (side === "destination" && (e.ports.length > 0 || e.notPorts.length > 0)) {
            report(error("invalid-service-match", "ports and notPorts cannot be given with destination services (the service's ports are matched)", at));
          }
          if (r.kind === "GlobalNetworkPolicy" && e.services.namespace === "") {
            report(error("invalid-service-match", "a GlobalNetworkPolicy must give the service's namespace", at));
          }
        }
      }
    }
  },
};
