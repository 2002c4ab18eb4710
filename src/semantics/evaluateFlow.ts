/**
 * `evaluateFlow`: the verdict on one new connection, and the path that decided it, straight from
 * the policy semantics: egress policy at a local source endpoint, ingress policy at a local
 * destination endpoint; in each, the tiers in order, then the endpoint's profiles.
 */
import type { PolicyType } from "../model/types.js";
import { PROTO_IPIP, PROTO_UDP } from "../calico/index.js";
import type { Address } from "./addresses.js";
import { cidrAddress, cidrContains, parseAddress } from "./addresses.js";
import type { Packet } from "./matchRule.js";
import { calicoRuleMatches, clusterRuleMatches, k8sRuleMatches } from "./matchRule.js";
import { hasBit } from "./bits.js";
import { profileNamed } from "./prepareModel.js";
import { memberIface } from "./prepareMembers.js";
import { hostEncapsulationVerdict, hostEncapsulationOutbound } from "./hostEncapsulation.js";
import type { HostEnds } from "./hostFlow.js";
import { evaluateHost, isNodeAddress, UPLINK_IFACE } from "./hostFlow.js";
import { neighbourDiscovery } from "./neighbourDiscovery.js";
import type { DirectionResult, Flow, FlowEnd, Peer, PeerInfo, Prepared, PreparedMember, PreparedRule, Step, Verdict } from "./types.js";

export interface EvaluateOptions {
  /**
   * Ids of the workload endpoints to treat as local (policed), overriding the `node` given to
   * `prepareModel`.
   */
  readonly local?: readonly string[];
}

type Direction = "ingress" | "egress";

const TYPE_OF: Readonly<Record<Direction, PolicyType>> = { ingress: "Ingress", egress: "Egress" };

/**
 * The workload endpoint `id`, or the host endpoint `id` (`HostEndpoint:NAME`, `V1HostEndpoint:NAME`:
 * its expectedIPs are its addresses); throws for an unknown id (a caller error).
 */
export function endpointById(prepared: Prepared, id: string): PreparedMember {
  const index = prepared.memberIndexById.get(id);
  const member = index === undefined ? undefined : prepared.members[index];
  if (!member?.workload && member?.host === undefined) throw new Error(`unknown workload endpoint "${id}"`);
  return member;
}

/**
 * Resolves a flow end. An endpoint given by id uses its first address of the family (throws if it
 * has none; a workload has none and is resolved without one). An address is owned by the workload or host endpoint with the longest prefix
 * containing it (workload endpoints first on a tie); network sets containing it are listed too.
 */
export function resolvePeer(prepared: Prepared, end: FlowEnd, family: 4 | 6, port: number | undefined): Peer {
  let address: Address;
  let member: PreparedMember | undefined;
  if ("endpoint" in end) {
    member = endpointById(prepared, end.endpoint);
    // A workload has no address, in either family: no CIDR and no network set contains it.
    if (member.kind === "Workload") return { member, networkSets: [], ...(port !== undefined ? { port } : {}) };
    const net = member.nets.find((c) => c.family === family);
    if (!net) throw new Error(`endpoint "${end.endpoint}" has no IPv${family} address`);
    address = cidrAddress(net);
  } else {
    const parsed = parseAddress(end.ip);
    if (!parsed) throw new Error(`"${end.ip}" is not an IP address`);
    if (parsed.family !== family) throw new Error(`"${end.ip}" is not an IPv${family} address`);
    address = parsed;
    let best = -1;
    const owners: PreparedMember[] = [];
    for (const m of prepared.members) {
      if (m.kind === "NetworkSet" || m.kind === "GlobalNetworkSet") continue;
      for (const c of m.nets) {
        if (c.prefix > best && cidrContains(c, address)) {
          best = c.prefix;
          member = m;
          owners.length = 0;
        }
        if (c.prefix === best && m.workload && cidrContains(c, address) && !owners.includes(m)) owners.push(m);
      }
    }
    // Two live workload endpoints with one address (validation warns): never pick one silently.
    if (owners.length > 1) {
      throw new Error(`"${end.ip}" belongs to ${owners.length} workload endpoints (${owners.map((m) => m.id).join(", ")}); name the endpoint instead`);
    }
  }
  const networkSets: number[] = [];
  for (const m of prepared.members) {
    if ((m.kind === "NetworkSet" || m.kind === "GlobalNetworkSet") && m.nets.some((c) => cidrContains(c, address))) networkSets.push(m.index);
  }
  return { address, ...(member ? { member } : {}), networkSets, ...(port !== undefined ? { port } : {}) };
}

