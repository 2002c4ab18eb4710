/**
 * `classReachability`: who may connect to whom for one probe (protocol and ports), over the
 * equivalence classes, without evaluating each pair. For each class, each direction is evaluated
 * once against the set of all classes at the other end: the same walk as `evaluateDirection`
 * (tiers, policies, rules, tier defaults, profiles, the pass mark), but each rule removes from
 * the set of still-undecided peers the classes it matches, as a bit set. What a rule matches at
 * the other end does not depend on the evaluated endpoint, so it is computed once per rule. The
 * walk covers every rule kind (Calico, Kubernetes, and the cluster-scoped policies' Accept, Deny
 * and Pass in their tiers, which pass on by default) and the drop of a workload's IPIP and VXLAN
 * packets before any policy.
 *
 * The result is exactly `evaluatePacket`'s verdict for every pair of endpoints (a property test
 * checks it against brute force).
 */
import { PROTO_IPIP, PROTO_UDP } from "../calico/index.js";
import type { Address, Cidr } from "./addresses.js";
import { cidrAddress, cidrContains } from "./addresses.js";
import type { Port } from "../model/types.js";
import type { Bits } from "./bits.js";
import { andBits, andInto, andNotBits, andNotInPlace, bitIndexes, bitsWhere, emptyBits, fullBits, hasBit, orBits, orInPlace, setBit, transposeBits } from "./bits.js";
import type { EquivalenceClasses } from "./equivalenceClasses.js";
import type { Packet } from "./matchRule.js";
import { clusterPortMatches, entityMatches, icmpMatches, k8sPortMatches } from "./matchRule.js";
import { forwardedNeighbours } from "./neighbourDiscovery.js";
import { profileNamed } from "./prepareModel.js";
import { protocolNumber } from "./prepareRules.js";
import { addressPortKey } from "./services.js";
import type {
  Family,
  Membership,
  Peer,
  Prepared,
  PreparedCalicoRule,
  PreparedClusterRule,
  PreparedEntity,
  PreparedK8sRule,
  PreparedMember,
  PreparedPolicy,
  PreparedRule,
} from "./types.js";

/** The first packet of the flows a matrix probes. */
export interface Probe {
  readonly protocol: number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

export interface ClassReachability {
  readonly classes: EquivalenceClasses;
  /**
   * Whether an endpoint of class `from` may open the probed connection to an endpoint of class
   * `to` (egress at `from` when it is local, ingress at `to` when it is local).
   */
  readonly allowed: (from: number, to: number) => boolean;
  /** The classes an endpoint of class `from` may connect to (computed once per class). */
  readonly allowedFrom: (from: number) => Bits;
}

type Direction = "ingress" | "egress";

/** Bit sets over the classes for what rules test at the other end, cached. */
class OtherEnd {
  private readonly size: number;
  private readonly reps: readonly Peer[];
  private readonly classOf: Readonly<Int32Array>;
  /** Classes by their representative's address, ascending, for CIDR lookups. */
  private readonly byAddress: readonly number[];
  /** Per network set (member index), the classes whose address it contains. */
  private readonly inNetworkSet = new Map<number, number[]>();
  private readonly byMembership = new Map<Membership, Bits>();
  private readonly byMember = new Map<Membership, Bits>();
  private readonly byCidr = new Map<string, Bits>();
  private readonly byName = new Map<string, Bits>();
  private readonly byService = new Map<object, Bits>();
  readonly all: Bits;
  readonly none: Bits;

  constructor(reps: readonly Peer[], classOf: Readonly<Int32Array>) {
    this.size = reps.length;
    this.reps = reps;
    this.classOf = classOf;
    this.all = fullBits(this.size);
    this.none = emptyBits(this.size);
    this.byAddress = reps.map((_, c) => c).sort((x, y) => (reps[x]!.address.value < reps[y]!.address.value ? -1 : reps[x]!.address.value > reps[y]!.address.value ? 1 : 0));
    reps.forEach((p, c) => {
      for (const n of p.networkSets) {
        let list = this.inNetworkSet.get(n);
        if (!list) this.inNetworkSet.set(n, (list = []));
        list.push(c);
      }
    });
  }

  private where(f: (peer: Peer) => boolean): Bits {
    return bitsWhere(this.size, (c) => f(this.reps[c]!));
  }

