/**
 * invalid-value: a Kubernetes NetworkPolicy peer needs at least one of podSelector,
 * namespaceSelector and ipBlock, and ipBlock cannot be combined with the selectors
 * (Kubernetes ValidateNetworkPolicyPeer).
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf } from "../../types.js";
import type { ResourceRule } from "./types.js";

export const k8sPeers: ResourceRule = {
  name: "k8sPeers",
  check(r, report) {
    if (r.kind !== "K8sNetworkPolicy") return;
    for (const rule of [...r.ingress, ...r.egress]) {
      for (const peer of rule.peers) {
        const selectors = (peer.podSelector ? 1 : 0) + (peer.namespaceSelector ? 1 : 0);
        if (selectors === 0 && !peer.ipBlock) {
          report(error("invalid-value", "a peer needs podSelector, namespaceSelector or ipBlock", spanOf(r.origin, peer.path)));
        } else if (selectors > 0 && peer.ipBlock) {
          report(error("invalid-value", "ipBlock cannot be combined with podSelector or namespaceSelector", spanOf(r.origin, `${peer.path}.ipBlock`)));
        }
      }
    }
  },
};
