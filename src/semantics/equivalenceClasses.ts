/**
 * `equivalenceClasses`: the partitions of a prepared model that no rule can tell apart, computed
 * once, so that `matrix`, `diff` and `verify` evaluate one representative per class instead of
 * every endpoint, port and address.
 *
 * - **Endpoints.** Two workload endpoints (with an address of the family, or workloads from
 *   their manifests, which have none: `isEndpointOf`) are in one class when
 *   every membership the evaluator reads holds for both or neither (the endpoints a policy
 *   applies to, every rule selector, notSelector, Kubernetes peer and cluster-policy peer), their
 *   addresses lie in the same interval of every CIDR (cluster peers' networks included) and
 *   service address the rules and network sets name, and they
 *   have the same named ports, profiles and locality. Then any flow from or to one of them gets
 *   the same verdict, by the same steps, as the flow with the other one in its place
 *   (`evaluateDirection` reads nothing else of an endpoint).
 * - **Ports.** Per protocol, the port numbers split into intervals at every bound of a rule's
 *   port range (Calico, Kubernetes and cluster-policy rules), every named port's number, every
 *   service port and the VXLAN port (UDP): no port match tells two ports of one interval apart.
 * - **Outside addresses.** Per family, the addresses split into intervals at the bounds of every
 *   CIDR (rules, Kubernetes ipBlocks, endpoints, host endpoints, network sets) and at every service
 *   address: within an interval the owner of the address, the network sets containing it and every
 *   net match are the same.
 *
 * A property test checks all three against evaluating every endpoint, port and address (the
 * fuzzer's random clusters).
 */
import { PROTO_UDP, protocolNumber as calicoProtocolNumber } from "../calico/index.js";
import type { Cidr, Family } from "./addresses.js";
import { parseAddress, parseCidr } from "./addresses.js";
import type { EvaluateOptions } from "./evaluateFlow.js";
import { protocolNumber } from "./prepareRules.js";
import type { Membership, Prepared, PreparedCalicoRule, PreparedClusterRule, PreparedK8sRule, PreparedMember, PreparedRule } from "./types.js";
import { isEndpointOf } from "./isEndpointOf.js";
import { PartitionRefiner } from "./partitionRefiner.js";

/** A class of workload endpoints; `members` are member indexes, ascending. */
export interface EndpointClass {
  readonly index: number;
  readonly members: readonly number[];
  /** The first member: the one evaluated for the class. */
  readonly representative: number;
}

/** Ports `first..last` (inclusive) of one protocol. */
export interface PortInterval {
  readonly first: number;
  readonly last: number;
}

/** Addresses `first..last` (inclusive) of one family, as numbers. */
export interface AddressInterval {
  readonly first: bigint;
  readonly last: bigint;
}

export interface EquivalenceClasses {
  readonly family: Family;
  /** In the order of their representatives (member index order, so endpoint id order). */
  readonly endpoints: readonly EndpointClass[];
  /** The class of a member (by `PreparedMember.index`), -1 when it is no endpoint of the family. */
  readonly classOf: Readonly<Int32Array>;
  /** The intervals of port numbers 0..65535 for `protocol` (a number), ascending. */
  readonly portIntervals: (protocol: number) => readonly PortInterval[];
  /** The intervals of the family's address space, ascending; use `addressInterval` to look one up. */
  readonly addressIntervals: readonly AddressInterval[];
}

const MAX_PORT = 65535;

/** Everything in the rules that splits endpoints, ports or addresses. */
interface Splitters {
  /** Memberships, each once (by identity). */
  readonly memberships: Set<Membership>;
  readonly cidrs: Cidr[];
  /** Port ranges of rules that do not name a protocol (Calico ports apply to every protocol). */
  readonly anyProtocolPorts: [number, number][];
  readonly protocolPorts: Map<number, [number, number][]>;
  readonly services: Set<{ readonly addresses: ReadonlySet<string>; readonly addressPorts: ReadonlySet<string> }>;
}

