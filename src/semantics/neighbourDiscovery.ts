/**
 * IPv6 neighbour discovery through a guarded uplink. IPv4 finds its neighbours with ARP, which
 * netfilter's IP tables never see; IPv6 finds them with ICMPv6 (RFC 4861), and those packets go
 * through the node's INPUT and OUTPUT hooks like any other. Conntrack leaves them untracked
 * (net/netfilter/nf_conntrack_proto_icmpv6.c, `noct_valid_new`), so no `ctstate` rule accepts
 * them, and Felix accepts them unconditionally only from workloads (felix/rules/static.go
 * `ICMPv6Filter`, used by `filterWorkloadToHostChain`). On an interface guarded by a host
 * endpoint (named or `*`), they meet the endpoint's policy: a host policy that does not admit
 * ICMPv6 neighbour solicitations and advertisements cuts the node's IPv6 on that interface, and
 * with it every IPv6 flow that crosses it. So does a real Felix node.
 *
 * The model: the uplink is routed, with link-local next hops both ways (the node's default route
 * points at `NEXT_HOP_LINK_LOCAL`; its peer reaches the node's pods through the node's
 * `UPLINK_LINK_LOCAL`). A new connection's first packet crossing the uplink needs:
 * - leaving through it: the node to resolve its next hop: a solicitation out (to the next hop's
 *   solicited-node multicast address) and the advertisement back in;
 * - arriving through it: the next hop to resolve the node: a solicitation in and the
 *   advertisement out.
 * A solicitation carries its sender's link-layer address and the receiver keeps it (RFC 4861
 * section 7.2.3), so the reply needs no discovery of its own, with one exception. A solicitation's
 * source is the triggering packet's source when that is an address of the node on the uplink
 * (net/ipv6/ndisc.c `ndisc_solicit`), else the node's link-local address; when the node itself
 * opens the connection, the next hop learns the node's own address, not the link-local one it
 * routes the reply to, and has to resolve that too.
 */
import { ICMPV6_NUMBER } from "../calico/index.js";
import { cidrAddress, parseAddress } from "./addresses.js";
import type { Address } from "./addresses.js";
import { resolvePeer } from "./evaluateFlow.js";
import type { HostEnds, HostResult } from "./hostFlow.js";
import { evaluateHost, UPLINK_IFACE } from "./hostFlow.js";
import type { Packet } from "./matchRule.js";
import type { Prepared } from "./types.js";

/** ICMPv6 types (RFC 4861 section 4): neighbour solicitation and advertisement. */
export const ICMPV6_NEIGHBOUR_SOLICITATION = 135;
export const ICMPV6_NEIGHBOUR_ADVERTISEMENT = 136;

/**
 * The node's link-local address on its uplink: the EUI-64 address of Calico's host-side MAC
 * `ee:ee:ee:ee:ee:ee` (cni-plugin/pkg/dataplane/linux/dataplane_linux.go), which the kernel test
 * topology gives the uplink too. Which link-local address it is changes no verdict unless a
 * policy names link-local addresses.
 */
export const UPLINK_LINK_LOCAL = "fe80::ecee:eeff:feee:eeee";
/** The next hop's link-local address beyond the uplink. */
export const NEXT_HOP_LINK_LOCAL = "fe80::1";

/** The solicited-node multicast address of `target` (RFC 4291 section 2.7.1): ff02::1:ff00:0/104. */
export function solicitedNodeMulticast(target: Address): Address {
  const value = (0xff020000000000000000000000000000n | 0x1ff000000n) | (target.value & 0xffffffn);
  return cidrAddress({ family: 6, network: value, prefix: 128, text: "" });
}

/** One neighbour-discovery message and what the node's host-endpoint chains did to it. */
export interface NeighbourMessage {
  /** `next-hop`: the node resolves its next hop; `node`: the next hop resolves the node. */
  readonly resolving: "next-hop" | "node";
  readonly message: "solicitation" | "advertisement";
  /** `out`: the node sends it; `in`: the node receives it. */
  readonly way: "in" | "out";
  readonly src: string;
  readonly dst: string;
  readonly dropped: boolean;
  readonly results: readonly HostResult[];
}

export interface NeighbourDiscovery {
  readonly iface: string;
  /** Whether both messages got through. */
  readonly ok: boolean;
  readonly messages: readonly NeighbourMessage[];
}

