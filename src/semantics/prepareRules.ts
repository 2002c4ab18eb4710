/**
 * Rules in the form the evaluator matches: Calico rules with their effective selectors resolved to
 * member sets and their networks parsed; Kubernetes rules with their peers resolved likewise.
 */
import type { K8sPolicyRule, Labels, Protocol, Rule, Selector } from "../model/types.js";
import { printSelector, selectorMatches } from "../model/selector/index.js";
import type { Cidr, Family } from "./addresses.js";
import { parseCidr } from "./addresses.js";
import { entityNotSelectors, entitySelector } from "./effectiveSelector.js";
import { K8S_ORCHESTRATOR, NAMESPACE_LABEL_PREFIX, ORCHESTRATOR_LABEL, protocolNumber as calicoProtocolNumber } from "../calico/index.js";
import { labelSelectorMatches } from "./labelSelectorMatches.js";
import type { ServiceEndpoints } from "./services.js";
import type { Membership, PreparedCalicoRule, PreparedEntity, PreparedK8sPeer, PreparedK8sRule, PreparedMember } from "./types.js";

/** The number of a protocol as written; NaN for an unknown name (validation rejects those). */
export function protocolNumber(p: Protocol): number {
  return calicoProtocolNumber(p) ?? NaN;
}

/**
 * Computes (once per printed selector) which members a selector matches; and looks up the
 * endpoints of a Kubernetes Service.
 */
export interface MembershipCache {
  readonly of: (selector: Selector) => { readonly text: string; readonly members: Membership };
  readonly service: (namespace: string, name: string) => ServiceEndpoints;
}

export function membershipCache(members: readonly PreparedMember[], service: MembershipCache["service"]): MembershipCache {
  const cache = new Map<string, Membership>();
  return {
    service,
    of(selector) {
      const text = printSelector(selector);
      let m = cache.get(text);
      if (!m) {
        m = members.map((member) => selectorMatches(selector, member.labels));
        cache.set(text, m);
      }
      return { text, members: m };
    },
  };
}

function parseAll(texts: readonly string[]): Cidr[] {
  return texts.flatMap((t) => parseCidr(t) ?? []);
}

/**
 * The one family a rule can match, if restricted: by ipVersion; by its nets (validation keeps one
 * family per rule); by ICMP (1, IPv4 only) or ICMPv6 (58, IPv6 only). Felix renders such a rule
 * only into the ruleset of that family.
 */
function ruleFamily(rule: Rule, nets: readonly Cidr[], protocol: number | undefined): Family | undefined {
  if (rule.ipVersion !== undefined) return rule.ipVersion;
  const first = nets[0];
  if (first) return first.family;
  if (protocol === 1) return 4;
  if (protocol === 58) return 6;
  return undefined;
}

/**
 * The one family Felix renders a rule in, if restricted: ipVersion, else the family of its nets,
 * else the one Felix's calculation graph derives from an ICMP protocol written by name
 * (felix/calc/rule_convert.go `ipVersionToProtoIPVersion` reads "icmp" / "icmpv6" only; a
 * protocol number leaves the rule in both families). felix/rules/policy.go
 * `FilterRuleToIPVersion` then leaves the rule out of the other family's chains.
 */
function renderedFamily(rule: Rule, nets: readonly Cidr[]): Family | undefined {
  if (rule.ipVersion !== undefined) return rule.ipVersion;
  const first = nets[0];
  if (first) return first.family;
  if (rule.protocol === "ICMP") return 4;
  if (rule.protocol === "ICMPv6") return 6;
  return undefined;
}

/** Prepares a Calico (or normalized v1) rule; `namespace` scopes selectors of namespaced policies. */
export function prepareCalicoRule(rule: Rule, namespace: string | undefined, cache: MembershipCache): PreparedCalicoRule {
  const entity = (side: "source" | "destination"): PreparedEntity => {
    const e = rule[side];
    const sel = entitySelector(e, namespace);
    return {
      nets: parseAll(e.nets),
      notNets: parseAll(e.notNets),
      ...(sel ? { selector: cache.of(sel) } : {}),
      notSelectors: entityNotSelectors(e).map((s) => cache.of(s)),
      ports: e.ports,
      notPorts: e.notPorts,
      ...(e.services ? { service: { name: `${e.services.namespace}/${e.services.name}`, endpoints: cache.service(e.services.namespace, e.services.name) } } : {}),
    };
  };
  const source = entity("source");
  const destination = entity("destination");
  const protocol = rule.protocol === undefined ? undefined : protocolNumber(rule.protocol);
  const nets = [...source.nets, ...source.notNets, ...destination.nets, ...destination.notNets];
  const family = ruleFamily(rule, nets, protocol);
  const renderedIn = renderedFamily(rule, nets);
  return {
    kind: "calico",
    action: rule.action,
    ...(family !== undefined ? { family } : {}),
    ...(renderedIn !== undefined ? { renderedIn } : {}),
    ...(protocol !== undefined ? { protocol } : {}),
    ...(rule.notProtocol !== undefined ? { notProtocol: protocolNumber(rule.notProtocol) } : {}),
    ...(rule.icmp ? { icmp: rule.icmp } : {}),
    ...(rule.notICMP ? { notICMP: rule.notICMP } : {}),
    source,
    destination,
    path: rule.path,
  };
}

/**
 * Prepares a Kubernetes NetworkPolicy rule of a policy in `namespace`. Peers select pods (members
 * labelled `projectcalico.org/orchestrator: k8s`): podSelector alone within the policy's
 * namespace, namespaceSelector alone in every matching namespace, both together ANDed. A
 * namespace's labels are those of its `kns.` profile without the `pcns.` prefix (so they include
 * `projectcalico.org/name`).
 */
export function prepareK8sRule(rule: K8sPolicyRule, namespace: string, members: readonly PreparedMember[]): PreparedK8sRule {
  const peers = rule.peers.map((peer): PreparedK8sPeer => {
    if (peer.ipBlock) {
      const cidr = parseCidr(peer.ipBlock.cidr);
      if (cidr) return { ipBlock: { cidr, except: parseAll(peer.ipBlock.except) } };
      return { members: members.map(() => false) };
    }
    const selected = members.map((m) => {
      if (m.labels[ORCHESTRATOR_LABEL] !== K8S_ORCHESTRATOR || m.namespace === undefined) return false;
      if (peer.namespaceSelector) {
        if (!labelSelectorMatches(peer.namespaceSelector, namespaceLabels(m.labels))) return false;
      } else if (m.namespace !== namespace) {
        return false;
      }
      return peer.podSelector ? labelSelectorMatches(peer.podSelector, m.labels) : true;
    });
    return { members: selected };
  });
  return { kind: "k8s", action: "Allow", peers, ports: rule.ports, path: rule.path };
}

/** The labels of a member's namespace, recovered from its inherited `pcns.` labels. */
function namespaceLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k.startsWith(NAMESPACE_LABEL_PREFIX)) out[k.slice(NAMESPACE_LABEL_PREFIX.length)] = v;
  return out;
}
