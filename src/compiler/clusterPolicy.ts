/**
 * SIG Network's cluster-scoped policies (ClusterNetworkPolicy, AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy) to Calico rules, as Calico's converter makes them
 * (libcalico-go/lib/backend/k8s/conversion/clusternetworkpolicy.go; for v1alpha1, v3.31.4
 * conversion.go `combinePortsWithANPIngressPeers` / `combinePortsWithANPEgressPeers`, which
 * convert the same way):
 * - one rule per (protocol, peer), protocols sorted by name, the rule with no protocol (named
 *   ports, or no ports at all) first; each protocol's ports simplified (sorted, merged);
 * - Accept becomes Allow; Deny and Pass stay;
 * - a namespaces peer matches `namespaceSelector` only, a pods peer `selector` (with
 *   `projectcalico.org/orchestrator == 'k8s'`) and `namespaceSelector`, a networks peer `nets`;
 * - a rule that cannot be converted (a nodes or domainNames peer) fails closed: Deny or Pass
 *   becomes a rule that denies everything, Accept is left out.
 */
import type { ClusterNetworkPolicy, ClusterPolicyPeer, ClusterPolicyRule, EntityRule, LabelSelector, Port, Rule, Selector } from "../model/types.js";
import { labelSelectorToCalico, simplifyPorts } from "./k8sPolicy.js";
import { EMPTY_ENTITY } from "./profiles.js";

export interface ConvertedClusterPolicy {
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

function field(ast: Selector): { text: string; ast: Selector } {
  return { text: "", ast };
}

/** A namespace label selector as Calico writes it (empty: all()); `pcns.` is added with the rule's scoping. */
function namespaceSelector(sel: LabelSelector): { text: string; ast: Selector } {
  return field(labelSelectorToCalico(sel, false));
}

/** The peer as an entity rule (without ports); undefined for the peers Calico cannot convert. */
function peerEntity(peer: ClusterPolicyPeer): EntityRule | undefined {
  switch (peer.kind) {
    case "namespaces":
      return { ...EMPTY_ENTITY, namespaceSelector: namespaceSelector(peer.namespaces) };
    case "pods":
      return { ...EMPTY_ENTITY, selector: field(labelSelectorToCalico(peer.pods.podSelector, true)), namespaceSelector: namespaceSelector(peer.pods.namespaceSelector) };
    case "networks":
      return { ...EMPTY_ENTITY, nets: peer.networks };
    case "nodes":
    case "domainNames":
      return undefined;
  }
}

/** `unpackCNPProtocols`: ports by protocol ("" for none), sorted by protocol; null ports: every port. */
function protocolPorts(rule: ClusterPolicyRule): [string, Port[] | null][] {
  if (rule.ports.length === 0) return [["", null]];
  const byProto = new Map<string, Port[] | null>();
  for (const p of rule.ports) {
    const key = p.kind === "named" ? "" : p.protocol;
    const port: Port | null = p.kind === "named" ? { kind: "named", name: p.name } : p.ports ? { kind: "range", first: p.ports.first, last: p.ports.last } : null;
    const prev = byProto.get(key);
    if (port === null) byProto.set(key, null);
    else if (prev !== null) byProto.set(key, [...(prev ?? []), port]);
  }
  return [...byProto.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v && simplifyPorts(v)]);
}

function convertRule(rule: ClusterPolicyRule, direction: "ingress" | "egress"): Rule[] {
  if (rule.failClosed !== undefined) {
    return rule.action === "Accept" ? [] : [{ action: "Deny", source: EMPTY_ENTITY, destination: EMPTY_ENTITY, path: rule.path }];
  }
  const action = rule.action === "Accept" ? "Allow" : rule.action;
  const out: Rule[] = [];
  for (const [protocol, ports] of protocolPorts(rule)) {
    for (const peer of rule.peers) {
      const entity = peerEntity(peer);
      if (!entity) continue;
      const portPart = ports ? { ports } : {};
      out.push({
        action,
        ...(protocol !== "" ? { protocol } : {}),
        source: direction === "ingress" ? entity : EMPTY_ENTITY,
        destination: direction === "ingress" ? { ...EMPTY_ENTITY, ...portPart } : { ...entity, ...portPart },
        path: peer.path,
      });
    }
  }
  return out;
}

/** Converts a cluster-scoped policy's rules to Calico rules. */
export function convertClusterPolicy(policy: ClusterNetworkPolicy): ConvertedClusterPolicy {
  return {
    ingress: policy.ingress.flatMap((r) => convertRule(r, "ingress")),
    egress: policy.egress.flatMap((r) => convertRule(r, "egress")),
  };
}

/**
 * The policy's selector parts as the converter sets them on the GlobalNetworkPolicy: `selector`
 * (pods, with the k8s orchestrator term) and `namespaceSelector` (namespace labels, unprefixed).
 */
export function clusterPolicySelectorParts(policy: ClusterNetworkPolicy): { selector: Selector; namespaceSelector: Selector } {
  const s = policy.subject;
  if (s.kind === "namespaces") return { selector: labelSelectorToCalico({ matchLabels: {}, matchExpressions: [] }, true), namespaceSelector: labelSelectorToCalico(s.namespaces, false) };
  return { selector: labelSelectorToCalico(s.pods.podSelector, true), namespaceSelector: labelSelectorToCalico(s.pods.namespaceSelector, false) };
}
