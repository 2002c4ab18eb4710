/**
 * Whether one rule matches one packet, for Calico rules (policies and profiles) and Kubernetes
 * NetworkPolicy rules. The packet's two ends are already resolved to members and network sets.
 */
import type { ClusterPolicyPort, IcmpMatch, K8sPolicyPort, Port } from "../model/types.js";
import { cidrContains, type Cidr } from "./addresses.js";
import { hasBit } from "./bits.js";
import { protocolNumber } from "./prepareRules.js";
import { addressPortKey } from "./services.js";
import type {
  Family,
  Membership,
  Peer,
  PreparedCalicoRule,
  PreparedClusterPeer,
  PreparedClusterRule,
  PreparedEntity,
  PreparedK8sPeer,
  PreparedK8sRule,
} from "./types.js";

/** A new connection's first packet, resolved. */
export interface Packet {
  readonly family: Family;
  readonly protocol: number;
  readonly src: Peer;
  readonly dst: Peer;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

/**
 * Whether the peer is matched by a selector's member set: the workload or host endpoint owning the
 * address matches, or a matching network set contains the address (Felix puts both into the
 * selector's IP set, so either one makes the packet match).
 */
export function peerMatches(members: Membership, peer: Peer): boolean {
  if (peer.member && hasBit(members, peer.member.index)) return true;
  return peer.networkSets.some((i) => hasBit(members, i));
}

/** Whether the peer's address is in `cidr`; a workload has none, and no CIDR contains it. */
export function inCidr(cidr: Cidr, peer: Peer): boolean {
  return peer.address !== undefined && cidrContains(cidr, peer.address);
}

/** ICMP type/code match: the type (if given) and the code (if given) must be the packet's. */
export function icmpMatches(m: IcmpMatch, pkt: Packet): boolean {
  if (pkt.protocol !== 1 && pkt.protocol !== 58) return false;
  if (m.type !== undefined && pkt.icmpType !== m.type) return false;
  if (m.code !== undefined && pkt.icmpCode !== m.code) return false;
  return true;
}

/**
 * Whether `port` (the peer's port on this side) is in `ports`. A named port matches when the
 * endpoint on this side has a port of that name, with the packet's protocol and that number.
 */
function portListMatches(ports: readonly Port[], peer: Peer, protocol: number): boolean {
  const port = peer.port;
  if (port === undefined) return false;
  return ports.some((p) => {
    if (p.kind === "range") return p.first <= port && port <= p.last;
    return namedPortMatches(peer, p.name, protocol, port);
  });
}

function namedPortMatches(peer: Peer, name: string, protocol: number, port: number): boolean {
  return peer.member?.ports.some((np) => np.name === name && protocolNumber(np.protocol) === protocol && np.port === port) ?? false;
}

/**
 * The peer belongs to the service: in a source, by address; in a destination, by address,
 * protocol and port together.
 */
function serviceMatches(service: NonNullable<PreparedEntity["service"]>, side: "source" | "destination", peer: Peer, protocol: number): boolean {
  // A workload has no address: no service address is its.
  if (!peer.address) return false;
  if (side === "source") return service.endpoints.addresses.has(peer.address.text);
  return peer.port !== undefined && service.endpoints.addressPorts.has(addressPortKey(peer.address.text, protocol, peer.port));
}

/** All criteria of an entity rule hold for the peer (an empty entity matches everything). */
export function entityMatches(e: PreparedEntity, side: "source" | "destination", peer: Peer, protocol: number): boolean {
  if (e.service && !serviceMatches(e.service, side, peer, protocol)) return false;
  if (e.nets.length > 0 && !e.nets.some((c) => inCidr(c, peer))) return false;
  if (e.notNets.some((c) => inCidr(c, peer))) return false;
  if (e.selector && !peerMatches(e.selector.members, peer)) return false;
  if (e.notSelectors.some((s) => peerMatches(s.members, peer))) return false;
  if (e.ports.length > 0 && !portListMatches(e.ports, peer, protocol)) return false;
  if (e.notPorts.length > 0 && portListMatches(e.notPorts, peer, protocol)) return false;
  return true;
}

/** Whether a Calico rule matches the packet (all its criteria are ANDed). */
export function calicoRuleMatches(rule: PreparedCalicoRule, pkt: Packet): boolean {
  if (rule.family !== undefined && rule.family !== pkt.family) return false;
  if (rule.protocol !== undefined && rule.protocol !== pkt.protocol) return false;
  if (rule.notProtocol !== undefined && rule.notProtocol === pkt.protocol) return false;
  if (rule.icmp && !icmpMatches(rule.icmp, pkt)) return false;
  if (rule.notICMP && icmpMatches(rule.notICMP, pkt)) return false;
  return entityMatches(rule.source, "source", pkt.src, pkt.protocol) && entityMatches(rule.destination, "destination", pkt.dst, pkt.protocol);
}

function k8sPeerMatches(peer: PreparedK8sPeer, end: Peer): boolean {
  if (peer.ipBlock) {
    const { cidr, except } = peer.ipBlock;
    return inCidr(cidr, end) && !except.some((c) => inCidr(c, end));
  }
  return end.member !== undefined && peer.members !== undefined && hasBit(peer.members, end.member.index);
}

/**
 * A Kubernetes port entry: the protocol must be the packet's; no port means every port; a number
 * (with endPort: a range) is the destination port; a name resolves on the destination endpoint.
 */
export function k8sPortMatches(p: K8sPolicyPort, pkt: Packet): boolean {
  if (protocolNumber(p.protocol) !== pkt.protocol) return false;
  if (p.port === undefined) return true;
  const port = pkt.dst.port;
  if (port === undefined) return false;
  if (typeof p.port === "number") return p.endPort !== undefined ? p.port <= port && port <= p.endPort : p.port === port;
  return namedPortMatches(pkt.dst, p.port, pkt.protocol, port);
}

/**
 * Whether a Kubernetes rule matches: some peer (the source for ingress, the destination for
 * egress) and some port entry; an empty list of either matches everything.
 */
export function k8sRuleMatches(rule: PreparedK8sRule, direction: "ingress" | "egress", pkt: Packet): boolean {
  const end = direction === "ingress" ? pkt.src : pkt.dst;
  if (rule.peers.length > 0 && !rule.peers.some((p) => k8sPeerMatches(p, end))) return false;
  if (rule.ports.length > 0 && !rule.ports.some((p) => k8sPortMatches(p, pkt))) return false;
  return true;
}

function clusterPeerMatches(peer: PreparedClusterPeer, end: Peer): boolean {
  if ("nets" in peer) return peer.nets.some((c) => inCidr(c, end));
  return peerMatches(peer.members, end);
}

/**
 * A cluster-scoped port entry: a protocol (TCP, UDP, SCTP) with every port or a destination port
 * range; or a named port, which resolves on the destination endpoint with its own protocol.
 */
export function clusterPortMatches(p: ClusterPolicyPort, pkt: Packet): boolean {
  const port = pkt.dst.port;
  if (p.kind === "named") return port !== undefined && namedPortMatches(pkt.dst, p.name, pkt.protocol, port);
  if (protocolNumber(p.protocol) !== pkt.protocol) return false;
  if (!p.ports) return true;
  return port !== undefined && p.ports.first <= port && port <= p.ports.last;
}

/**
 * Whether a cluster-scoped policy rule matches: some peer (the source for ingress, the
 * destination for egress) and some port entry (none: every protocol and port).
 */
export function clusterRuleMatches(rule: PreparedClusterRule, direction: "ingress" | "egress", pkt: Packet): boolean {
  if (rule.matchesAll) return true;
  const end = direction === "ingress" ? pkt.src : pkt.dst;
  if (!rule.peers.some((p) => clusterPeerMatches(p, end))) return false;
  return rule.ports.length === 0 || rule.ports.some((p) => clusterPortMatches(p, pkt));
}
