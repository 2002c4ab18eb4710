/**
 * conflicting-options: GlobalNetworkPolicy `doNotTrack` and `preDNAT` exclude each other, either
 * requires `applyOnForward`, and `preDNAT` policies may have no egress rules or Egress type
 * (validator.go validateGlobalNetworkPolicySpec).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import type { ResourceRule } from "./types.js";

export const gnpOptions: ResourceRule = {
  name: "gnpOptions",
  check(r, report) {
    if (r.kind !== "GlobalNetworkPolicy") return;
    const at = (path: string) => spanOf(r.origin, path);
    if (r.doNotTrack && r.preDNAT) {
      report(error("conflicting-options", "doNotTrack and preDNAT cannot both be true", at("spec.preDNAT")));
    }
    for (const flag of ["doNotTrack", "preDNAT"] as const) {
      if (r[flag] && !r.applyOnForward) {
        report(error("conflicting-options", `${flag} requires applyOnForward: true`, at(`spec.${flag}`)));
      }
    }
    if (r.preDNAT && r.egress.length > 0) {
      report(error("conflicting-options", "a preDNAT policy cannot have egress rules", at("spec.egress")));
    }
    if (r.preDNAT && r.types.includes("Egress")) {
      report(error("conflicting-options", "a preDNAT policy cannot have type Egress", at("spec.types")));
    }
  },
};
