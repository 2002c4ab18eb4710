/**
 * The cluster-scoped policies (ClusterNetworkPolicy, AdminNetworkPolicy,
 * BaselineAdminNetworkPolicy) in the evaluator's form, straight from what the API says and how
 * Calico places them (src/calico/clusterPolicy.ts), without Calico's rule conversion: each rule
 * keeps its peers, ports and name, and matches when some peer and some port entry match.
 *
 * Where Calico's selectors differ from the API's words, the evaluator follows Calico, which is
 * what the node enforces:
 * - a namespaces peer matches whatever carries the namespace's labels: pods, and the network sets
 *   and workload endpoints of the namespace (the selector has no orchestrator term); an empty
 *   namespace selector matches everything in some namespace, a non-empty one the labels alone;
 * - a rule Calico cannot convert (a nodes or domainNames peer) denies everything when it is a
 *   Deny or Pass rule and is absent when it is an Accept rule.
 */
import type { ClusterNetworkPolicy, ClusterPolicyPeer, ClusterPolicyRule, Labels, LabelSelector } from "../model/types.js";
import { clusterPolicyPlacement, clusterPolicyTypes, K8S_ORCHESTRATOR, NAMESPACE_LABEL, NAMESPACE_LABEL_PREFIX, ORCHESTRATOR_LABEL } from "../calico/index.js";
import { parseCidr } from "./addresses.js";
import { bitsWhere } from "./bits.js";
import { labelSelectorMatches } from "./labelSelectorMatches.js";
import type { Membership, PreparedClusterPeer, PreparedClusterRule, PreparedMember, PreparedPolicy } from "./types.js";

/** The labels of a member's namespace, recovered from its inherited `pcns.` labels. */
function namespaceLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(NAMESPACE_LABEL_PREFIX)) out[k.slice(NAMESPACE_LABEL_PREFIX.length)] = v;
  return out;
}

const isEmpty = (s: LabelSelector): boolean => Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0;

/**
 * Whether the member's namespace matches: Calico prefixes the selector's labels with `pcns.`, and
 * writes an empty selector as `has(projectcalico.org/namespace)`.
 */
function namespaceMatches(sel: LabelSelector, m: PreparedMember): boolean {
  if (isEmpty(sel)) return m.labels[NAMESPACE_LABEL] !== undefined;
  return labelSelectorMatches(sel, namespaceLabels(m.labels));
}

/** Pods (members of the k8s orchestrator) matched by both selectors. */
function podsMatch(namespaceSelector: LabelSelector, podSelector: LabelSelector, m: PreparedMember): boolean {
  return m.labels[ORCHESTRATOR_LABEL] === K8S_ORCHESTRATOR && labelSelectorMatches(podSelector, m.labels) && namespaceMatches(namespaceSelector, m);
}

/** The members with `f`, as a membership bit set (`bits.ts`). */
function membersWhere(members: readonly PreparedMember[], f: (m: PreparedMember) => boolean): Membership {
  return bitsWhere(members.length, (i) => f(members[i]!));
}

function preparePeer(peer: ClusterPolicyPeer, members: readonly PreparedMember[]): PreparedClusterPeer {
  switch (peer.kind) {
    case "namespaces":
      return { members: membersWhere(members, (m) => namespaceMatches(peer.namespaces, m)) };
    case "pods":
      return { members: membersWhere(members, (m) => podsMatch(peer.pods.namespaceSelector, peer.pods.podSelector, m)) };
    case "networks":
      return { nets: peer.networks.flatMap((n) => parseCidr(n) ?? []) };
    case "nodes":
    case "domainNames":
      // Never reached: such a rule fails closed before its peers are looked at.
      return { nets: [] };
  }
}

/** A rule, or undefined for an Accept rule that fails closed (Calico leaves it out). */
function prepareRule(rule: ClusterPolicyRule, members: readonly PreparedMember[]): PreparedClusterRule | undefined {
  const name = rule.name !== undefined ? { name: rule.name } : {};
  if (rule.failClosed !== undefined) {
    if (rule.action === "Accept") return undefined;
    return { kind: "cluster", action: "Deny", ...name, matchesAll: true, peers: [], ports: [], path: rule.path };
  }
  return {
    kind: "cluster",
    action: rule.action === "Accept" ? "Allow" : rule.action,
    ...name,
    matchesAll: false,
    peers: rule.peers.map((p) => preparePeer(p, members)),
    ports: rule.ports,
    path: rule.path,
  };
}

/** A cluster-scoped policy, placed in its tier as Calico places it. */
export function prepareClusterPolicy(r: ClusterNetworkPolicy, members: readonly PreparedMember[]): PreparedPolicy {
  const place = clusterPolicyPlacement(r.apiKind, r.tier, r.metadata.name, r.priority);
  const ingress = r.ingress.flatMap((rule) => prepareRule(rule, members) ?? []);
  const egress = r.egress.flatMap((rule) => prepareRule(rule, members) ?? []);
  const s = r.subject;
  const selects: Membership = membersWhere(
    members,
    (m) =>
      m.workload &&
      (s.kind === "namespaces"
        ? m.labels[ORCHESTRATOR_LABEL] === K8S_ORCHESTRATOR && namespaceMatches(s.namespaces, m)
        : podsMatch(s.pods.namespaceSelector, s.pods.podSelector, m)),
  );
  return {
    kind: r.apiKind,
    key: { name: place.name, kind: place.keyKind, order: place.order },
    display: r.metadata.name,
    tier: place.tier.name,
    // The directions that have rules; none at all is both (see clusterPolicyTypes).
    types: clusterPolicyTypes(ingress.length > 0, egress.length > 0),
    selects,
    ingress,
    egress,
    file: r.origin.file,
  };
}
