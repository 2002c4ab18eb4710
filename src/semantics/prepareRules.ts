/**
 * Rules in the form the evaluator matches: Calico rules with their effective selectors resolved to
 * member sets and their networks parsed; Kubernetes rules with their peers resolved likewise.
 */
import type { K8sPeer, K8sPolicyRule, LabelSelector, Protocol, Rule, Selector } from "../model/types.js";
import { printSelector } from "../model/selector/index.js";
import type { Cidr, Family } from "./addresses.js";
import { parseCidr } from "./addresses.js";
import { entityNotSelectors, entitySelector } from "./effectiveSelector.js";
import { K8S_ORCHESTRATOR, NAMESPACE_LABEL, NAMESPACE_LABEL_PREFIX, ORCHESTRATOR_LABEL, protocolNumber as calicoProtocolNumber } from "../calico/index.js";
import type { Bits } from "./bits.js";
import { bitsArena, bitsWhere, emptyBits, setBit } from "./bits.js";
import { labelIndex, wordSpan, type WordSpan } from "./labelIndex.js";
import type { ServiceEndpoints } from "./services.js";
import type { Membership, PreparedCalicoRule, PreparedEntity, PreparedK8sPeer, PreparedK8sRule, PreparedMember } from "./types.js";

/** The number of a protocol as written; NaN for an unknown name (validation rejects those). */
export function protocolNumber(p: Protocol): number {
  return calicoProtocolNumber(p) ?? NaN;
}

/**
 * Computes (once per printed selector, or per Kubernetes peer) which members a selector matches,
 * over an inverted label index (`labelIndex.ts`); and looks up the endpoints of a Kubernetes
 * Service.
 */
export interface MembershipCache {
  readonly size: number;
  readonly of: (selector: Selector) => { readonly text: string; readonly members: Membership };
  /** Workload endpoints a Calico policy's effective selector applies to. */
  readonly selects: (selector: Selector) => Membership;
  /** Pods a Kubernetes NetworkPolicy of `namespace` applies to. */
  readonly k8sSelects: (namespace: string, podSelector: LabelSelector) => Membership;
  /** Pods a Kubernetes peer (podSelector and/or namespaceSelector) of a policy in `namespace` matches. */
  readonly k8sPeer: (namespace: string, peer: K8sPeer) => Membership;
  readonly service: (namespace: string, name: string) => ServiceEndpoints;
}

export function membershipCache(members: readonly PreparedMember[], service: MembershipCache["service"]): MembershipCache {
  const size = members.length;
  const index = labelIndex(members.map((m) => m.labels));
  const workload = bitsWhere(size, (i) => members[i]!.workload);
  // Kubernetes peers match pods only: the k8s orchestrator label and a namespace.
  const pods = bitsWhere(size, (i) => members[i]!.namespace !== undefined && members[i]!.labels[ORCHESTRATOR_LABEL] === K8S_ORCHESTRATOR);
  const inNamespace = new Map<string, Uint32Array>();
  for (const m of members) {
    if (m.namespace === undefined) continue;
    let bits = inNamespace.get(m.namespace);
    if (!bits) inNamespace.set(m.namespace, (bits = emptyBits(size)));
    setBit(bits, m.index);
  }
  const none = emptyBits(size);
  const namespaceMembers = (ns: string): Bits => inNamespace.get(ns) ?? none;
  // Members sort by id, and a namespaced id starts with its namespace: a namespace's members
  // take a few words of the thousands of a large cluster's sets. Sets confined to a namespace
  // are computed over those words only (the arena's sets start clear).
  const spans = new Map<string, WordSpan>();
  const namespaceSpan = (ns: string): WordSpan => {
    let s = spans.get(ns);
    if (!s) spans.set(ns, (s = wordSpan(namespaceMembers(ns))));
    return s;
  };
  // Every membership made here lives as long as the model: carved from shared buffers, and each
  // computed in its own set, without intermediate sets (see `bitsArena`).
  const kept = bitsArena(size);

  const cache = new Map<string, Membership>();
  const selects = new Map<string, Membership>();
  const peers = new Map<string, Membership>();
  /** Per namespace, the Kubernetes workload endpoints in it (what a NetworkPolicy there may select). */
  const k8sInNamespace = new Map<string, Membership>();
  const of = (selector: Selector): { text: string; members: Membership } => {
    const text = printSelector(selector);
    let m = cache.get(text);
    if (!m) {
      // A single label test is the index's own set (nothing to compute); anything else, a kept set.
      if (selector.kind === "all" || selector.kind === "global" || selector.kind === "has" || selector.kind === "eq") m = index.selector(selector);
      else index.selectorInto(selector, (m = kept()), true);
      cache.set(text, m);
    }
    return { text, members: m };
  };
  return {
    size,
    service,
    of,
    selects(selector) {
      const { text, members: m } = of(selector);
      let s = selects.get(text);
      if (!s) {
        const out = kept();
        const { lo, hi } = index.span(selector);
        for (let w = lo; w < hi; w++) out[w] = m[w]! & workload[w]!;
        selects.set(text, (s = out));
      }
      return s;
    },
    k8sSelects(ns, podSelector) {
      const key = JSON.stringify(["selects", ns, podSelector]);
      let s = peers.get(key);
      if (!s) {
        const { lo, hi } = namespaceSpan(ns);
        let k8sInNs = k8sInNamespace.get(ns);
        if (!k8sInNs) {
          const out = kept();
          const inNs = namespaceMembers(ns);
          const labelled = index.equals(NAMESPACE_LABEL, ns);
          const k8s = index.equals(ORCHESTRATOR_LABEL, K8S_ORCHESTRATOR);
          for (let w = lo; w < hi; w++) out[w] = workload[w]! & inNs[w]! & labelled[w]! & k8s[w]!;
          k8sInNamespace.set(ns, (k8sInNs = out));
        }
        const out = kept();
        out.set(k8sInNs.subarray(lo, hi), lo);
        index.andLabelSelector(podSelector, out, "", lo, hi);
        peers.set(key, (s = out));
      }
      return s;
    },
    k8sPeer(ns, peer) {
      const key = JSON.stringify(["peer", peer.namespaceSelector ? "" : ns, peer.namespaceSelector ?? null, peer.podSelector ?? null]);
      let s = peers.get(key);
      if (!s) {
        // namespaceSelector: the namespace's labels are the member's `pcns.` labels.
        const out = kept();
        if (peer.namespaceSelector) {
          out.set(pods);
          index.andLabelSelector(peer.namespaceSelector, out, NAMESPACE_LABEL_PREFIX);
          if (peer.podSelector) index.andLabelSelector(peer.podSelector, out);
        } else {
          const { lo, hi } = namespaceSpan(ns);
          const inNs = namespaceMembers(ns);
          for (let w = lo; w < hi; w++) out[w] = pods[w]! & inNs[w]!;
          if (peer.podSelector) index.andLabelSelector(peer.podSelector, out, "", lo, hi);
        }
        peers.set(key, (s = out));
      }
      return s;
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
export function prepareK8sRule(rule: K8sPolicyRule, namespace: string, cache: MembershipCache): PreparedK8sRule {
  const peers = rule.peers.map((peer): PreparedK8sPeer => {
    if (peer.ipBlock) {
      const cidr = parseCidr(peer.ipBlock.cidr);
      if (cidr) return { ipBlock: { cidr, except: parseAll(peer.ipBlock.except) } };
      return { members: emptyBits(cache.size) };
    }
    return { members: cache.k8sPeer(namespace, peer) };
  });
  return { kind: "k8s", action: "Allow", peers, ports: rule.ports, path: rule.path };
}
