/**
 * `ruleCovers(e, r)`: whether every packet rule `r` matches is also matched by rule `e`, and how
 * sure that is:
 *
 * - `structural`: from the rules' text alone, for any endpoints (selectors that print the same,
 *   CIDRs and port ranges that contain each other, no criterion of `e` that `r` lacks);
 * - `input`: given the endpoints of the input, because the members a selector of `r` matches are
 *   among those a selector of `e` matches (a later endpoint with other labels could break it);
 * - undefined: not shown. The test is sound, not complete: a rule covered only by the union of
 *   several rules, or by criteria that imply each other in ways not listed here, is not found.
 *
 * Each criterion follows the evaluator's matcher (matchRule.ts), so the claim is "matchRule's
 * `r` implies matchRule's `e`"; a property test checks that a rule found covered never decides.
 */
import type { K8sPeer, K8sPolicyPort, Port } from "../../model/types.js";
import type { Cidr } from "../addresses.js";
import type { Bits } from "../bits.js";
import { isEmptyBits } from "../bits.js";
import type { Membership, PreparedCalicoRule, PreparedEntity, PreparedK8sPeer, PreparedK8sRule, PreparedRule } from "../types.js";

export type Certainty = "structural" | "input";

/** The weaker of two certainties (undefined when either is). */
export function weaker(a: Certainty | undefined, b: Certainty | undefined): Certainty | undefined {
  if (a === undefined || b === undefined) return undefined;
  return a === "input" || b === "input" ? "input" : "structural";
}

/** Whether every member of `inner` is in `outer`. */
export function bitsSubset(inner: Bits, outer: Bits): boolean {
  for (let w = 0; w < inner.length; w++) if ((inner[w]! & ~(outer[w] ?? 0)) !== 0) return false;
  return true;
}

const familyBits = (c: Cidr): bigint => (c.family === 4 ? 32n : 128n);

/** Whether `outer` contains every address of `inner`. */
export function cidrCovers(outer: Cidr, inner: Cidr): boolean {
  if (outer.family !== inner.family || outer.prefix > inner.prefix) return false;
  const shift = familyBits(outer) - BigInt(outer.prefix);
  return inner.network >> shift === outer.network >> shift;
}

/** Whether two CIDRs share no address (CIDRs either nest or are disjoint). */
function cidrsDisjoint(a: Cidr, b: Cidr): boolean {
  return !cidrCovers(a, b) && !cidrCovers(b, a);
}

/** A selector's membership with its printed text (see `PreparedEntity.selector`). */
interface Selected {
  readonly text: string;
  readonly members: Membership;
}

/**
 * Given the input, `e` covers `r` when `r`'s members are among `e`'s; not when `r` has none (that
 * says nothing, and selector-matches-nothing reports it).
 */
function selectedCovers(e: Selected, r: Selected): Certainty | undefined {
  if (e.text === r.text) return "structural";
  return !isEmptyBits(r.members) && bitsSubset(r.members, e.members) ? "input" : undefined;
}

/** Whether the port list `e` contains every port `r` names (ranges by inclusion, names by equality). */
function portsCover(e: readonly Port[], r: readonly Port[]): boolean {
  return r.every((rp) =>
    e.some((ep) => (rp.kind === "range" ? ep.kind === "range" && ep.first <= rp.first && rp.last <= ep.last : ep.kind === "named" && ep.name === rp.name)),
  );
}

/** Whether every port `r` allows is outside the excluded port `x` (only decidable for ranges). */
function portsAvoid(r: readonly Port[], x: Port): boolean {
  if (x.kind !== "range" || r.length === 0) return false;
  return r.every((p) => p.kind === "range" && (p.last < x.first || x.last < p.first));
}

/** Whether every peer entity `r` matches (on one side) entity `e` matches too. */
function entityCovers(e: PreparedEntity, r: PreparedEntity): Certainty | undefined {
  let c: Certainty | undefined = "structural";
  if (e.service && (!r.service || r.service.name !== e.service.name)) return undefined;
  if (e.nets.length > 0 && (r.nets.length === 0 || !r.nets.every((rn) => e.nets.some((en) => cidrCovers(en, rn))))) return undefined;
  for (const x of e.notNets) {
    const avoided = (r.nets.length > 0 && r.nets.every((rn) => cidrsDisjoint(rn, x))) || r.notNets.some((rx) => cidrCovers(rx, x));
    if (!avoided) return undefined;
  }
  if (e.selector) {
    if (!r.selector) return undefined;
    c = weaker(c, selectedCovers(e.selector, r.selector));
  }
  for (const x of e.notSelectors) {
    // r must exclude at least what e excludes: one of r's notSelectors covers x.
    let best = r.notSelectors.map((rx) => selectedCovers(rx, x)).reduce<Certainty | undefined>((a, b) => (a === "structural" || b === "structural" ? "structural" : (a ?? b)), undefined);
    // Given the input, a notSelector of e that matches nothing excludes nothing.
    if (best === undefined && isEmptyBits(x.members)) best = "input";
    c = weaker(c, best);
  }
  if (e.ports.length > 0 && (r.ports.length === 0 || !portsCover(e.ports, r.ports))) return undefined;
  for (const x of e.notPorts) {
    if (!portsAvoid(r.ports, x) && !portsCover(r.notPorts, [x])) return undefined;
  }
  return c;
}

const sameIcmp = (a: PreparedCalicoRule["icmp"], b: PreparedCalicoRule["icmp"]): boolean => a?.type === b?.type && a?.code === b?.code;

