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
import type { Bits, BitsPool } from "./bits.js";
import { andBits, andInto, andNotBits, andNotInPlace, bitIndexes, bitsWhere, emptyBits, fullBits, hasBit, orBits, orInPlace, setBit, transposeBits } from "./bits.js";
import type { EquivalenceClasses } from "./equivalenceClasses.js";
import type { Packet } from "./matchRule.js";
import { clusterPortMatches, entityMatches, icmpMatches, k8sPortMatches } from "./matchRule.js";
import { evaluatePacket } from "./evaluateFlow.js";
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

export type Direction = "ingress" | "egress";

/** What an OtherEnd caches that no probe changes (memberships and CIDRs as classes). */
interface ProbeFreeCaches {
  readonly byMembership: Map<Membership, Bits>;
  readonly byMember: Map<Membership, Bits>;
  readonly byCidr: Map<string, Bits>;
}

export function probeFreeCaches(): ProbeFreeCaches {
  return { byMembership: new Map(), byMember: new Map(), byCidr: new Map() };
}

/**
 * Bit sets over the classes for what rules test at the other end, cached. Nothing here reads a
 * peer's port (named ports and services take the probe's port as an argument), so one OtherEnd
 * serves every probe and both directions.
 */
export class OtherEnd {
  private readonly size: number;
  private readonly reps: readonly Peer[];
  private readonly classOf: Readonly<Int32Array>;
  /** Classes by their representative's address, ascending, for CIDR lookups (workloads, which have none, left out). */
  private readonly byAddress: readonly number[];
  /** Per network set (member index), the classes whose address it contains. */
  private readonly inNetworkSet = new Map<number, number[]>();
  private readonly byMembership: Map<Membership, Bits>;
  private readonly byMember: Map<Membership, Bits>;
  private readonly byCidr: Map<string, Bits>;
  private readonly byName = new Map<string, Bits>();
  private readonly byService = new Map<object, Map<string, Bits>>();
  readonly all: Bits;
  readonly none: Bits;

  /** `shared`: the caches that do not depend on the probe, kept across probes (see `sweepPorts`). */
  constructor(reps: readonly Peer[], classOf: Readonly<Int32Array>, shared: ProbeFreeCaches = probeFreeCaches()) {
    this.byMembership = shared.byMembership;
    this.byMember = shared.byMember;
    this.byCidr = shared.byCidr;
    this.size = reps.length;
    this.reps = reps;
    this.classOf = classOf;
    this.all = fullBits(this.size);
    this.none = emptyBits(this.size);
    const value = (c: number): bigint => reps[c]!.address!.value;
    this.byAddress = reps
      .map((_, c) => c)
      .filter((c) => reps[c]!.address !== undefined)
      .sort((x, y) => (value(x) < value(y) ? -1 : value(x) > value(y) ? 1 : 0));
    reps.forEach((p, c) => {
      for (const n of p.networkSets) {
        let list = this.inNetworkSet.get(n);
        if (!list) this.inNetworkSet.set(n, (list = []));
        list.push(c);
      }
    });
  }

