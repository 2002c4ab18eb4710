/**
 * Kubernetes NetworkPolicy to Calico policy, as Calico's converter does it
 * (libcalico-go/lib/backend/k8s/conversion/conversion.go, `K8sNetworkPolicyToCalico`): order 1000 in the default tier, one Allow rule per
 * (protocol, peer), pod selectors starting with `projectcalico.org/orchestrator == 'k8s'`.
 */
import type {
  EntityRule,
  K8sNetworkPolicy,
  K8sPeer,
  K8sPolicyPort,
  K8sPolicyRule,
  LabelSelector,
  Port,
  Rule,
  Selector,
  SelectorField,
} from "../model/types.js";
import { EMPTY_ENTITY } from "./profiles.js";
import { ALL, eqLabel, hasLabel, inLabel, notSelector, ORCHESTRATOR_LABEL, sortUtf8 } from "./selectors/selectorOps.js";

/** A converted policy, in the shape of a Calico NetworkPolicy. */
export interface ConvertedK8sPolicy {
  readonly selector: Selector;
  readonly ingress: readonly Rule[];
  readonly egress: readonly Rule[];
}

/**
 * A LabelSelector as Calico selector terms, joined by `&&` into one flat AND: matchLabels by
 * sorted key, then matchExpressions in order. With `orchestrator`, the k8s orchestrator term
 * comes first. No terms at all is `all()`.
 */
export function labelSelectorToCalico(sel: LabelSelector, orchestrator: boolean): Selector {
  const terms: Selector[] = orchestrator ? [eqLabel(ORCHESTRATOR_LABEL, "k8s")] : [];
  for (const key of sortUtf8(Object.keys(sel.matchLabels))) terms.push(eqLabel(key, sel.matchLabels[key]!));
  for (const e of sel.matchExpressions) {
    if (e.operator === "In") terms.push(inLabel(e.key, e.values));
    else if (e.operator === "NotIn") terms.push({ kind: "notIn", label: e.key, values: sortUtf8([...new Set(e.values)]) });
    else if (e.operator === "Exists") terms.push(hasLabel(e.key));
    else terms.push(notSelector(hasLabel(e.key)));
  }
  if (terms.length === 0) return ALL;
  return terms.length === 1 ? terms[0]! : { kind: "and", operands: terms };
}

function field(ast: Selector): SelectorField {
  return { text: "", ast };
}

/** The peer's address criteria; `undefined` peer means "any peer". */
function peerEntity(peer: K8sPeer | undefined): EntityRule {
  if (!peer) return EMPTY_ENTITY;
  if (peer.ipBlock) return { ...EMPTY_ENTITY, nets: [peer.ipBlock.cidr], notNets: peer.ipBlock.except };
  if (peer.podSelector) {
    return {
      ...EMPTY_ENTITY,
      selector: field(labelSelectorToCalico(peer.podSelector, true)),
      ...(peer.namespaceSelector ? { namespaceSelector: field(labelSelectorToCalico(peer.namespaceSelector, false)) } : {}),
    };
  }
  if (peer.namespaceSelector) {
    return {
      ...EMPTY_ENTITY,
      selector: field(eqLabel(ORCHESTRATOR_LABEL, "k8s")),
      namespaceSelector: field(labelSelectorToCalico(peer.namespaceSelector, false)),
    };
  }
  return EMPTY_ENTITY;
}

/** Ports grouped by protocol (sorted); `null` ports mean every port of that protocol. */
function portsByProtocol(ports: readonly K8sPolicyPort[]): [string, Port[] | null][] {
  const byProto = new Map<string, Port[] | null>();
  for (const p of ports) {
    const prev = byProto.get(p.protocol);
    if (p.port === undefined) {
      byProto.set(p.protocol, null);
      continue;
    }
    if (prev === null) continue;
    const port: Port =
      typeof p.port === "string"
        ? { kind: "named", name: p.port }
        : { kind: "range", first: p.port, last: p.endPort ?? p.port };
    byProto.set(p.protocol, [...(prev ?? []), port]);
  }
  return [...byProto.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v && simplifyPorts(v)]);
}

/** Calico's SimplifyPorts: numeric ports sorted and merged into ranges, named ports after. */
export function simplifyPorts(ports: readonly Port[]): Port[] {
  const ranges = ports.flatMap((p) => (p.kind === "range" ? [{ first: p.first, last: p.last }] : [])).sort((a, b) => a.first - b.first || a.last - b.last);
  const merged: { first: number; last: number }[] = [];
  for (const r of ranges) {
    const top = merged[merged.length - 1];
    if (top && r.first <= top.last + 1) top.last = Math.max(top.last, r.last);
    else merged.push({ ...r });
  }
  const named = [...new Set(ports.flatMap((p) => (p.kind === "named" ? [p.name] : [])))].sort();
  return [...merged.map((r): Port => ({ kind: "range", ...r })), ...named.map((name): Port => ({ kind: "named", name }))];
}

function convertRule(rule: K8sPolicyRule, direction: "ingress" | "egress"): Rule[] {
  const protocols: [string | undefined, Port[] | null][] = rule.ports.length === 0 ? [[undefined, null]] : portsByProtocol(rule.ports);
  const peers: readonly (K8sPeer | undefined)[] = rule.peers.length === 0 ? [undefined] : rule.peers;
  const out: Rule[] = [];
  for (const [protocol, ports] of protocols) {
    for (const peer of peers) {
      const entity = peerEntity(peer);
      const portPart = ports ? { ports } : {};
      out.push({
        action: "Allow",
        ...(protocol !== undefined ? { protocol } : {}),
        source: direction === "ingress" ? entity : EMPTY_ENTITY,
        destination: direction === "ingress" ? { ...EMPTY_ENTITY, ...portPart } : { ...entity, ...portPart },
        path: peer?.path ?? rule.path,
      });
    }
  }
  return out;
}

/** A Kubernetes NetworkPolicy's selector as Calico's (namespace scoping is added later). */
export function k8sPolicySelector(policy: K8sNetworkPolicy): Selector {
  return labelSelectorToCalico(policy.podSelector, true);
}

/** Converts a Kubernetes NetworkPolicy to Calico rules and selector (namespace scoping is added later). */
export function convertK8sPolicy(policy: K8sNetworkPolicy): ConvertedK8sPolicy {
  return {
    selector: k8sPolicySelector(policy),
    ingress: policy.ingress.flatMap((r) => convertRule(r, "ingress")),
    egress: policy.egress.flatMap((r) => convertRule(r, "egress")),
  };
}