function ruleMatches(rule: PreparedRule, direction: Direction, pkt: Packet): boolean {
  switch (rule.kind) {
    case "k8s":
      return k8sRuleMatches(rule, direction, pkt);
    case "cluster":
      return clusterRuleMatches(rule, direction, pkt);
    case "calico":
      return calicoRuleMatches(rule, pkt);
  }
}

/**
 * Evaluates the policy of `endpoint` in one direction.
 *
 * The pass mark: Felix renders a Pass rule as two, "match: set the pass mark" and "pass mark
 * set: return" (felix/rules/policy.go `CombineMatchAndActionsForProtoRule`), and clears the mark
 * only at the start of each tier (felix/rules/endpoints.go), not before the profiles. So once a
 * Pass has fired (the last tier's, or a profile's), every later profile ends at its first Pass
 * rule rendered in the packet's family, whether that rule matches or not.
 */
export function evaluateDirection(prepared: Prepared, endpoint: PreparedMember, direction: Direction, pkt: Packet): DirectionResult {
  const steps: Step[] = [];
  const done = (allowed: boolean): DirectionResult => ({ endpoint: endpoint.id, allowed, steps });
  let passMark = false;

  // Felix drops encapsulated packets from workloads before any policy (felix/rules/endpoints.go,
  // AllowIPIPPacketsFromWorkloads and AllowVXLANPacketsFromWorkloads off by default).
  // Host endpoints' chains have no such rule (only WorkloadEndpointToIptablesChains drops it).
  if (direction === "egress" && endpoint.workload) {
    const what = pkt.protocol === PROTO_IPIP ? "IPIP" : pkt.protocol === PROTO_UDP && pkt.dst.port === prepared.settings.vxlanPort ? "VXLAN" : undefined;
    if (what) {
      steps.push({ kind: "encapsulated", what });
      return done(false);
    }
  }

  for (const tier of prepared.tiers) {
    // A tier takes part only if one of its policies applies to the endpoint in this direction.
    const applicable = tier.policies.filter((p) => hasBit(p.selects, endpoint.index) && p.types.includes(TYPE_OF[direction]));
    if (applicable.length === 0) continue;
    let passed = false;
    passMark = false;
    tier: for (const policy of applicable) {
      for (const [ruleIndex, rule] of policy[direction].entries()) {
        if (!ruleMatches(rule, direction, pkt)) continue;
        const ruleName = rule.kind === "cluster" && rule.name !== undefined ? { ruleName: rule.name } : {};
        steps.push({ kind: "rule", tier: tier.name, policyKind: policy.kind, policy: policy.display, ruleIndex, ...ruleName, action: rule.action, file: policy.file, path: rule.path });
        if (rule.action === "Allow") return done(true);
        if (rule.action === "Deny") return done(false);
        if (rule.action === "Pass") {
          passed = true;
          passMark = true;
          break tier;
        }
        // Log: the packet carries on to the next rule.
      }
    }
    if (!passed) {
      steps.push({ kind: "tier-default", tier: tier.name, action: tier.defaultAction });
      if (tier.defaultAction === "Deny") return done(false);
    }
  }

  for (const name of endpoint.profiles) {
    const profile = profileNamed(prepared, name);
    if (!profile) continue;
    for (const [ruleIndex, rule] of profile[direction].entries()) {
      const matches = calicoRuleMatches(rule, pkt);
      // With the pass mark set, a Pass rule rendered in this family ends the profile unmatched.
      const byPassMark = !matches && passMark && rule.action === "Pass" && (rule.renderedIn === undefined || rule.renderedIn === pkt.family);
      if (!matches && !byPassMark) continue;
      // Pass (v1 `pass` / `next-tier` too) ends the profile and the next one is evaluated:
      // Felix renders it in a profile as in a policy, setting the pass mark and returning, and
      // after a profile checks only the accept mark (felix/rules/endpoints.go "Return if profile accepted").
      const action = rule.action;
      steps.push({
        kind: "profile",
        profile: name,
        ruleIndex,
        action,
        ...(byPassMark ? { byPassMark: true as const } : {}),
        ...(profile.file !== undefined ? { file: profile.file, path: rule.path } : {}),
      });
      if (action === "Allow") return done(true);
      if (action === "Deny") return done(false);
      if (action === "Pass") {
        passMark = true;
        break;
      }
    }
  }
  steps.push({ kind: "no-profile-matched", profiles: endpoint.profiles });
  return done(false);
}