  /** Forgets what depends on the probe's destination port (services), for the next probe (`sweepPorts`). */
  nextProbe(): void {
    this.byService.clear();
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
      // Word by word, not through `bitIndexes` (a generator): on shape L memberships hold
      // hundreds of thousands of members, and the first step of a sweep fills thousands of them.
      const out = emptyBits(this.size);
      const classOf = this.classOf;
      const words = Math.min(m.length, (classOf.length + 31) >>> 5);
      for (let w = 0; w < words; w++) {
        let word = m[w]!;
        while (word !== 0) {
          const low = word & -word;
          word ^= low;
          const c = classOf[(w << 5) + (31 - Math.clz32(low))]!;
          if (c >= 0) out[c >>> 5]! |= 1 << (c & 31);
        }
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
        if (this.reps[this.byAddress[mid]!]!.address!.value < first) lo = mid + 1;
        else hi = mid;
      }
      for (let k = lo; k < this.byAddress.length; k++) {
        const c = this.byAddress[k]!;
        const address = this.reps[c]!.address!;
        if (address.value > last) break;
        if (address.family === cidr.family) setBit(out, c);
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
    // One cache entry per service object and side, and per protocol and port for a destination
    // (an OtherEnd serves every probe of a walker).
    const key = side === "source" ? service.endpoints.addresses : service.endpoints.addressPorts;
    let perPort = this.byService.get(key);
    if (!perPort) this.byService.set(key, (perPort = new Map()));
    const portKey = side === "source" ? "" : `${protocol} ${port ?? ""}`;
    let b = perPort.get(portKey);
    if (!b) {
      b =
        side === "source"
          ? this.where((p) => p.address !== undefined && service.endpoints.addresses.has(p.address.text))
          : this.where((p) => p.address !== undefined && port !== undefined && service.endpoints.addressPorts.has(addressPortKey(p.address.text, protocol, port)));
      perPort.set(portKey, b);
    }
    return b;
  }
}

/** Classes whose port on this side is in `ports` (see `portListMatches`). */
function portsOver(ports: readonly Port[], protocol: number, port: number | undefined, other: OtherEnd, make: Make): Bits {
  if (port === undefined) return other.none;
  let out = other.none;
  for (const p of ports) {
    if (p.kind === "range") {
      if (p.first <= port && port <= p.last) return other.all;
    } else {
      out = orBits(out, other.named(p.name, protocol, port), make());
    }
  }
  return out;
}

/** The classes an entity rule matches at the other end (see `entityMatches`). */
function entityOver(e: PreparedEntity, side: "source" | "destination", protocol: number, port: number | undefined, other: OtherEnd, make: Make): Bits {
  let out = other.all;
  if (e.service) out = andBits(out, other.service(e.service, side, protocol, port), make());
  if (e.nets.length > 0) out = andBits(out, e.nets.reduce((acc, c) => orBits(acc, other.cidr(c), make()), other.none), make());
  for (const c of e.notNets) out = andNotBits(out, other.cidr(c), make());
  if (e.selector) out = andBits(out, other.peer(e.selector.members), make());
  for (const s of e.notSelectors) out = andNotBits(out, other.peer(s.members), make());
  if (e.ports.length > 0) out = andBits(out, portsOver(e.ports, protocol, port, other, make), make());
  if (e.notPorts.length > 0) out = andNotBits(out, portsOver(e.notPorts, protocol, port, other, make), make());
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

/** Where a rule's sets (and the intermediate ones they are made from) come from; each is written whole. */
type Make = () => Uint32Array;

/**
 * Per direction, what each rule matches at the other end, for one probe (cached per rule). With
 * `pool` (over the other end's classes), the sets come from it and live until its owner resets
 * it, which makes these RuleSets unusable.
 */
export class RuleSets {
  private readonly cache = new Map<PreparedRule, Bits>();
  private readonly ported = new Map<PreparedRule, Bits>();
  private readonly make: Make;
  constructor(
    private readonly direction: Direction,
    private readonly probe: Probe,
    readonly other: OtherEnd,
    pool?: BitsPool,
  ) {
    const words = other.all.length;
    this.make = pool ? () => pool.take() : () => new Uint32Array(words);
  }

  of(rule: PreparedRule): Bits {
    let b = this.cache.get(rule);
    if (!b) this.cache.set(rule, (b = this.compute(rule)));
    return b;
  }

  /**
   * An egress Kubernetes or cluster rule's peers that also have its ports at the probe (named
   * ports resolve on the destination): like `of`, the same for every walk of the probe, so made
   * once per rule rather than once per walk (on shape L, a new set per walk and rule).
   */
  withPorts(rule: PreparedK8sRule | PreparedClusterRule): Bits {
    let b = this.ported.get(rule);
    if (!b) {
      b = rule.kind === "k8s" ? andBits(this.of(rule), k8sEgressPortsOver(rule, this.probe, this.other, this.make), this.make()) : andBits(this.of(rule), clusterEgressPortsOver(rule, this.probe, this.other, this.make), this.make());
      this.ported.set(rule, b);
    }
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
        return entityOver(rule[side], side, protocol, port, other, this.make);
      case "k8s":
        return k8sPeersOver(rule, other, this.make);
      case "cluster":
        return clusterPeersOver(rule, other, this.make);
    }
  }
}

/** The classes some peer of a cluster-scoped rule matches (see `clusterRuleMatches`). */
function clusterPeersOver(rule: PreparedClusterRule, other: OtherEnd, make: Make): Bits {
  if (rule.matchesAll) return other.all;
  let out = other.none;
  for (const peer of rule.peers) {
    if ("nets" in peer) for (const c of peer.nets) out = orBits(out, other.cidr(c), make());
    else out = orBits(out, other.peer(peer.members), make());
  }
  return out;
}

/**
 * Cluster-scoped egress ports: a protocol entry (with or without a range) reads only the probe;
 * a named port resolves on the destination, so per class.
 */
function clusterEgressPortsOver(rule: PreparedClusterRule, probe: Probe, other: OtherEnd, make: Make): Bits {
  if (rule.matchesAll || rule.ports.length === 0) return other.all;
  const port = probe.dstPort;
  let out = other.none;
  for (const p of rule.ports) {
    if (p.kind === "named") {
      if (port !== undefined) out = orBits(out, other.named(p.name, probe.protocol, port), make());
      continue;
    }
    if (protocolNumber(p.protocol) !== probe.protocol) continue;
    if (!p.ports) return other.all;
    if (port !== undefined && p.ports.first <= port && port <= p.ports.last) return other.all;
  }
  return out;
}

function k8sPeersOver(rule: PreparedK8sRule, other: OtherEnd, make: Make): Bits {
  if (rule.peers.length === 0) return other.all;
  let out = other.none;
  for (const peer of rule.peers) {
    if (peer.ipBlock) {
      const { cidr, except } = peer.ipBlock;
      out = orBits(out, except.reduce((acc, c) => andNotBits(acc, other.cidr(c), make()), other.cidr(cidr)), make());
    } else if (peer.members) {
      out = orBits(out, other.member(peer.members), make());
    }
  }
  return out;
}

/** Kubernetes egress ports name the destination's ports: per class when a name is involved. */
function k8sEgressPortsOver(rule: PreparedK8sRule, probe: Probe, other: OtherEnd, make: Make): Bits {
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
      out = orBits(out, other.named(p.port, probe.protocol, port), make());
    }
  }
  return out;
}

/** `set`'s words written into `out` (of its length); `out`. */
function copyInto(out: Uint32Array, set: Bits): Bits {
  out.set(set);
  return out;
}

/** The packet as far as a walk reads it: its fixed end at both ends (the other end is never read by the checks). */
function fixedPacket(fixed: Peer, probe: Probe, family: Family): Packet {
  return {
    family,
    protocol: probe.protocol,
    src: fixed,
    dst: fixed,
    ...(probe.icmpType !== undefined ? { icmpType: probe.icmpType } : {}),
    ...(probe.icmpCode !== undefined ? { icmpCode: probe.icmpCode } : {}),
  };
}