  /**
   * Classes whose endpoint is in the membership: every member of a class is in it or none is,
   * so the members' classes are the answer (the cost is the membership's size).
   */
  member(m: Membership): Bits {
    let b = this.byMember.get(m);
    if (!b) {
      const out = emptyBits(this.size);
      for (const i of bitIndexes(m)) {
        const c = this.classOf[i]!;
        if (c >= 0) setBit(out, c);
      }
      this.byMember.set(m, (b = out));
    }
    return b;
  }

  /** Classes whose endpoint the selector matches, directly or through a network set. */
  peer(m: Membership): Bits {
    let b = this.byMembership.get(m);
    if (!b) {
      const out = Uint32Array.from(this.member(m));
      for (const [n, classes] of this.inNetworkSet) if (hasBit(m, n)) for (const c of classes) setBit(out, c);
      this.byMembership.set(m, (b = out));
    }
    return b;
  }

  cidr(cidr: Cidr): Bits {
    const key = cidr.text;
    let b = this.byCidr.get(key);
    if (!b) {
      const out = emptyBits(this.size);
      const bits = cidr.family === 4 ? 32 : 128;
      const first = cidr.network;
      const last = first + (1n << BigInt(bits - cidr.prefix)) - 1n;
      // The first class at or after `first`, then every one up to `last`.
      let lo = 0;
      let hi = this.byAddress.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.reps[this.byAddress[mid]!]!.address.value < first) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < this.byAddress.length; k++) {
        const c = this.byAddress[k]!;
        const peer = this.reps[c]!;
        if (peer.address.value > last) break;
        if (peer.address.family === cidr.family) setBit(out, c);
      }
      this.byCidr.set(key, (b = out));
    }
    return b;
  }

  named(name: string, protocol: number, port: number): Bits {
    const key = `${name} ${protocol} ${port}`;
    let b = this.byName.get(key);
    if (!b) this.byName.set(key, (b = this.where((p) => p.member!.ports.some((np) => np.name === name && protocolNumber(np.protocol) === protocol && np.port === port))));
    return b;
  }

  service(service: NonNullable<PreparedEntity["service"]>, side: "source" | "destination", protocol: number, port: number | undefined): Bits {
    // One cache entry per service object and side (the probe is fixed for an OtherEnd).
    const key = side === "source" ? service.endpoints.addresses : service.endpoints.addressPorts;
    let b = this.byService.get(key);
    if (!b) {
      b =
        side === "source"
          ? this.where((p) => service.endpoints.addresses.has(p.address.text))
          : this.where((p) => port !== undefined && service.endpoints.addressPorts.has(addressPortKey(p.address.text, protocol, port)));
      this.byService.set(key, b);
    }
    return b;
  }
}

/** Classes whose port on this side is in `ports` (see `portListMatches`). */
function portsOver(ports: readonly Port[], protocol: number, port: number | undefined, other: OtherEnd): Bits {
  if (port === undefined) return other.none;
  let out = other.none;
  for (const p of ports) {
    if (p.kind === "range") {
      if (p.first <= port && port <= p.last) return other.all;
    } else {
      out = orBits(out, other.named(p.name, protocol, port));
    }
  }
  return out;
}

/** The classes an entity rule matches at the other end (see `entityMatches`). */
function entityOver(e: PreparedEntity, side: "source" | "destination", protocol: number, port: number | undefined, other: OtherEnd): Bits {
  let out = other.all;
  if (e.service) out = andBits(out, other.service(e.service, side, protocol, port));
  if (e.nets.length > 0) out = andBits(out, e.nets.reduce((acc, c) => orBits(acc, other.cidr(c)), other.none));
  for (const c of e.notNets) out = andNotBits(out, other.cidr(c));
  if (e.selector) out = andBits(out, other.peer(e.selector.members));
  for (const s of e.notSelectors) out = andNotBits(out, other.peer(s.members));
  if (e.ports.length > 0) out = andBits(out, portsOver(e.ports, protocol, port, other));
  if (e.notPorts.length > 0) out = andNotBits(out, portsOver(e.notPorts, protocol, port, other));
  return out;
}

