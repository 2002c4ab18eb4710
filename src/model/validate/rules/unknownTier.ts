/**
 * unknown-tier (warning): a Calico policy names a tier that no Tier document defines. The
 * `default` tier always exists.
 */
import { warning } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import type { ModelRule } from "./types.js";

export const unknownTier: ModelRule = {
  name: "unknownTier",
  check(resources, report) {
    const tiers = new Set(["default"]);
    for (const r of resources) if (r.kind === "Tier") tiers.add(r.metadata.name);
    resources.forEach((r, i) => {
      if ((r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy") && !tiers.has(r.tier)) {
        report(warning("unknown-tier", `tier "${r.tier}" is not defined`, spanOf(r.origin, "spec.tier")), i);
      }
    });
  },
};