/**
 * Whether `rule` may match some peer, from what it asks of the packet and of the fixed end alone;
 * when it does, it matches the peers of its `RuleSets` set (`of`, or `withPorts` for egress
 * Kubernetes and cluster rules, whose ports are the other end's).
 */
function fixedEndMatches(rule: PreparedRule, direction: Direction, pkt: Packet, fixed: Peer): boolean {
  switch (rule.kind) {
    case "calico": {
      const fixedSide = direction === "ingress" ? "destination" : "source";
      return calicoPacketMatches(rule, pkt) && entityMatches(rule[fixedSide], fixedSide, fixed, pkt.protocol);
    }
    case "cluster":
      // Ingress: the ports are the fixed destination's (`pkt.dst`).
      if (direction === "egress" || rule.matchesAll || rule.ports.length === 0) return true;
      // Loops, not `some` with a closure: called for every rule of every walk (on L, millions).
      for (const p of rule.ports) if (clusterPortMatches(p, pkt)) return true;
      return false;
    case "k8s":
      if (direction === "egress" || rule.ports.length === 0) return true;
      for (const p of rule.ports) if (k8sPortMatches(p, pkt)) return true;
      return false;
  }
}

/**
 * Which of `rules` may match at the fixed end (`fixedEndMatches`), one bit each in their order,
 * written into `out` (its length set to the words needed). A walk (`allowedOver`) reads the probe
 * only through these bits and its `RuleSets`: two walks of one fixed end, with the same policies
 * and the same sets (an ingress sweep's, which read only the protocol and the source port), are
 * equal when their keys over every rule whose bit may differ between them are (over the ports of
 * one protocol, the rules that `readsDestinationPort`).
 */
export function fixedEndKey(rules: readonly PreparedRule[], direction: Direction, fixed: Peer, probe: Probe, family: Family, out: number[]): void {
  const pkt = fixedPacket(fixed, probe, family);
  out.length = 0;
  let word = 0;
  for (let i = 0; i < rules.length; i++) {
    if (fixedEndMatches(rules[i]!, direction, pkt, fixed)) word |= 1 << (i & 31);
    if ((i & 31) === 31) {
      out.push(word);
      word = 0;
    }
  }
  out.push(word);
}

/**
 * The classes at the other end for which `endpoint`'s policy in `direction` allows the probe
 * (`evaluateDirection` over a set of peers). The result is a new set, or with `output` one taken
 * from that pool (it lives until the pool's owner resets it); `other.none` when nothing is allowed
 * before any policy (IPIP, VXLAN). `sets` are of `probe` (egress rules' ports are read from them).
 */
