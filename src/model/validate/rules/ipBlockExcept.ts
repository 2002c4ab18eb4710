/**
 * invalid-cidr: each Kubernetes `ipBlock.except` must be a strict subset of the block's `cidr`
 * (Kubernetes ValidateIPBlock).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import { isStrictSubnet, parseCidr } from "../cidr.js";
import type { ResourceRule } from "./types.js";

export const ipBlockExcept: ResourceRule = {
  name: "ipBlockExcept",
  check(r, report) {
    if (r.kind !== "K8sNetworkPolicy") return;
    for (const rule of [...r.ingress, ...r.egress]) {
      for (const peer of rule.peers) {
        if (!peer.ipBlock) continue;
        const outer = parseCidr(peer.ipBlock.cidr);
        peer.ipBlock.except.forEach((e, i) => {
          const inner = parseCidr(e);
          if (outer.ok && inner.ok && !isStrictSubnet(inner, outer)) {
            report(
              error("invalid-cidr", `except ${e} is not a strict subset of cidr ${peer.ipBlock?.cidr}`, spanOf(r.origin, `${peer.path}.ipBlock.except.${i}`)),
            );
          }
        });
      }
    }
  },
};