/** What a Calico rule asks of the packet alone (see `calicoRuleMatches`). */
function calicoPacketMatches(rule: PreparedCalicoRule, pkt: Packet): boolean {
  if (rule.family !== undefined && rule.family !== pkt.family) return false;
  if (rule.protocol !== undefined && rule.protocol !== pkt.protocol) return false;
  if (rule.notProtocol !== undefined && rule.notProtocol === pkt.protocol) return false;
  if (rule.icmp && !icmpMatches(rule.icmp, pkt)) return false;
  if (rule.notICMP && icmpMatches(rule.notICMP, pkt)) return false;
  return true;
}

/** Per direction, what each rule matches at the other end, for one probe. */
class RuleSets {
  private readonly cache = new Map<PreparedRule, Bits>();
  constructor(
    private readonly direction: Direction,
    private readonly probe: Probe,
    readonly other: OtherEnd,
  ) {}

  of(rule: PreparedRule): Bits {
    let b = this.cache.get(rule);
    if (!b) this.cache.set(rule, (b = this.compute(rule)));
    return b;
  }

  private compute(rule: PreparedRule): Bits {
    const { protocol } = this.probe;
    const other = this.other;
    // The other end: the source for ingress, the destination for egress.
    const side = this.direction === "ingress" ? "source" : "destination";
    const port = this.direction === "ingress" ? this.probe.srcPort : this.probe.dstPort;
    switch (rule.kind) {
      case "calico":
        return entityOver(rule[side], side, protocol, port, other);
      case "k8s":
        return k8sPeersOver(rule, other);
      case "cluster":
        return clusterPeersOver(rule, other);
    }
  }
}

/** The classes some peer of a cluster-scoped rule matches (see `clusterRuleMatches`). */
function clusterPeersOver(rule: PreparedClusterRule, other: OtherEnd): Bits {
  if (rule.matchesAll) return other.all;
  let out = other.none;
  for (const peer of rule.peers) {
    if ("nets" in peer) for (const c of peer.nets) out = orBits(out, other.cidr(c));
    else out = orBits(out, other.peer(peer.members));
  }
  return out;
}

/**
 * Cluster-scoped egress ports: a protocol entry (with or without a range) reads only the probe;
 * a named port resolves on the destination, so per class.
 */
function clusterEgressPortsOver(rule: PreparedClusterRule, probe: Probe, other: OtherEnd): Bits {
  if (rule.matchesAll || rule.ports.length === 0) return other.all;
  const port = probe.dstPort;
  let out = other.none;
  for (const p of rule.ports) {
    if (p.kind === "named") {
      if (port !== undefined) out = orBits(out, other.named(p.name, probe.protocol, port));
      continue;
    }
    if (protocolNumber(p.protocol) !== probe.protocol) continue;
    if (!p.ports) return other.all;
    if (port !== undefined && p.ports.first <= port && port <= p.ports.last) return other.all;
  }
  return out;
}

function k8sPeersOver(rule: PreparedK8sRule, other: OtherEnd): Bits {
  if (rule.peers.length === 0) return other.all;
  let out = other.none;
  for (const peer of rule.peers) {
    if (peer.ipBlock) {
      const { cidr, except } = peer.ipBlock;
      out = orBits(out, except.reduce((acc, c) => andNotBits(acc, other.cidr(c)), other.cidr(cidr)));
    } else if (peer.members) {
      out = orBits(out, other.member(peer.members));
    }
  }
  return out;
}

/** Kubernetes egress ports name the destination's ports: per class when a name is involved. */
function k8sEgressPortsOver(rule: PreparedK8sRule, probe: Probe, other: OtherEnd): Bits {
  if (rule.ports.length === 0) return other.all;
  let out = other.none;
  for (const p of rule.ports) {
    if (protocolNumber(p.protocol) !== probe.protocol) continue;
    if (p.port === undefined) return other.all;
    const port = probe.dstPort;
    if (port === undefined) continue;
    if (typeof p.port === "number") {
      if (p.endPort !== undefined ? p.port <= port && port <= p.endPort : p.port === port) return other.all;
    } else {
      out = orBits(out, other.named(p.port, probe.protocol, port));
    }
  }
  return out;
}

/**
 * The classes at the other end for which `endpoint`'s policy in `direction` allows the probe
 * (`evaluateDirection` over a set of peers).
 */
