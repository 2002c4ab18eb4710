/**
 * invalid-port: Kubernetes NetworkPolicy ports. A number must be 1-65535, a name a valid port name
 * (IANA service name); `endPort` needs a numeric `port` and must not be below it
 * (Kubernetes ValidateNetworkPolicyPort).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import { isK8sPortName } from "../names.js";
import type { ResourceRule } from "./types.js";

export const k8sPolicyPorts: ResourceRule = {
  name: "k8sPolicyPorts",
  check(r, report) {
    if (r.kind !== "K8sNetworkPolicy") return;
    for (const rule of [...r.ingress, ...r.egress]) {
      rule.ports.forEach((p, i) => {
        const path = `${rule.path}.ports.${i}`;
        const at = (f: string) => spanOf(r.origin, `${path}.${f}`);
        if (typeof p.port === "number" && (p.port < 1 || p.port > 65535)) {
          report(error("invalid-port", `port ${p.port} is out of range 1-65535`, at("port")));
        } else if (typeof p.port === "string" && !isK8sPortName(p.port)) {
          report(error("invalid-port", `"${p.port}" is not a valid port name`, at("port")));
        }
        if (p.endPort === undefined) return;
        if (typeof p.port !== "number") {
          report(error("invalid-port", "endPort needs a numeric port", at("endPort")));
        } else if (p.endPort < p.port || p.endPort > 65535) {
          report(error("invalid-port", `endPort ${p.endPort} must be between port ${p.port} and 65535`, at("endPort")));
        }
      });
    }
  },
};
