/**
 * The host side of a flow's verdict: what the node's host endpoints, their failsafes and the
 * preDNAT, doNotTrack and applyOnForward policies decide, from what the policies mean.
 *
 * The node (Calico's routed node): each local workload behind its own interface, everything
 * else behind the uplink (`UPLINK_IFACE`); an address of one of the node's host endpoints is the
 * node itself. A new connection's first packet meets, in order (felix/rules/static.go):
 * - arriving (to the node or forwarded): untracked policy of the named endpoint of the input
 *   interface (never for traffic from workloads, never the `*` endpoint), then preDNAT policy of
 *   the input interface's endpoint (the `*` endpoint too, for workload traffic as well); either
 *   one allowing it skips the rest of the host-endpoint policy;
 * - to the node: the input interface's endpoint's ingress policy (from a workload: its egress
 *   policy and DefaultEndpointToHostAction instead, evaluateFlow.ts);
 * - forwarded: the input interface's endpoint's forward ingress policy, the workloads' policy,
 *   the output interface's endpoint's forward egress policy;
 * - from the node: untracked egress policy of the output interface's named endpoint, then its
 *   endpoint's egress policy (traffic to local workloads is not policed).
 * An interface's endpoint: the one naming it, else the `*` endpoint, else none (not policed).
 * Failsafe ports are accepted by every host-endpoint chain but the forward ones.
 */
import { hasBit } from "./bits.js";
import type { FailsafePort } from "../calico/index.js";
import { cidrContains, parseCidr } from "./addresses.js";
import { evaluateDirection } from "./evaluateFlow.js";
import type { Packet } from "./matchRule.js";
import type { DirectionResult, Prepared, PreparedMember, PreparedTier } from "./types.js";

/** The name of the node's uplink, through which everything but local workloads is reached. */
export const UPLINK_IFACE = "eth0";

/** Which host-endpoint chain a result is from. */
export type HostChain = "untracked" | "preDNAT" | "from-host" | "to-host" | "forward-in" | "forward-out";

export interface HostResult {
  readonly chain: HostChain;
  /** The host endpoint (member id) and the interface it was reached by. */
  readonly hostEndpoint: string;
  readonly iface: string;
  /** `none`: no policy gave a verdict (the packet goes on); `failsafe`: a failsafe port accepted it. */
  readonly outcome: "allow" | "deny" | "none" | "failsafe";
  readonly direction?: DirectionResult;
}

/** Where the flow's ends are, for the host side. */
export interface HostEnds {
  /** The input interface (undefined: the node itself sends). */
  readonly inIface?: string;
  /** The output interface (undefined: to the node itself). */
  readonly outIface?: string;
  /** The source is a local workload (its traffic never meets untracked policy). */
  readonly fromWorkload: boolean;
  /**
   * Filter INPUT or OUTPUT decided the packet before any host endpoint chain (IPIP and VXLAN
   * between nodes, felix/rules/static.go): only raw and mangle policy apply.
   */
  readonly filterDecided?: boolean;
  /**
   * Conntrack has no entry for the packet (ICMPv6 neighbour discovery): on the nftables
   * dataplane it skips host egress policy (see `PrepareOptions.dataplane`).
   */
  readonly untracked?: boolean;
}

export interface HostVerdict {
  readonly dropped: boolean;
  /** Untracked or preDNAT policy accepted the packet: later host-endpoint policy is skipped. */
  readonly acceptedEarly: boolean;
  /** The packet was left untracked (doNotTrack policy allowed it). */
  readonly untracked: boolean;
  readonly results: readonly HostResult[];
}

type ChainType = "normal" | "forward" | "untracked" | "preDNAT";
type Direction = "ingress" | "egress";

/** Whether `m` is one of the node's host endpoints (its address is the node itself). */
export function isNodeAddress(prepared: Prepared, m: PreparedMember | undefined): boolean {
  return m?.host !== undefined && prepared.host.local.includes(m.index);
}

function flagFits(type: ChainType, flags: { readonly only?: "preDNAT" | "doNotTrack"; readonly applyOnForward: boolean } | undefined): boolean {
  switch (type) {
    case "normal":
      return flags?.only === undefined;
    case "forward":
      return flags?.only === undefined && flags?.applyOnForward === true;
    case "untracked":
      return flags?.only === "doNotTrack";
    case "preDNAT":
      return flags?.only === "preDNAT";
  }
}

/**
 * The endpoint's tiers of one chain type (felix/calc/event_sequencer.go
 * `tierInfoToProtoTierInfo`): untracked and preDNAT tiers default to Pass, so that normal policy
 * still runs after them.
 */