function calicoCovers(e: PreparedCalicoRule, r: PreparedCalicoRule): Certainty | undefined {
  if (e.family !== undefined && e.family !== r.family) return undefined;
  if (e.protocol !== undefined && e.protocol !== r.protocol) return undefined;
  if (e.notProtocol !== undefined && !(r.protocol !== undefined && r.protocol !== e.notProtocol) && r.notProtocol !== e.notProtocol) return undefined;
  if (e.icmp) {
    if (!r.icmp) return undefined;
    if (e.icmp.type !== undefined && e.icmp.type !== r.icmp.type) return undefined;
    if (e.icmp.code !== undefined && e.icmp.code !== r.icmp.code) return undefined;
  }
  // notICMP excludes ICMP packets only (`icmpMatches`): harmless when r matches another protocol.
  const notIcmpHarmless = r.protocol !== undefined && r.protocol !== 1 && r.protocol !== 58;
  if (e.notICMP && !notIcmpHarmless && !(r.notICMP && sameIcmp(e.notICMP, r.notICMP))) return undefined;
  return weaker(entityCovers(e.source, r.source), entityCovers(e.destination, r.destination));
}

/** A rule that matches every packet of its direction (of both families). */
export function matchesEverything(rule: PreparedRule): boolean {
  switch (rule.kind) {
    case "calico":
      return (
        rule.family === undefined &&
        rule.protocol === undefined &&
        rule.notProtocol === undefined &&
        rule.icmp === undefined &&
        rule.notICMP === undefined &&
        emptyEntity(rule.source) &&
        emptyEntity(rule.destination)
      );
    case "k8s":
      return rule.peers.length === 0 && rule.ports.length === 0;
    case "cluster":
      return rule.matchesAll;
  }
}

function emptyEntity(e: PreparedEntity): boolean {
  return !e.service && e.nets.length === 0 && e.notNets.length === 0 && !e.selector && e.notSelectors.length === 0 && e.ports.length === 0 && e.notPorts.length === 0;
}

/**
 * What identifies a Kubernetes peer's selection beyond its members: the peer as written, with the
 * policy's namespace when the peer has no namespaceSelector (then it selects in that namespace).
 */
export function k8sPeerKey(namespace: string, peer: K8sPeer): string {
  return JSON.stringify([peer.namespaceSelector ? "" : namespace, peer.namespaceSelector ?? null, peer.podSelector ?? null]);
}

/** A Kubernetes rule with the keys of its member peers (`k8sPeerKey`, undefined for ipBlocks). */
export interface K8sRuleWithKeys {
  readonly rule: PreparedK8sRule;
  readonly peerKeys: readonly (string | undefined)[];
}

function k8sPeerCovers(e: PreparedK8sPeer, eKey: string | undefined, r: PreparedK8sPeer, rKey: string | undefined): Certainty | undefined {
  if (e.ipBlock && r.ipBlock) {
    if (!cidrCovers(e.ipBlock.cidr, r.ipBlock.cidr)) return undefined;
    const rb = r.ipBlock;
    const ok = e.ipBlock.except.every((x) => cidrsDisjoint(x, rb.cidr) || rb.except.some((rx) => cidrCovers(rx, x)));
    return ok ? "structural" : undefined;
  }
  if (e.members && r.members && !e.ipBlock && !r.ipBlock) {
    if (eKey !== undefined && eKey === rKey) return "structural";
    return !isEmptyBits(r.members) && bitsSubset(r.members, e.members) ? "input" : undefined;
  }
  return undefined;
}

function k8sPortCovers(e: K8sPolicyPort, r: K8sPolicyPort): boolean {
  if (e.protocol !== r.protocol) return false;
  if (e.port === undefined) return true;
  if (r.port === undefined) return false;
  if (typeof e.port === "string" || typeof r.port === "string") return e.port === r.port;
  return e.port <= r.port && (r.endPort ?? r.port) <= (e.endPort ?? e.port);
}

function k8sCovers(e: K8sRuleWithKeys, r: K8sRuleWithKeys): Certainty | undefined {
  if (e.rule.ports.length > 0 && (r.rule.ports.length === 0 || !r.rule.ports.every((rp) => e.rule.ports.some((ep) => k8sPortCovers(ep, rp))))) return undefined;
  if (e.rule.peers.length === 0) return "structural";
  if (r.rule.peers.length === 0) return undefined;
  let c: Certainty | undefined = "structural";
  r.rule.peers.forEach((rp, i) => {
    let best: Certainty | undefined;
    e.rule.peers.forEach((ep, j) => {
      const got = k8sPeerCovers(ep, e.peerKeys[j], rp, r.peerKeys[i]);
      if (got === "structural" || best === undefined) best = got ?? best;
    });
    c = weaker(c, best);
  });
  return c;
}

/** A rule as `ruleCovers` reads it: Kubernetes rules carry their peers' keys. */
export type CoverageRule = { readonly kind: "calico"; readonly rule: PreparedCalicoRule } | ({ readonly kind: "k8s" } & K8sRuleWithKeys) | { readonly kind: "other"; readonly rule: PreparedRule };

/** Whether every packet `r` matches is matched by `e` (see the module comment). */
export function ruleCovers(e: CoverageRule, r: CoverageRule): Certainty | undefined {
  if (matchesEverything(e.rule)) return "structural";
  if (e.kind === "calico" && r.kind === "calico") return calicoCovers(e.rule, r.rule);
  if (e.kind === "k8s" && r.kind === "k8s") return k8sCovers(e, r);
  return undefined;
}