/** A neighbour-discovery message the node sends (`out`) or receives (`in`) on `iface`. */
export interface NeighbourMessageSpec {
  readonly resolving: "next-hop" | "node";
  readonly message: "solicitation" | "advertisement";
  readonly way: "in" | "out";
  readonly iface: string;
  readonly src: Address;
  readonly dst: Address;
  readonly icmpType: number;
}

/**
 * The neighbour-discovery messages a new IPv6 connection's first packet needs on the uplink
 * (in the order they are sent), from the packet's path (`evaluateHost`'s ends) and its source;
 * empty when none are needed or nothing guards the uplink. The compiled rules' interpreter runs
 * the same messages (compiler/packetPath.ts).
 */
export function neighbourMessages(prepared: Prepared, family: 4 | 6, ends: HostEnds, src: Address | undefined): NeighbourMessageSpec[] {
  if (family !== 6) return [];
  const h = prepared.host;
  if (!Object.hasOwn(h.named, UPLINK_IFACE) && h.all === undefined) return [];
  const leaving = ends.outIface === UPLINK_IFACE;
  if (!leaving && ends.inIface !== UPLINK_IFACE) return [];
  const nodeLinkLocal = parseAddress(UPLINK_LINK_LOCAL)!;
  const nextHop = parseAddress(NEXT_HOP_LINK_LOCAL)!;
  const spec = (resolving: NeighbourMessageSpec["resolving"], message: NeighbourMessageSpec["message"], way: "in" | "out", from: Address, to: Address): NeighbourMessageSpec => ({
    resolving,
    message,
    way,
    iface: UPLINK_IFACE,
    src: from,
    dst: to,
    icmpType: message === "solicitation" ? ICMPV6_NEIGHBOUR_SOLICITATION : ICMPV6_NEIGHBOUR_ADVERTISEMENT,
  });
  const nodeResolved = [
    spec("node", "solicitation", "in", nextHop, solicitedNodeMulticast(nodeLinkLocal)),
    spec("node", "advertisement", "out", nodeLinkLocal, nextHop),
  ];
  if (!leaving) return nodeResolved;
  const fromNode = ends.inIface === undefined;
  // From the node, `src` is one of its addresses (a workload, which has none, never sends from it).
  const nodeSource = fromNode && src !== undefined ? src : nodeLinkLocal;
  const nextHopResolved = [
    spec("next-hop", "solicitation", "out", nodeSource, solicitedNodeMulticast(nextHop)),
    spec("next-hop", "advertisement", "in", nextHop, nodeSource),
  ];
  return fromNode ? [...nextHopResolved, ...nodeResolved] : nextHopResolved;
}

/**
 * The neighbour discovery a new IPv6 connection's first packet needs on the uplink, with what
 * the host endpoints do to it; undefined when none is needed or nothing guards the uplink.
 * `ends` is the packet's own path (`evaluateHost`'s).
 */
export function neighbourDiscovery(prepared: Prepared, pkt: Packet, ends: HostEnds): NeighbourDiscovery | undefined {
  return discover(prepared, pkt.family, ends, pkt.src.address);
}

function discover(prepared: Prepared, family: 4 | 6, ends: HostEnds, src: Address | undefined): NeighbourDiscovery | undefined {
  const specs = neighbourMessages(prepared, family, ends, src);
  if (specs.length === 0) return undefined;
  const messages = specs.map((m): NeighbourMessage => {
    const packet: Packet = {
      family: 6,
      protocol: ICMPV6_NUMBER,
      src: resolvePeer(prepared, { ip: m.src.text }, 6, undefined),
      dst: resolvePeer(prepared, { ip: m.dst.text }, 6, undefined),
      icmpType: m.icmpType,
      icmpCode: 0,
    };
    // Conntrack leaves neighbour discovery untracked (nf_conntrack_proto_icmpv6.c `noct_valid_new`).
    const path: HostEnds = m.way === "out" ? { outIface: m.iface, fromWorkload: false, untracked: true } : { inIface: m.iface, fromWorkload: false, untracked: true };
    const v = evaluateHost(prepared, packet, path);
    return { resolving: m.resolving, message: m.message, way: m.way, src: m.src.text, dst: m.dst.text, dropped: v.dropped, results: v.results };
  });
  return { iface: specs[0]!.iface, ok: messages.every((m) => !m.dropped), messages };
}