export function allowedOver(
  prepared: Prepared,
  fixed: Peer,
  direction: Direction,
  probe: Probe,
  family: Family,
  sets: RuleSets,
  applicableByTier: readonly (readonly PreparedPolicy[])[],
  scratch: Scratch,
  prefixes?: TierPrefixes,
  output: BitsPool | undefined = undefined,
): Bits {
  const other = sets.other;
  const endpoint = fixed.member!;
  const pkt = fixedPacket(fixed, probe, family);
  /** What the rule matches among the peers, given the fixed end. */
  const matches = (rule: PreparedRule): Bits => {
    if (!fixedEndMatches(rule, direction, pkt, fixed)) return other.none;
    return rule.kind === "calico" || direction === "ingress" ? sets.of(rule) : sets.withPorts(rule);
  };

  // Felix drops IPIP and VXLAN packets from workloads before any policy (see `evaluateDirection`).
  if (direction === "egress" && (probe.protocol === PROTO_IPIP || (probe.protocol === PROTO_UDP && probe.dstPort === prepared.settings.vxlanPort))) return other.none;

  // The working sets are the walker's, reused from walk to walk (only `allowed` is handed out).
  const { remaining, inTier, hit, extra, active } = scratch;
  remaining.set(other.all);
  const allowed = output ? output.takeEmpty() : new Uint32Array(other.none.length);
  let passMark = scratch.passA;
  passMark.fill(0);
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
  // With `prefixes`, start after the deepest tier whose walk state another walk left (after the
  // last tier too: walks that differ only in their profiles share every tier).
  let start = 0;
  let lastTier = -1;
  const keys = prefixes?.keys ?? [];
  if (prefixes) {
    for (let t = 0; t < prepared.tiers.length; t++) if ((applicableByTier[t]?.length ?? 0) > 0) lastTier = t;
    for (let t = lastTier; t >= 0; t--) {
      const state = prefixes.states.get(keys[t]!);
      if (!state) continue;
      remaining.set(state.remaining);
      allowed.set(state.allowed);
      // The pass mark of an earlier tier needs no restoring: a later tier (lastTier) replaces it.
      if (t === lastTier) passMark.set(state.passed);
      start = t + 1;
      break;
    }
  }
  // Index loops, not for-of over entries: verify's sweeps walk hundreds of thousands of times on L.
  for (let t = start; t < prepared.tiers.length; t++) {
    const tier = prepared.tiers[t]!;
    const applicable = applicableByTier[t] ?? [];
    if (applicable.length === 0) continue;
    inTier.set(remaining);
    // The pass mark of the last tier stays readable until this tier's replaces it.
    const passed = passMark === scratch.passA ? scratch.passB : scratch.passA;
    passed.fill(0);
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
    if (prefixes && !prefixes.states.has(keys[t]!)) {
      const { pool } = prefixes;
      prefixes.states.set(keys[t]!, { remaining: copyInto(pool.take(), remaining), allowed: copyInto(pool.take(), allowed), passed: copyInto(pool.take(), passed) });
    }
  }

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

/**
 * Walk states after each tier, shared by the walks of one probe whose fixed ends no rule tells
 * apart (`keys` say which): up to a tier, a walk depends only on the fixed end, the probe
 * and the policies of the tiers so far, so a walk whose policies up to tier t are another's
 * starts from that walk's state after t (after its last tier too, with that tier's pass mark, for
 * walks that differ only in their profiles). Clusters whose first tiers hold global policies (the
 * same for many endpoints) skip most of each walk. Used by verify's factored sweep (verifySweep.ts),
 * which makes the keys.
 */
export interface TierPrefixes {
  /**
   * Per tier, what the walk is up to that tier: equal keys only for walks with the same fixed
   * end (as far as rules can tell) and the same policies in every tier so far.
   */
  readonly keys: readonly string[];
  /** Per key, the walk's sets after that tier: what remains, what is allowed, and the tier's pass mark. */
  readonly states: Map<string, { readonly remaining: Bits; readonly allowed: Bits; readonly passed: Bits }>;
  /** Where the states' sets come from (they live as long as `states`: the caller resets both together). */
  readonly pool: BitsPool;
}

/** A walk's working sets over the classes, kept by a walker between walks. */
export interface Scratch {
  readonly remaining: Uint32Array;
  readonly inTier: Uint32Array;
  readonly hit: Uint32Array;
  readonly extra: Uint32Array;
  readonly active: Uint32Array;
  readonly passA: Uint32Array;
  readonly passB: Uint32Array;
}

export function scratchOf(size: number): Scratch {
  const words = (size + 31) >>> 5;
  const make = (): Uint32Array => new Uint32Array(words);
  return { remaining: make(), inTier: make(), hit: make(), extra: make(), active: make(), passA: make(), passB: make() };
}

/**
 * An endpoint as a flow end (its first address of the family), with the network sets containing
 * it; a workload without one (see `resolvePeer`).
 */
export function endpointPeer(netSets: readonly PreparedMember[], member: PreparedMember, family: Family): Peer {
  if (member.kind === "Workload") return { member, networkSets: [] };
  const net = member.nets.find((c) => c.family === family)!;
  const address: Address = cidrAddress(net);
  const networkSets: number[] = [];
  for (const m of netSets) if (m.nets.some((c) => cidrContains(c, address))) networkSets.push(m.index);
  return { address, member, networkSets };
}

/**
 * Per class, per tier (in `prepared.tiers` order), the policies that apply to the class in
 * `direction`, in order: found from each policy's members (the cost is their number). Classes
 * with the same policies in a tier share one array (read only): the lists grow as a trie, one
 * step per selected class and policy, and only the distinct lists are built (on shape L, tens of
 * millions of pushes become that many steps over typed arrays).
 */
export function applicablePolicies(prepared: Prepared, classes: EquivalenceClasses, direction: Direction): (readonly PreparedPolicy[])[][] {
  const type = direction === "ingress" ? "Ingress" : "Egress";
  const n = classes.endpoints.length;
  // Once per class: at its representative (the class's members all agree). Word by word, the
  // selected members that are representatives (the cost is the members' words, not the selected).
  const reps = new Uint32Array((prepared.members.length + 31) >>> 5);
  for (const c of classes.endpoints) reps[c.representative >>> 5]! |= 1 << (c.representative & 31);
  const byTier = prepared.tiers.map((tier): (readonly PreparedPolicy[])[] => {
    // Trie node 0 is the empty list; node k is node parent[k]'s list and then policy last[k].
    const listOf = new Int32Array(n);
    const parent: number[] = [-1];
    const last: (PreparedPolicy | undefined)[] = [undefined];
    /** Per node, its child for the policy at hand (-1: none yet). */
    const next: number[] = [-1];
    const touched: number[] = [];
    for (const policy of tier.policies) {
      if (!policy.types.includes(type)) continue;
      const selects = policy.selects;
      for (let w = 0; w < selects.length; w++) {
        let word = selects[w]! & (reps[w] ?? 0);
        while (word !== 0) {
          const low = word & -word;
          const c = classes.classOf[(w << 5) + (31 - Math.clz32(low))]!;
          word ^= low;
          const from = listOf[c]!;
          let to = next[from]!;
          if (to < 0) {
            to = parent.length;
            parent.push(from);
            last.push(policy);
            next.push(-1);
            next[from] = to;
            touched.push(from);
          }
          listOf[c] = to;
        }
      }
      for (const k of touched) next[k] = -1;
      touched.length = 0;
    }
    const lists = new Map<number, readonly PreparedPolicy[]>([[0, []]]);
    const listAt = (k: number): readonly PreparedPolicy[] => {
      let list = lists.get(k);
      if (!list) {
        const out: PreparedPolicy[] = [];
        for (let at = k; at > 0; at = parent[at]!) out.push(last[at]!);
        lists.set(k, (list = out.reverse()));
      }
      return list;
    };
    return Array.from(listOf, listAt);
  });
  return classes.endpoints.map((_, c) => byTier.map((lists) => lists[c]!));
}

/** The port bounds (interval starts) at which a rule's verdict may change, over every protocol. */
function ruleBounds(rule: PreparedRule, namedNumbers: ReadonlyMap<string, readonly number[]>): number[] {
  const out: number[] = [];
  const range = (first: number, last: number): void => {
    out.push(first, last + 1);
  };
  const named = (name: string): void => {
    for (const n of namedNumbers.get(name) ?? []) range(n, n);
  };
  switch (rule.kind) {
    case "calico":
      for (const e of [rule.source, rule.destination]) {
        for (const p of [...e.ports, ...e.notPorts]) {
          if (p.kind === "range") range(p.first, p.last);
          else named(p.name);
        }
        if (e.service) {
          for (const key of e.service.endpoints.addressPorts) {
            const port = Number(key.split(" ")[2]);
            range(port, port);
          }
        }
      }
      return out;
    case "k8s":
      for (const p of rule.ports) {
        if (typeof p.port === "number") range(p.port, p.endPort ?? p.port);
        else if (p.port !== undefined) named(p.port);
      }
      return out;
    case "cluster":
      for (const p of rule.ports) {
        if (p.kind === "named") named(p.name);
        else if (p.ports) range(p.ports.first, p.ports.last);
      }
      return out;
  }
}

/**
 * Whether a rule reads nothing of the probe: no protocol, ICMP, port, named port or service
 * condition on either end. A walk over such rules only gives the same result for every probe
 * (except the VXLAN and IPIP drop, which comes before any rule).
 */
function probeFree(rule: PreparedRule): boolean {
  switch (rule.kind) {
    case "calico": {
      if (rule.protocol !== undefined || rule.notProtocol !== undefined || rule.icmp || rule.notICMP) return false;
      return [rule.source, rule.destination].every((e) => e.ports.length === 0 && e.notPorts.length === 0 && !e.service);
    }
    case "k8s":
    case "cluster":
      return rule.ports.length === 0;
  }
}

/** Per class, what `ClassWalker` knows of its walks in one direction before any probe. */
interface WalkFacts {
  /** Port bound -> the classes with a rule testing it (see `changesAt`). */
  readonly bounds: Map<number, number[]>;
  /** Per class, whether its walk reads nothing of the probe (no rule does). */
  readonly probeFree: readonly boolean[];
}

/** A probe's rule sets and fixed ends, made once per probe (see `ClassWalker.probe`). */
export interface ProbeWalk {
  readonly probe: Probe;
  readonly dstProbe: Probe;
  readonly egressSets: RuleSets;
  readonly ingressSets: RuleSets;
}

/**
 * The walks of one model's classes, for any number of probes: what does not depend on the probe
 * (the classes' representatives and network sets, the policies that apply to each class, the
 * memberships and CIDRs over the classes) is computed once, and each class's walk can be redone
 * alone. `changesAt` says at which destination ports a class's walk can change, so that a caller
 * stepping through port intervals (`policyDiff`) redoes only the walks whose rules test a bound
 * between two probes; a walk whose rules read nothing of the probe is done once for all probes.
 */
export class ClassWalker {
  readonly size: number;
  private readonly reps: readonly PreparedMember[];
  private readonly base: readonly Peer[];
  private readonly local: readonly boolean[];
  private readonly other: OtherEnd;
  private readonly policies: Readonly<Record<Direction, (readonly PreparedPolicy[])[][]>>;
  private readonly facts = new Map<Direction, WalkFacts>();
  private readonly scratch: Scratch;
  /** Walks that read nothing of the probe, per direction and class (see `probeFree`). */
  private readonly fixedWalks: Record<Direction, Map<number, Bits>> = { egress: new Map(), ingress: new Map() };

  constructor(
    readonly prepared: Prepared,
    readonly classes: EquivalenceClasses,
    readonly isLocal: (m: PreparedMember) => boolean,
  ) {
    const family = classes.family;
    this.reps = classes.endpoints.map((c) => prepared.members[c.representative]!);
    this.size = this.reps.length;
    const netSets = prepared.members.filter((m) => m.kind === "NetworkSet" || m.kind === "GlobalNetworkSet");
    this.base = this.reps.map((m) => endpointPeer(netSets, m, family));
    this.local = this.reps.map(isLocal);
    this.other = new OtherEnd(this.base, classes.classOf);
    this.scratch = scratchOf(this.size);
    this.policies = { egress: applicablePolicies(prepared, classes, "egress"), ingress: applicablePolicies(prepared, classes, "ingress") };
  }

  get all(): Bits {
    return this.other.all;
  }

  /** Class `c`'s representative as a flow end with `port`. */
  endpointAt(c: number, port: number | undefined): Peer {
    return withPort(this.base[c]!, port);
  }

  probe(probe: Probe): ProbeWalk {
    const dstProbe: Probe = probe.icmpType === undefined ? probe : { ...probe, dstPort: undefined };
    return { probe, dstProbe, egressSets: new RuleSets("egress", dstProbe, this.other), ingressSets: new RuleSets("ingress", probe, this.other) };
  }

  /** The classes an endpoint of class `c` may send the probe to (its egress); undefined when not local. */
  egress(c: number, walk: ProbeWalk): Bits | undefined {
    if (!this.local[c]) return undefined;
    const { protocol, dstPort } = walk.dstProbe;
    // The VXLAN and IPIP drop comes before any rule, so its result is not cached.
    const dropped = protocol === PROTO_IPIP || (protocol === PROTO_UDP && dstPort === this.prepared.settings.vxlanPort);
    return this.cached("egress", c, !dropped, () => {
      const fixed = withPort(this.base[c]!, walk.probe.srcPort);
      return allowedOver(this.prepared, fixed, "egress", walk.dstProbe, this.classes.family, walk.egressSets, this.policies.egress[c]!, this.scratch);
    });
  }

  /** The classes an endpoint of class `c` admits the probe from (its ingress); undefined when not local. */
  ingress(c: number, walk: ProbeWalk): Bits | undefined {
    if (!this.local[c]) return undefined;
    return this.cached("ingress", c, true, () => {
      const fixed = withPort(this.base[c]!, walk.probe.icmpType === undefined ? walk.probe.dstPort : undefined);
      return allowedOver(this.prepared, fixed, "ingress", walk.dstProbe, this.classes.family, walk.ingressSets, this.policies.ingress[c]!, this.scratch);
    });
  }

  /** A walk, from the cache when the class's walk reads nothing of the probe. */
  private cached(direction: Direction, c: number, cacheable: boolean, walk: () => Bits): Bits {
    if (!cacheable || !this.classFacts(direction, c).free) return walk();
    const cache = this.fixedWalks[direction];
    let bits = cache.get(c);
    if (!bits) cache.set(c, (bits = walk()));
    return bits;
  }

  private factsOf(direction: Direction): WalkFacts {
    let facts = this.facts.get(direction);
    if (!facts) this.facts.set(direction, (facts = this.buildFacts(direction)));
    return facts;
  }

  /**
   * The classes whose walk in `direction` may differ between destination port `port - 1` and
   * `port` of `protocol` (the source port fixed): those with a rule (in a policy that applies to
   * them or a profile of theirs) testing a port range that starts at `port` or ends just before
   * it, or a named port or service port numbered so (whatever the rule's protocol), and for
   * egress of UDP around the VXLAN port, every class (a workload's VXLAN packets are dropped
   * before any policy). Every other class's walk is the same at both ports.
   */
  changesAt(direction: Direction, protocol: number, port: number): readonly number[] {
    const vxlan = this.prepared.settings.vxlanPort;
    if (direction === "egress" && protocol === PROTO_UDP && (port === vxlan || port === vxlan + 1)) return this.everyClass;
    return this.factsOf(direction).bounds.get(port) ?? [];
  }

  /**
   * Whether class `c`'s walk in `direction` may differ between destination port `port - 1` and
   * `port` of `protocol`: `changesAt` for one class, without learning every class's bounds (a
   * caller that keeps the walks of a few classes asks only about those).
   */
  changesAtClass(direction: Direction, protocol: number, port: number, c: number): boolean {
    const vxlan = this.prepared.settings.vxlanPort;
    if (direction === "egress" && protocol === PROTO_UDP && (port === vxlan || port === vxlan + 1)) return true;
    return this.classFacts(direction, c).bounds.has(port);
  }

  private get everyClass(): readonly number[] {
    return Array.from({ length: this.size }, (_, c) => c);
  }

  /** Per direction and class: the port bounds its policies' and profiles' rules test, and whether they read nothing of the probe. */
  private readonly perClass: Record<Direction, ({ readonly bounds: ReadonlySet<number>; readonly free: boolean } | undefined)[]> = { egress: [], ingress: [] };
  /** Per direction, per policy or profile, its rules' bounds (distinct) and whether they are all probe-free. */
  private readonly perOwner: Record<Direction, Map<object, { readonly bounds: readonly number[]; readonly free: boolean }>> = { egress: new Map(), ingress: new Map() };
  private named: ReadonlyMap<string, readonly number[]> | undefined;

  /** Each port name's distinct numbers over the members (thousands of endpoints share a few). */
  private get namedNumbers(): ReadonlyMap<string, readonly number[]> {
    if (this.named) return this.named;
    const numbersByName = new Map<string, Set<number>>();
    for (const m of this.prepared.members) {
      for (const np of m.ports) {
        let set = numbersByName.get(np.name);
        if (!set) numbersByName.set(np.name, (set = new Set()));
        set.add(np.port);
      }
    }
    return (this.named = new Map([...numbersByName].map(([name, set]) => [name, [...set]])));
  }

  private ownerFacts(direction: Direction, owner: { readonly ingress: readonly PreparedRule[]; readonly egress: readonly PreparedRule[] }): { readonly bounds: readonly number[]; readonly free: boolean } {
    let f = this.perOwner[direction].get(owner);
    if (!f) {
      const rules = owner[direction];
      f = { bounds: [...new Set(rules.flatMap((r) => ruleBounds(r, this.namedNumbers)))], free: rules.every(probeFree) };
      this.perOwner[direction].set(owner, f);
    }
    return f;
  }

  /** Class `c`'s facts in `direction`, from its policies' and profiles' (computed once per policy). */
  private classFacts(direction: Direction, c: number): { readonly bounds: ReadonlySet<number>; readonly free: boolean } {
    let facts = this.perClass[direction][c];
    if (facts) return facts;
    const bounds = new Set<number>();
    let free = true;
    const add = (f: { readonly bounds: readonly number[]; readonly free: boolean }): void => {
      for (const b of f.bounds) bounds.add(b);
      free &&= f.free;
    };
    for (const tier of this.policies[direction][c]!) for (const policy of tier) add(this.ownerFacts(direction, policy));
    for (const name of this.reps[c]!.profiles) {
      const profile = profileNamed(this.prepared, name);
      if (profile) add(this.ownerFacts(direction, profile));
    }
    return (this.perClass[direction][c] = facts = { bounds, free });
  }

  /** The bounds and the probe-free walks of every class. */
  private buildFacts(direction: Direction): WalkFacts {
    const bounds = new Map<number, number[]>();
    const free: boolean[] = [];
    for (let c = 0; c < this.size; c++) {
      const f = this.classFacts(direction, c);
      for (const b of f.bounds) {
        let list = bounds.get(b);
        if (!list) bounds.set(b, (list = []));
        list.push(c);
      }
      free.push(f.free);
    }
    return { bounds, probeFree: free };
  }
}

function withPort(p: Peer, port: number | undefined): Peer {
  return port === undefined ? p : { ...p, port };
}

/** Whether the node has host endpoints (then workload flows that cross it meet their chains). */
export function hasHostEndpoints(prepared: Prepared): boolean {
  return prepared.host.all !== undefined || Object.keys(prepared.host.named).length > 0;
}

/**
 * Reachability between the classes of `classes` for one probe. `isLocal` must be the locality
 * the classes were computed with.
 */
export function classReachability(prepared: Prepared, classes: EquivalenceClasses, probe: Probe, isLocal: (m: PreparedMember) => boolean): ClassReachability {
  return reachabilityOf(new ClassWalker(prepared, classes, isLocal), probe);
}

/** Reachability between a walker's classes for one probe (every class walked once per direction). */
export function reachabilityOf(walker: ClassWalker, probe: Probe): ClassReachability {
  const walk = walker.probe(probe);
  const prepared = walker.prepared;
  const n = walker.size;
  const egress: (Bits | undefined)[] = [];
  const ingress: (Bits | undefined)[] = [];
  for (let c = 0; c < n; c++) egress.push(walker.egress(c, walk));
  for (let c = 0; c < n; c++) ingress.push(walker.ingress(c, walk));
  const policyAllows = (from: number, to: number): boolean => {
    const e = egress[from];
    const i = ingress[to];
    return (e === undefined || hasBit(e, to)) && (i === undefined || hasBit(i, from));
  };
  // A node with host endpoints polices forwarded workload traffic too (forward, preDNAT and
  // doNotTrack policy, IPv6 neighbour discovery on the uplink: hostFlow.ts): each pair the
  // policies allow is then evaluated whole, once, at the classes' representatives (the classes
  // are split by the host policies' rules as well). Without host endpoints nothing changes.
  const hostSide = hasHostEndpoints(prepared);
  const pairs = new Map<number, boolean>();
  const allowed = (from: number, to: number): boolean => {
    if (!policyAllows(from, to)) return false;
    if (!hostSide) return true;
    const key = from * n + to;
    let v = pairs.get(key);
    if (v === undefined) {
      const pkt: Packet = {
        family: walker.classes.family,
        protocol: probe.protocol,
        src: walker.endpointAt(from, probe.srcPort),
        dst: walker.endpointAt(to, probe.icmpType === undefined ? probe.dstPort : undefined),
        ...(probe.icmpType !== undefined ? { icmpType: probe.icmpType } : {}),
        ...(probe.icmpCode !== undefined ? { icmpCode: probe.icmpCode } : {}),
      };
      v = evaluatePacket(prepared, pkt, walker.isLocal).allowed;
      pairs.set(key, v);
    }
    return v;
  };
  // Ingress by source: row `from` of the transpose holds the classes whose ingress admits `from`.
  let admits: Uint32Array[] | undefined;
  return {
    classes: walker.classes,
    allowed,
    allowedFrom(from) {
      const all = walker.all;
      admits ??= transposeBits(
        ingress.map((i) => i ?? all),
        walker.size,
      );
      const out = andBits(egress[from] ?? all, admits[from]!);
      if (!hostSide) return out;
      return bitsWhere(n, (to) => hasBit(out, to) && allowed(from, to));
    },
  };
}

/** One step of `sweepPorts`: the reachability at an interval, and the rows that may have changed. */
export interface PortStep {
  readonly first: number;
  readonly reach: ClassReachability;
  /** Source classes whose `allowedFrom` row may differ from the previous step's (all at the first). */
  readonly dirty: ReadonlySet<number> | "all";
}

/**
 * Every destination port where a verdict of these rules (a direction's at a class) can change: the
 * bounds of their port ranges, the numbers (and the next ports) of the named ports they name, on
 * any endpoint, and the ports of the services they match, and the VXLAN port.
 */
/**
 * Whether what a rule matches may change with the destination port (of one protocol): it has
 * destination ports (numbers or names) or a destination service (its address ports), which
 * `portCuts` cuts at.
 */
export function readsDestinationPort(rule: PreparedRule): boolean {
  switch (rule.kind) {
    case "calico": {
      const d = rule.destination;
      return d.ports.length > 0 || d.notPorts.length > 0 || d.service !== undefined;
    }
    case "k8s":
      return rule.ports.some((p) => p.port !== undefined);
    case "cluster":
      return rule.ports.some((p) => p.kind === "named" || p.ports !== undefined);
  }
}

export function portCuts(prepared: Prepared, rules: readonly PreparedRule[], named: ReadonlyMap<string, readonly number[]>, cuts: Set<number>): void {
  ruleCuts(rules, named, cuts);
  cuts.add(prepared.settings.vxlanPort);
  cuts.add(prepared.settings.vxlanPort + 1);
}

/** The ports where what `rules` match may change (`portCuts` without the VXLAN port's). */
export function ruleCuts(rules: readonly PreparedRule[], named: ReadonlyMap<string, readonly number[]>, cuts: Set<number>): void {
  const range = (first: number, last: number): void => {
    cuts.add(first);
    cuts.add(last + 1);
  };
  const name = (n: string): void => {
    for (const port of named.get(n) ?? []) range(port, port);
  };
  for (const rule of rules) {
    switch (rule.kind) {
      case "calico": {
        const d = rule.destination;
        // addressPortKey: "address protocol port".
        for (const key of d.service?.endpoints.addressPorts ?? []) range(Number(key.split(" ")[2]), Number(key.split(" ")[2]));
        for (const p of [...d.ports, ...d.notPorts]) {
          if (p.kind === "range") range(p.first, p.last);
          else name(p.name);
        }
        break;
      }
      case "k8s":
        for (const p of rule.ports) {
          if (typeof p.port === "string") name(p.port);
          else if (p.port !== undefined) range(p.port, p.endPort ?? p.port);
        }
        break;
      case "cluster":
        for (const p of rule.ports) {
          if (p.kind === "named") name(p.name);
          else if (p.ports) range(p.ports.first, p.ports.last);
        }
        break;
    }
  }
}

/** Every endpoint's port numbers per port name, each number once (any protocol: more cuts than needed is only slower). */
export function namedPortNumbers(prepared: Prepared): Map<string, number[]> {
  const sets = new Map<string, Set<number>>();
  for (const m of prepared.members) {
    for (const p of m.ports) {
      let set = sets.get(p.name);
      if (!set) sets.set(p.name, (set = new Set()));
      set.add(p.port);
    }
  }
  return new Map([...sets].map(([name, set]) => [name, [...set]]));
}

/**
 * `classReachability` at the first port of each interval of one protocol, in ascending order
 * (source port fixed), computing a class's direction again only at the ports where a verdict of
 * its rules can change (`portCuts`): between those its verdicts are the same. Each step also says which source
 * rows may have changed, so callers can skip the others. The same verdicts as
 * `classReachability` at each port (the verify property test checks them against brute force).
 */
export function* sweepPorts(
  prepared: Prepared,
  classes: EquivalenceClasses,
  protocol: number,
  starts: readonly number[],
  srcPort: number,
  isLocal: (m: PreparedMember) => boolean,
): Generator<PortStep> {
  if (hasHostEndpoints(prepared)) {
    // Host endpoints judge workload flows pair by pair (see `classReachability`): every step whole.
    for (const first of starts) yield { first, reach: classReachability(prepared, classes, { protocol, srcPort, dstPort: first }, isLocal), dirty: "all" };
    return;
  }
  const family = classes.family;
  const n = classes.endpoints.length;
  const reps = classes.endpoints.map((c) => prepared.members[c.representative]!);
  const netSets = prepared.members.filter((m) => m.kind === "NetworkSet" || m.kind === "GlobalNetworkSet");
  const base = reps.map((m) => endpointPeer(netSets, m, family));
  const shared = probeFreeCaches();
  const asSource = base.map((p) => ({ ...p, port: srcPort }));
  const policies = { egress: applicablePolicies(prepared, classes, "egress"), ingress: applicablePolicies(prepared, classes, "ingress") };
  const named = namedPortNumbers(prepared);
  // Per direction: the classes to compute again at each port.
  const plan = (direction: Direction): Map<number, number[]> => {
    const at = new Map<number, number[]>();
    reps.forEach((m, c) => {
      if (!isLocal(m)) return;
      const rules = [...policies[direction][c]!.flat().flatMap((p) => p[direction]), ...m.profiles.flatMap((name) => profileNamed(prepared, name)?.[direction] ?? [])];
      const cuts = new Set<number>();
      portCuts(prepared, rules, named, cuts);
      for (const port of cuts) {
        let list = at.get(port);
        if (!list) at.set(port, (list = []));
        list.push(c);
      }
    });
    return at;
  };
  const plans = { egress: plan("egress"), ingress: plan("ingress") };
  const ingressOther = new OtherEnd(asSource, classes.classOf, shared);
  const scratch = scratchOf(n);
  // The destination's port is not read from the peers (every test takes the probe's port), so one
  // OtherEnd serves every probe once its port-dependent cache is cleared.
  const egressOther = new OtherEnd(base, classes.classOf, shared);
  const egress: (Bits | undefined)[] = new Array(n).fill(undefined);
  const ingress: (Bits | undefined)[] = new Array(n).fill(undefined);
  const all = fullBits(n);
  let admits: Uint32Array[] = [];
  for (let step = 0; step < starts.length; step++) {
    const probe: Probe = { protocol, srcPort, dstPort: starts[step]! };
    const asDestination = (c: number): Peer => ({ ...base[c]!, port: probe.dstPort! });
    egressOther.nextProbe();
    const egressSets = new RuleSets("egress", probe, egressOther);
    const ingressSets = new RuleSets("ingress", probe, ingressOther);
    const todo = (direction: Direction): Iterable<number> => {
      return step === 0 ? reps.keys() : (plans[direction].get(probe.dstPort!) ?? []);
    };
    const dirty = new Set<number>();
    for (const c of todo("egress")) {
      if (!isLocal(reps[c]!)) continue;
      egress[c] = allowedOver(prepared, asSource[c]!, "egress", probe, family, egressSets, policies.egress[c]!, scratch);
      dirty.add(c);
    }
    if (step === 0) {
      for (const c of todo("ingress")) if (isLocal(reps[c]!)) ingress[c] = allowedOver(prepared, asDestination(c), "ingress", probe, family, ingressSets, policies.ingress[c]!, scratch);
      admits = transposeBits(
        ingress.map((i) => i ?? all),
        n,
      );
    } else {
      for (const t of todo("ingress")) {
        if (!isLocal(reps[t]!)) continue;
        const before = ingress[t]!;
        const after = allowedOver(prepared, asDestination(t), "ingress", probe, family, ingressSets, policies.ingress[t]!, scratch);
        ingress[t] = after;
        // Sources whose admission at t changed: flip bit t of their row.
        for (const f of bitIndexes(xorBits(before, after))) {
          admits[f]![t >>> 5]! ^= 1 << (t & 31);
          dirty.add(f);
        }
      }
    }
    const reach: ClassReachability = {
      classes,
      allowed: (from, to) => (egress[from] === undefined || hasBit(egress[from], to)) && (ingress[to] === undefined || hasBit(ingress[to], from)),
      allowedFrom: (from) => andBits(egress[from] ?? all, admits[from]!),
    };
    yield { first: probe.dstPort!, reach, dirty: step === 0 ? "all" : dirty };
  }
}

function xorBits(a: Bits, b: Bits): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i]!;
  return out;
}