function collect(prepared: Prepared): Splitters {
  const s: Splitters = { memberships: new Set(), cidrs: [], anyProtocolPorts: [], protocolPorts: new Map(), services: new Set() };
  const portsOf = (protocol: number): [number, number][] => {
    let list = s.protocolPorts.get(protocol);
    if (!list) s.protocolPorts.set(protocol, (list = []));
    return list;
  };
  const calico = (r: PreparedCalicoRule): void => {
    for (const e of [r.source, r.destination]) {
      s.cidrs.push(...e.nets, ...e.notNets);
      if (e.selector) s.memberships.add(e.selector.members);
      for (const n of e.notSelectors) s.memberships.add(n.members);
      const target = r.protocol !== undefined ? portsOf(r.protocol) : s.anyProtocolPorts;
      for (const p of [...e.ports, ...e.notPorts]) if (p.kind === "range") target.push([p.first, p.last]);
      if (e.service) s.services.add(e.service.endpoints);
    }
  };
  const k8s = (r: PreparedK8sRule): void => {
    for (const peer of r.peers) {
      if (peer.members) s.memberships.add(peer.members);
      if (peer.ipBlock) s.cidrs.push(peer.ipBlock.cidr, ...peer.ipBlock.except);
    }
    for (const p of r.ports) {
      if (typeof p.port === "number") portsOf(protocolNumber(p.protocol)).push([p.port, p.endPort ?? p.port]);
    }
  };
  // A cluster rule tests its peers' members and networks and its ports' ranges; a named port is
  // one of the endpoints' named ports, which split classes and ports already (below).
  const cluster = (r: PreparedClusterRule): void => {
    for (const peer of r.peers) {
      if ("nets" in peer) s.cidrs.push(...peer.nets);
      else s.memberships.add(peer.members);
    }
    for (const p of r.ports) {
      if (p.kind === "protocol" && p.ports) portsOf(protocolNumber(p.protocol)).push([p.ports.first, p.ports.last]);
    }
  };
  const rule = (r: PreparedRule): void => {
    switch (r.kind) {
      case "calico":
        return calico(r);
      case "k8s":
        return k8s(r);
      case "cluster":
        return cluster(r);
    }
  };
  // Host endpoints' policies (forward, preDNAT and doNotTrack ones too) judge workload traffic
  // that crosses the node's interfaces: their rules split classes as workload policies' do.
  for (const tier of [...prepared.tiers, ...prepared.host.tiers]) {
    for (const policy of tier.policies) {
      s.memberships.add(policy.selects);
      policy.ingress.forEach(rule);
      policy.egress.forEach(rule);
    }
  }
  for (const profile of Object.values(prepared.profiles)) {
    profile.ingress.forEach(calico);
    profile.egress.forEach(calico);
  }
  // Each named port once per protocol (pods of one workload all name the same ports).
  const named = new Map<number, Set<number>>();
  for (const m of prepared.members) {
    for (const np of m.ports) {
      const n = calicoProtocolNumber(np.protocol);
      if (n === undefined) continue;
      let seen = named.get(n);
      if (!seen) named.set(n, (seen = new Set()));
      if (seen.has(np.port)) continue;
      seen.add(np.port);
      portsOf(n).push([np.port, np.port]);
    }
  }
  // A workload's UDP packets to the VXLAN port are dropped before any policy (`evaluateDirection`).
  portsOf(PROTO_UDP).push([prepared.settings.vxlanPort, prepared.settings.vxlanPort]);
  for (const service of s.services) {
    for (const key of service.addressPorts) {
      const [, proto, port] = key.split(" ");
      portsOf(Number(proto)).push([Number(port), Number(port)]);
    }
  }
  return s;
}