function peerInfo(peer: Peer, prepared: Prepared): PeerInfo {
  const others: string[] = [];
  if (peer.member && !peer.member.workload) others.push(peer.member.id);
  for (const i of peer.networkSets) {
    const m = prepared.members[i];
    if (m) others.push(m.id);
  }
  return { ...(peer.address ? { ip: peer.address.text } : {}), ...(peer.member?.workload ? { endpoint: peer.member.id } : {}), others };
}

/**
 * Evaluates a flow whose ends are already resolved (used by `reachabilityMatrix` too). With
 * `preDnat`, `pkt` is the packet after kube-proxy's DNAT on arrival and `preDnat` the packet as
 * sent (`Flow.dnat`).
 */
export function evaluatePacket(prepared: Prepared, pkt: Packet, isLocal: (m: PreparedMember) => boolean, reply = false, preDnat?: Packet): Verdict {
  const srcEp = pkt.src.member?.workload && isLocal(pkt.src.member) ? pkt.src.member : undefined;
  const dstEp = pkt.dst.member?.workload && isLocal(pkt.dst.member) ? pkt.dst.member : undefined;
  // The node itself -> a local workload: Felix does not police it (felix/rules/static.go
  // `filterOutputChain`: "We don't currently police host -> endpoint").
  const fromNode = isNodeAddress(prepared, pkt.src.member);
  const srcNode = fromNode;
  const dstNode = isNodeAddress(prepared, pkt.dst.member);
  // IPIP and VXLAN to the node are decided first in filter INPUT, before any workload or host
  // endpoint policy; the node's own to known nodes are accepted in filter OUTPUT before host
  // endpoint policy (felix/rules/static.go `filterInputChain`, `filterOutputChain`). Raw and
  // mangle (untracked and preDNAT policy) still come before them.
  const encap =
    dstNode && !srcNode ? hostEncapsulationVerdict(prepared.hostEncapsulation, pkt.family, pkt.protocol, pkt.dst.port, pkt.src.address?.text) : undefined;
  const encapOut = srcNode && !dstNode && hostEncapsulationOutbound(prepared.hostEncapsulation, pkt.family, pkt.protocol, pkt.dst.port, pkt.dst.address?.text);
  // Both directions are evaluated when both ends are local, so that an explanation shows both
  // even when egress already drops the packet. Encapsulation to the node never reaches the
  // workload's chain.
  const egress = srcEp && !encap ? evaluateDirection(prepared, srcEp, "egress", pkt) : undefined;
  const ingress = dstEp && !fromNode ? evaluateDirection(prepared, dstEp, "ingress", pkt) : undefined;
  // Workload -> node: INPUT sends it through the workload's egress chain, then applies the
  // configured action to whatever that chain returned (felix/rules/static.go `filterWorkloadToHostChain`).
  const endpointToHost = srcEp && dstNode && !encap ? prepared.settings.defaultEndpointToHostAction : undefined;
  // The host side: host endpoints, their failsafes, preDNAT, doNotTrack and forward policy.
  const onNode = srcEp !== undefined || dstEp !== undefined || srcNode || dstNode;
  const hostEnds: HostEnds | undefined =
    onNode && !(srcNode && dstNode)
      ? {
          ...(srcNode ? {} : { inIface: (srcEp ? memberIface(srcEp) : undefined) ?? UPLINK_IFACE }),
          ...(dstNode ? {} : { outIface: (dstEp ? memberIface(dstEp) : undefined) ?? UPLINK_IFACE }),
          fromWorkload: srcEp !== undefined,
          ...(encap || encapOut ? { filterDecided: true } : {}),
        }
      : undefined;
  const host = hostEnds ? evaluateHost(prepared, pkt, hostEnds, preDnat) : undefined;
  // Untracked policy allowed the packet in raw: no conntrack entry, so nothing NATs it.
  if (preDnat && host?.untracked === true) return evaluatePacket(prepared, preDnat, isLocal, reply);
  // IPv6 through a guarded uplink needs neighbour discovery first (neighbourDiscovery.ts); the
  // reply needs none of its own.
  const neighbours = hostEnds && !reply ? neighbourDiscovery(prepared, pkt, hostEnds) : undefined;
  // The reply of an untracked TCP connection, unless raw leaves it untracked too, is a SYN-ACK
  // conntrack has no entry for: INVALID, dropped by the first Calico endpoint chain it meets
  // (felix/rules/endpoints.go `appendConntrackRules`; every chain but the untracked ones).
  const invalid =
    reply &&
    pkt.protocol === 6 &&
    host?.untracked !== true &&
    (srcEp !== undefined || (dstEp !== undefined && !fromNode) || (host?.results.some((r) => r.chain !== "untracked") ?? false));
  const first = encap
    ? !invalid && host?.dropped !== true && encap.fromKnownNode
    : !invalid && (egress?.allowed ?? true) && (ingress?.allowed ?? true) && endpointToHost !== "Drop" && host?.dropped !== true;
  const resolved = neighbours?.ok ?? true;
  // An untracked connection has no conntrack entry: its reply is judged as a packet of its own
  // (raw untracked policy first, then, tracked anew, the normal policy of its path).
  const replyBlocked =
    first && !reply && host?.untracked === true && pkt.src.port !== undefined && pkt.dst.port !== undefined
      ? !evaluatePacket(prepared, { ...pkt, src: pkt.dst, dst: pkt.src }, isLocal, true).allowed
      : false;
  return {
    allowed: first && resolved && !replyBlocked,
    ...(replyBlocked ? { replyBlocked: true as const } : {}),
    policed: egress !== undefined || ingress !== undefined || (host?.results.length ?? 0) > 0 || (encap !== undefined && srcEp !== undefined),
    src: peerInfo(pkt.src, prepared),
    dst: peerInfo(pkt.dst, prepared),
    ...(egress ? { egress } : {}),
    ...(ingress ? { ingress } : {}),
    ...(endpointToHost ? { endpointToHost } : {}),
    ...(encap ? { hostEncapsulation: encap } : {}),
    ...(host && host.results.length > 0 ? { host: host.results, ...(host.untracked ? { untracked: true } : {}) } : {}),
    ...(neighbours ? { neighbourDiscovery: neighbours } : {}),
    ...(preDnat ? { dnatFrom: peerInfo(preDnat.dst, prepared) } : {}),
  };
}