function allowedOver(prepared: Prepared, fixed: Peer, direction: Direction, probe: Probe, family: Family, sets: RuleSets, applicableByTier: readonly (readonly PreparedPolicy[])[]): Bits {
  const other = sets.other;
  const endpoint = fixed.member!;
  // The fixed end of the packet; the other end is never read by the checks made here.
  const pkt: Packet = {
    family,
    protocol: probe.protocol,
    src: fixed,
    dst: fixed,
    ...(probe.icmpType !== undefined ? { icmpType: probe.icmpType } : {}),
    ...(probe.icmpCode !== undefined ? { icmpCode: probe.icmpCode } : {}),
  };
  const fixedSide = direction === "ingress" ? "destination" : "source";
  /** What the rule matches among the peers, given the fixed end. */
  const matches = (rule: PreparedRule): Bits => {
    if (rule.kind === "calico") {
      if (!calicoPacketMatches(rule, pkt) || !entityMatches(rule[fixedSide], fixedSide, fixed, probe.protocol)) return other.none;
      return sets.of(rule);
    }
    if (rule.kind === "cluster") {
      // Ingress: the ports are the fixed destination's (`pkt.dst`).
      if (direction === "ingress") return rule.matchesAll || rule.ports.length === 0 || rule.ports.some((p) => clusterPortMatches(p, pkt)) ? sets.of(rule) : other.none;
      return andBits(sets.of(rule), clusterEgressPortsOver(rule, probe, other));
    }
    if (direction === "ingress") {
      if (rule.ports.length > 0 && !rule.ports.some((p) => k8sPortMatches(p, pkt))) return other.none;
      return sets.of(rule);
    }
    return andBits(sets.of(rule), k8sEgressPortsOver(rule, probe, other));
  };

  // Felix drops IPIP and VXLAN packets from workloads before any policy (see `evaluateDirection`).
  if (direction === "egress" && (probe.protocol === PROTO_IPIP || (probe.protocol === PROTO_UDP && probe.dstPort === prepared.settings.vxlanPort))) return other.none;

  // Working sets, updated in place (this runs once per class and direction).
  const remaining = Uint32Array.from(other.all);
  const allowed = Uint32Array.from(other.none);
  let passMark = Uint32Array.from(other.none);
  const inTier = new Uint32Array(other.all.length);
  const hit = new Uint32Array(other.all.length);
  const extra = new Uint32Array(other.all.length);
  /** Applies a rule's action to the peers in `hit`; `scope` is what the rule was evaluated over. */
  const decide = (action: PreparedRule["action"], scope: Uint32Array, passed: Uint32Array): void => {
    andNotInPlace(scope, hit);
    if (action === "Allow") {
      orInPlace(allowed, hit);
      andNotInPlace(remaining, hit);
    } else if (action === "Deny") {
      andNotInPlace(remaining, hit);
    } else {
      orInPlace(passed, hit);
    }
  };
  for (const [t, tier] of prepared.tiers.entries()) {
    const applicable = applicableByTier[t] ?? [];
    if (applicable.length === 0) continue;
    inTier.set(remaining);
    const passed = new Uint32Array(other.all.length);
    for (const policy of applicable) {
      for (const rule of policy[direction]) {
        if (rule.action === "Log") continue;
        const m = matches(rule);
        if (m === other.none || !andInto(hit, inTier, m)) continue;
        decide(rule.action, inTier, passed);
      }
    }
    // The pass mark is cleared at each tier the endpoint takes part in.
    passMark = passed;
    if (tier.defaultAction === "Deny") andNotInPlace(remaining, inTier);
  }

  const active = new Uint32Array(other.all.length);
  for (const name of endpoint.profiles) {
    const profile = profileNamed(prepared, name);
    if (!profile) continue;
    active.set(remaining);
    for (const rule of profile[direction]) {
      if (rule.action === "Log") continue;
      let any = andInto(hit, active, matches(rule));
      if (rule.action === "Pass" && (rule.renderedIn === undefined || rule.renderedIn === family)) {
        // With the pass mark set, the Pass rule ends the profile, matched or not.
        any = andInto(extra, active, passMark) || any;
        orInPlace(hit, extra);
      }
      if (!any) continue;
      decide(rule.action, active, passMark);
    }
  }
  return allowed;
}

/** An endpoint as a flow end (its first address of the family), with the network sets containing it. */
function endpointPeer(netSets: readonly PreparedMember[], member: PreparedMember, family: Family): Peer {
  const net = member.nets.find((c) => c.family === family)!;
  const address: Address = cidrAddress(net);
  const networkSets: number[] = [];
  for (const m of netSets) if (m.nets.some((c) => cidrContains(c, address))) networkSets.push(m.index);
  return { address, member, networkSets };
}