function tiersFor(prepared: Prepared, m: PreparedMember, type: ChainType): PreparedTier[] {
  const out: PreparedTier[] = [];
  for (const t of prepared.host.tiers) {
    const policies = t.policies.filter((p) => hasBit(p.selects, m.index) && flagFits(type, p.hostFlags));
    if (policies.length > 0) out.push({ ...t, ...(type === "untracked" || type === "preDNAT" ? { defaultAction: "Pass" as const } : {}), policies });
  }
  return out;
}

/** The endpoint's verdict in one chain: tiers (and, for normal chains, profiles and the final drop). */
function chainVerdict(prepared: Prepared, m: PreparedMember, type: ChainType, direction: Direction, pkt: Packet): { outcome: "allow" | "deny" | "none"; direction: DirectionResult } {
  const tiers = tiersFor(prepared, m, type);
  const view: Prepared = { ...prepared, tiers };
  const endpoint: PreparedMember = type === "normal" ? m : { ...m, profiles: [] };
  const result = evaluateDirection(view, endpoint, direction, pkt);
  if (result.allowed) return { outcome: "allow", direction: result };
  const last = result.steps[result.steps.length - 1];
  // Only normal chains end in "Drop if no profiles matched"; the others return without a verdict.
  return { outcome: type !== "normal" && last?.kind === "no-profile-matched" ? "none" : "deny", direction: result };
}

function failsafeHolds(list: readonly FailsafePort[], pkt: Packet, portSide: "src" | "dst", netSide: "src" | "dst"): boolean {
  const proto = { tcp: 6, udp: 17, sctp: 132 } as const;
  return list.some((f) => {
    if (proto[f.protocol] !== pkt.protocol) return false;
    if (pkt[portSide].port !== f.port) return false;
    if (f.net === undefined) return true;
    const net = parseCidr(f.net);
    const address = pkt[netSide].address;
    return net !== undefined && net.family === pkt.family && address !== undefined && cidrContains(net, address);
  });
}

/**
 * The failsafe chains (felix/rules/static.go `failsafeInChain`/`failsafeOutChain`): inbound to a
 * port from the net, outbound to a port and net; raw's also accept the other direction's replies.
 */
function failsafe(prepared: Prepared, dir: "in" | "out", raw: boolean, pkt: Packet): boolean {
  const { failsafeInboundHostPorts: inbound, failsafeOutboundHostPorts: outbound } = prepared.settings;
  if (dir === "in") return failsafeHolds(inbound, pkt, "dst", "src") || (raw && failsafeHolds(outbound, pkt, "src", "src"));
  return failsafeHolds(outbound, pkt, "dst", "dst") || (raw && failsafeHolds(inbound, pkt, "src", "dst"));
}

/** The endpoint guarding `iface` in filter: the one naming it, else `*`. */
function endpointFor(prepared: Prepared, iface: string | undefined): PreparedMember | undefined {
  if (iface === undefined) return undefined;
  const h = prepared.host;
  const i = Object.hasOwn(h.named, iface) ? h.named[iface] : h.all;
  return i === undefined ? undefined : prepared.members[i];
}

const hasTiers = (prepared: Prepared, m: PreparedMember, type: ChainType): boolean => tiersFor(prepared, m, type).length > 0;

/**
 * What the node's host endpoints do to the first packet of a new connection. `preDnat`: the
 * packet as it arrived, before kube-proxy's DNAT (nat PREROUTING, priority -100) made `pkt` of
 * it; raw (-300) and mangle (-150) PREROUTING see that one, filter sees `pkt`.
 */
