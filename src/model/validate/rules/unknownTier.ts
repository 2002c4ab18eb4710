/**
 * unknown-tier (warning): a Calico policy names a tier that no Tier document defines. The
 * implicit tiers (`IMPLICIT_TIERS`: `default`, `kube-admin`, ...) always exist.
 */
import { warning } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import { IMPLICIT_TIERS } from "../../../calico/index.js";
import type { ModelRule } from "./types.js";

export const unknownTier: ModelRule = {
  name: "unknownTier",
  check(resources, report) {
    const tiers = new Set(IMPLICIT_TIERS.map((t) => t.name));
    for (const r of resources) if (r.kind === "Tier") tiers.add(r.metadata.name);
    resources.forEach((r, i) => {
      if ((r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy" || r.kind === "V1Policy") && !tiers.has(r.tier)) {
        const at = r.kind === "V1Policy" ? "metadata.tier" : "spec.tier";
        report(warning("unknown-tier", `tier "${r.tier}" is not defined (Felix still applies its policies, after every defined tier)`, spanOf(r.origin, at)), i);
      }
    });
  },
};