/** Interval starts (ascending, distinct, the first one 0) of ranges over `0..max`. */
function cutsOf<T extends number | bigint>(ranges: Iterable<readonly [T, T]>, zero: T, max: T, next: (x: T) => T): T[] {
  const cuts = new Set<T>([zero]);
  for (const [first, last] of ranges) {
    cuts.add(first);
    if (last < max) cuts.add(next(last));
  }
  return [...cuts].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function intervals<T extends number | bigint>(cuts: readonly T[], max: T, prev: (x: T) => T): { first: T; last: T }[] {
  return cuts.map((first, i) => ({ first, last: i + 1 < cuts.length ? prev(cuts[i + 1]!) : max }));
}

/** The index of the interval (given by its ascending starts) holding `x`. */
function intervalIndex<T extends number | bigint>(starts: readonly T[], x: T): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

const bitsOfFamily = (family: Family): number => (family === 4 ? 32 : 128);

function cidrRange(c: Cidr): [bigint, bigint] {
  const size = 1n << BigInt(bitsOfFamily(c.family) - c.prefix);
  return [c.network, c.network + size - 1n];
}

/** The interval of `intervals` (from `EquivalenceClasses.addressIntervals`) holding `address`. */
export function addressInterval(all: readonly AddressInterval[], address: bigint): number {
  return intervalIndex(
    all.map((i) => i.first),
    address,
  );
}

/**
 * Refines a partition (class per endpoint position) by a key per position, a number from 0 to
 * `keys - 1`: positions stay together only when they were together and have equal keys. Class
 * numbers are dense and follow the first position of each class. Keys are numbers, not text:
 * on shape L, text keys for 250,000 endpoints were about 190 MB of garbage.
 */
function refineByKey(classOf: Int32Array, keys: number, key: (position: number) => number): Int32Array {
  const ids = new Map<number, number>();
  const out = new Int32Array(classOf.length);
  for (let p = 0; p < classOf.length; p++) {
    // The pair as one number, exact while classes times keys stay below 2^53 (classes never
    // outnumber endpoints, nor keys the values keyed).
    const k = classOf[p]! * keys + key(p);
    let id = ids.get(k);
    if (id === undefined) ids.set(k, (id = ids.size));
    out[p] = id;
  }
  return out;
}

/**
 * Numbers for values by a text of each (equal texts, one number), the text made once per
 * object (`of` keyed by identity first): endpoints of a namespace share their profile list, the
 * pods of a workload their named ports.
 */
class TextIds<T extends object> {
  private readonly byObject = new Map<T, number>();
  private readonly byText = new Map<string, number>();
  constructor(private readonly text: (value: T) => string) {}
  of(value: T): number {
    let id = this.byObject.get(value);
    if (id === undefined) {
      const t = this.text(value);
      id = this.byText.get(t);
      if (id === undefined) this.byText.set(t, (id = this.byText.size));
      this.byObject.set(value, id);
    }
    return id;
  }
  get size(): number {
    return this.byText.size;
  }
}

/**
 * The equivalence classes of `prepared` for flows of `family` (see the module comment).
 * `options.local` overrides which endpoints are local, as in `evaluateFlow`.
 */
export function equivalenceClasses(prepared: Prepared, family: Family, options: EvaluateOptions = {}): EquivalenceClasses {
  const localIds = options.local ? new Set(options.local) : undefined;
  const isLocal = (m: PreparedMember): boolean => (localIds ? localIds.has(m.id) : m.local);
  const splitters = collect(prepared);
  const bits = bitsOfFamily(family);
  const maxAddress = (1n << BigInt(bits)) - 1n;
  const ofFamily = (cidrs: readonly Cidr[]): Cidr[] => cidrs.filter((c) => c.family === family);

  // Endpoints of the family, and where each sits among the cuts the rules make.
  const endpoints = prepared.members.filter((m) => isEndpointOf(m, family));
  // Undefined for a workload, which has no address: in no CIDR's interval (a class of its own key).
  const address = endpoints.map((m) => m.nets.find((c) => c.family === family)?.network);
  const serviceAddresses: bigint[] = [];
  for (const service of splitters.services) {
    for (const text of service.addresses) {
      const a = parseAddress(text);
      if (a?.family === family) serviceAddresses.push(a.value);
    }
  }
  const netSets = prepared.members.filter((m) => m.kind === "NetworkSet" || m.kind === "GlobalNetworkSet");
  const ruleRanges = [...ofFamily(splitters.cidrs), ...netSets.flatMap((m) => ofFamily(m.nets))].map(cidrRange);
  const ruleCuts = cutsOf([...ruleRanges, ...serviceAddresses.map((a): [bigint, bigint] => [a, a])], 0n, maxAddress, (x) => x + 1n);

  const position = new Int32Array(prepared.members.length).fill(-1);
  endpoints.forEach((m, p) => (position[m.index] = p));
  let classOf: Int32Array = new Int32Array(endpoints.length);
  // Endpoints stay together when they agree on being local, their profiles, their named ports
  // (each list numbered by its JSON) and the interval of the rules' cuts their address is in.
  classOf = refineByKey(classOf, 2, (p) => (isLocal(endpoints[p]!) ? 1 : 0));
  const profileIds = new TextIds<readonly string[]>((names) => JSON.stringify(names));
  const profileOf = Int32Array.from(endpoints, (m) => profileIds.of(m.profiles));
  classOf = refineByKey(classOf, profileIds.size, (p) => profileOf[p]!);
  // On L, stringifying 250,000 named-port lists took about as long as the rest of this pass:
  // each list once.
  const portIds = new TextIds<PreparedMember["ports"]>((ports) => JSON.stringify(ports));
  const portsOf = Int32Array.from(endpoints, (m) => portIds.of(m.ports));
  classOf = refineByKey(classOf, portIds.size, (p) => portsOf[p]!);
  // Workloads have no address: key 0, in no CIDR's interval.
  classOf = refineByKey(classOf, ruleCuts.length + 1, (p) => {
    const a = address[p];
    return a === undefined ? 0 : intervalIndex(ruleCuts, a) + 1;
  });
  const sizes: number[] = [];
  for (const c of classOf) sizes[c] = (sizes[c] ?? 0) + 1;
  // Split by each membership: its endpoints' positions, word by word (a membership costs its
  // words and allocates nothing: on shape L, lists of the positions of tens of thousands of
  // memberships were garbage enough to set off full collections).
  const refiner = new PartitionRefiner(classOf, sizes);
  const inside = refiner.inside;
  const memberWords = (position.length + 31) >>> 5;
  for (const membership of splitters.memberships) {
    let count = 0;
    const words = Math.min(membership.length, memberWords);
    for (let w = 0; w < words; w++) {
      let word = membership[w]!;
      while (word !== 0) {
        const low = word & -word;
        word ^= low;
        const p = position[(w << 5) + (31 - Math.clz32(low))]!;
        if (p >= 0) inside[count++] = p;
      }
    }
    refiner.split(count);
  }

  // Renumber in the order of the first endpoint of each class (endpoints are in member order).
  const renumber = new Map<number, number>();
  const members: number[][] = [];
  const memberClass = new Int32Array(prepared.members.length).fill(-1);
  endpoints.forEach((m, p) => {
    let c = renumber.get(classOf[p]!);
    if (c === undefined) {
      renumber.set(classOf[p]!, (c = members.length));
      members.push([]);
    }
    members[c]!.push(m.index);
    memberClass[m.index] = c;
  });

  const failsafePorts = (protocol: number): [number, number][] =>
    [...prepared.settings.failsafeInboundHostPorts, ...prepared.settings.failsafeOutboundHostPorts]
      .filter((f) => calicoProtocolNumber(f.protocol.toUpperCase()) === protocol)
      .map((f): [number, number] => [f.port, f.port]);
  const portCache = new Map<number, PortInterval[]>();
  const portIntervals = (protocol: number): PortInterval[] => {
    let list = portCache.get(protocol);
    if (!list) {
      const ranges = [...splitters.anyProtocolPorts, ...(splitters.protocolPorts.get(protocol) ?? []), ...failsafePorts(protocol)];
      portCache.set(protocol, (list = intervals(cutsOf(ranges, 0, MAX_PORT, (x) => x + 1), MAX_PORT, (x) => x - 1)));
    }
    return list;
  };

  const everyNet = prepared.members.flatMap((m) => ofFamily(m.nets)).map(cidrRange);
  // The host's failsafe ports and their nets decide host flows before any policy (hostFlow.ts).
  const failsafes = [...prepared.settings.failsafeInboundHostPorts, ...prepared.settings.failsafeOutboundHostPorts];
  const failsafeNets = ofFamily(failsafes.flatMap((f) => (f.net === undefined ? [] : [parseCidr(f.net)]).filter((c): c is Cidr => c !== undefined))).map(cidrRange);
  const addressCuts = cutsOf([...ruleRanges, ...everyNet, ...failsafeNets, ...serviceAddresses.map((a): [bigint, bigint] => [a, a])], 0n, maxAddress, (x) => x + 1n);

  return {
    family,
    endpoints: members.map((list, index) => ({ index, members: list, representative: list[0]! })),
    classOf: memberClass,
    portIntervals,
    addressIntervals: intervals(addressCuts, maxAddress, (x) => x - 1n),
  };
}