/**
 * Per class, per tier (in `prepared.tiers` order), the policies that apply to the class in
 * `direction`, in order: found from each policy's members (the cost is their number).
 */
function applicablePolicies(prepared: Prepared, classes: EquivalenceClasses, direction: Direction): PreparedPolicy[][][] {
  const type = direction === "ingress" ? "Ingress" : "Egress";
  const out = classes.endpoints.map(() => prepared.tiers.map((): PreparedPolicy[] => []));
  prepared.tiers.forEach((tier, t) => {
    for (const policy of tier.policies) {
      if (!policy.types.includes(type)) continue;
      for (const i of bitIndexes(policy.selects)) {
        const c = classes.classOf[i]!;
        // Once per class: at its representative (the class's members all agree).
        if (c >= 0 && classes.endpoints[c]!.representative === i) out[c]![t]!.push(policy);
      }
    }
  });
  return out;
}

/**
 * Reachability between the classes of `classes` for one probe. `isLocal` must be the locality
 * the classes were computed with.
 */
export function classReachability(prepared: Prepared, classes: EquivalenceClasses, probe: Probe, isLocal: (m: PreparedMember) => boolean): ClassReachability {
  const family = classes.family;
  const reps = classes.endpoints.map((c) => prepared.members[c.representative]!);
  const netSets = prepared.members.filter((m) => m.kind === "NetworkSet" || m.kind === "GlobalNetworkSet");
  const base = reps.map((m) => endpointPeer(netSets, m, family));
  const withPort = (p: Peer, port: number | undefined): Peer => (port === undefined ? p : { ...p, port });
  // As a source the endpoint has the probe's source port, as a destination its destination port.
  const asSource = base.map((p) => withPort(p, probe.srcPort));
  const asDestination = base.map((p) => withPort(p, probe.icmpType === undefined ? probe.dstPort : undefined));
  const dstProbe: Probe = probe.icmpType === undefined ? probe : { ...probe, dstPort: undefined };
  const egressSets = new RuleSets("egress", dstProbe, new OtherEnd(asDestination, classes.classOf));
  const ingressSets = new RuleSets("ingress", probe, new OtherEnd(asSource, classes.classOf));

  const egressPolicies = applicablePolicies(prepared, classes, "egress");
  const ingressPolicies = applicablePolicies(prepared, classes, "ingress");
  const egress: (Bits | undefined)[] = reps.map((m, c) =>
    isLocal(m) ? allowedOver(prepared, asSource[c]!, "egress", dstProbe, family, egressSets, egressPolicies[c]!) : undefined,
  );
  const ingress: (Bits | undefined)[] = reps.map((m, c) =>
    isLocal(m) ? allowedOver(prepared, asDestination[c]!, "ingress", dstProbe, family, ingressSets, ingressPolicies[c]!) : undefined,
  );
  // IPv6 between a local and a remote class crosses the uplink, and needs neighbour discovery
  // there (neighbourDiscovery.ts): the same verdict for every such pair.
  const neighbours = forwardedNeighbours(prepared, family);
  const local = reps.map((m) => isLocal(m));
  const localBits = bitsWhere(reps.length, (c) => local[c]!);
  const remoteBits = bitsWhere(reps.length, (c) => !local[c]!);
  const crossingOk = (from: number, to: number): boolean =>
    local[from] === local[to] || (local[from] ? neighbours.leaving : neighbours.arriving);
  const allowed = (from: number, to: number): boolean => {
    const e = egress[from];
    const i = ingress[to];
    return (e === undefined || hasBit(e, to)) && (i === undefined || hasBit(i, from)) && crossingOk(from, to);
  };
  // Ingress by source: row `from` of the transpose holds the classes whose ingress admits `from`.
  let admits: Uint32Array[] | undefined;
  return {
    classes,
    allowed,
    allowedFrom(from) {
      const all = egressSets.other.all;
      admits ??= transposeBits(
        ingress.map((i) => i ?? all),
        reps.length,
      );
      const out = andBits(egress[from] ?? all, admits[from]!);
      // Drop the other side of the uplink when discovery cannot cross it.
      if (local[from] ? !neighbours.leaving : !neighbours.arriving) return andBits(out, local[from] ? localBits : remoteBits);
      return out;
    },
  };
}