/**
 * The verdict on `flow` (a new connection) with the path that decided it. Egress policy applies
 * at the source when it is a local workload endpoint, ingress policy at the destination when it
 * is one; the flow is allowed when every applicable direction allows it. A flow with no local
 * workload endpoint at either end is not policed (`policed: false`, allowed).
 *
 * Throws (a caller error) for an unknown endpoint id, an endpoint without an address of the
 * flow's family, or an address that is not valid or not of the flow's family.
 */
export function evaluateFlow(prepared: Prepared, flow: Flow, options: EvaluateOptions = {}): Verdict {
  const localIds = options.local ? new Set(options.local) : undefined;
  const isLocal = (m: PreparedMember): boolean => (localIds ? localIds.has(m.id) : m.local);
  const pkt: Packet = {
    family: flow.family,
    protocol: flow.protocol,
    src: resolvePeer(prepared, flow.src, flow.family, flow.srcPort),
    dst: resolvePeer(prepared, flow.dst, flow.family, flow.dstPort),
    ...(flow.icmpType !== undefined ? { icmpType: flow.icmpType } : {}),
    ...(flow.icmpCode !== undefined ? { icmpCode: flow.icmpCode } : {}),
  };
  if (flow.dnat === undefined) return evaluatePacket(prepared, pkt, isLocal);
  // kube-proxy's DNAT happens in nat PREROUTING: on traffic arriving at the node only.
  if (isNodeAddress(prepared, pkt.src.member)) throw new Error("dnat is modelled for traffic arriving at the node (nat PREROUTING), not for the node's own");
  const translated: Packet = { ...pkt, dst: resolvePeer(prepared, { ip: flow.dnat.ip }, flow.family, flow.dnat.port ?? flow.dstPort) };
  return evaluatePacket(prepared, translated, isLocal, false, pkt);
}