export function evaluateHost(prepared: Prepared, pkt: Packet, ends: HostEnds, preDnat: Packet = pkt): HostVerdict {
  const results: HostResult[] = [];
  let accepted = false;
  let untracked = false;
  const done = (dropped: boolean): HostVerdict => ({ dropped, acceptedEarly: accepted, untracked, results });
  const h = prepared.host;
  if (Object.keys(h.named).length === 0 && h.all === undefined) return done(false);
  const push = (chain: HostChain, m: PreparedMember, iface: string, outcome: HostResult["outcome"], direction?: DirectionResult): void => {
    results.push({ chain, hostEndpoint: m.id, iface, outcome, ...(direction ? { direction } : {}) });
  };

  if (ends.inIface !== undefined) {
    const iface = ends.inIface;
    // raw PREROUTING: untracked policy of a named endpoint, not for workload traffic.
    const rawIdx = ends.fromWorkload || !Object.hasOwn(h.named, iface) ? undefined : h.named[iface];
    const rawEp = rawIdx === undefined ? undefined : prepared.members[rawIdx];
    if (rawEp && hasTiers(prepared, rawEp, "untracked")) {
      if (failsafe(prepared, "in", true, preDnat)) push("untracked", rawEp, iface, "failsafe");
      else {
        const v = chainVerdict(prepared, rawEp, "untracked", "ingress", preDnat);
        push("untracked", rawEp, iface, v.outcome, v.direction);
        if (v.outcome === "deny") return done(true);
        if (v.outcome === "allow") accepted = untracked = true;
      }
    }
    // mangle PREROUTING: preDNAT policy; the dispatch knows only endpoints that have some.
    if (!accepted) {
      const namedIdx = Object.hasOwn(h.named, iface) ? h.named[iface] : undefined;
      const named = namedIdx === undefined ? undefined : prepared.members[namedIdx];
      const all = h.all === undefined ? undefined : prepared.members[h.all];
      const ep = named && hasTiers(prepared, named, "preDNAT") ? named : all && hasTiers(prepared, all, "preDNAT") ? all : undefined;
      if (ep) {
        if (failsafe(prepared, "in", false, preDnat)) push("preDNAT", ep, iface, "failsafe");
        else {
          const v = chainVerdict(prepared, ep, "preDNAT", "ingress", preDnat);
          push("preDNAT", ep, iface, v.outcome, v.direction);
          if (v.outcome === "deny") return done(true);
          if (v.outcome === "allow") accepted = true;
        }
      }
    }
  } else if (ends.outIface !== undefined && !ends.outIface.startsWith("cali")) {
    // raw OUTPUT: untracked egress policy of a named endpoint.
    const iface = ends.outIface;
    const rawIdx = Object.hasOwn(h.named, iface) ? h.named[iface] : undefined;
    const rawEp = rawIdx === undefined ? undefined : prepared.members[rawIdx];
    if (rawEp && hasTiers(prepared, rawEp, "untracked")) {
      if (failsafe(prepared, "out", true, pkt)) push("untracked", rawEp, iface, "failsafe");
      else {
        const v = chainVerdict(prepared, rawEp, "untracked", "egress", pkt);
        push("untracked", rawEp, iface, v.outcome, v.direction);
        if (v.outcome === "deny") return done(true);
        if (v.outcome === "allow") accepted = untracked = true;
      }
    }
  }

  // filter
  if (ends.inIface !== undefined && ends.outIface === undefined) {
    // INPUT; workload traffic goes to cali-wl-to-host instead (evaluateFlow.ts).
    if (ends.fromWorkload || accepted || ends.filterDecided === true) return done(false);
    const ep = endpointFor(prepared, ends.inIface);
    if (!ep) return done(false);
    if (failsafe(prepared, "in", false, pkt)) {
      push("from-host", ep, ends.inIface, "failsafe");
      return done(false);
    }
    const v = chainVerdict(prepared, ep, "normal", "ingress", pkt);
    push("from-host", ep, ends.inIface, v.outcome, v.direction);
    return done(v.outcome !== "allow");
  }
  if (ends.inIface === undefined && ends.outIface !== undefined) {
    // OUTPUT: traffic to local workloads is not policed. Felix jumps to host egress policy only
    // for packets that were not DNATed; nftables' `ct status != dnat` cannot match an untracked
    // packet, so there it skips host egress policy (felix/rules/static.go `filterOutputChain`).
    if (accepted || ends.outIface.startsWith("cali") || ends.filterDecided === true) return done(false);
    if (ends.untracked === true && prepared.dataplane === "nftables") return done(false);
    const ep = endpointFor(prepared, ends.outIface);
    if (!ep) return done(false);
    if (failsafe(prepared, "out", false, pkt)) {
      push("to-host", ep, ends.outIface, "failsafe");
      return done(false);
    }
    const v = chainVerdict(prepared, ep, "normal", "egress", pkt);
    push("to-host", ep, ends.outIface, v.outcome, v.direction);
    return done(v.outcome !== "allow");
  }
  if (ends.inIface !== undefined && ends.outIface !== undefined) {
    // FORWARD: forward policy in, (workload policy, evaluateFlow.ts), forward policy out.
    // A packet accepted by untracked or preDNAT policy skips the inbound forward chain only.
    const forward = (chain: "forward-in" | "forward-out", iface: string, direction: Direction): boolean => {
      const ep = endpointFor(prepared, iface);
      if (!ep) return false;
      // An endpoint without forward tiers (in either direction) accepts forwarded traffic.
      if (!hasTiers(prepared, ep, "forward")) {
        push(chain, ep, iface, "allow");
        return false;
      }
      const v = chainVerdict(prepared, ep, "forward", direction, pkt);
      push(chain, ep, iface, v.outcome, v.direction);
      return v.outcome === "deny";
    };
    if (!accepted && forward("forward-in", ends.inIface, "ingress")) return done(true);
    if (forward("forward-out", ends.outIface, "egress")) return done(true);
  }
  return done(false);
}
