/**
 * `probeAxes`: what `policyDiff` and `verifyInvariants` sweep, so that every packet a rule can tell
 * apart is probed. Each axis is a line of keys cut into intervals that no rule (of either version,
 * for a diff) tells apart:
 *
 * - `ports`: the destination ports (0..65535) of TCP, UDP and SCTP, the protocols whose rules
 *   match ports (Calico's `PORT_PROTOCOL_NUMBERS`);
 * - `icmp`: the family's ICMP (ICMP on IPv4, ICMPv6 on IPv6), keyed by `type * 256 + code` so that
 *   a rule's `icmp`/`notICMP` (a type with every code, or one type and code) is one interval;
 * - `protocols`: every other IP protocol (0..255 but those above), in number order, cut where a
 *   rule names a protocol and at IPIP (dropped from workloads before any policy).
 *
 * An axis says how to probe a key and how to report a run of keys (`FlowSpan`). Ports keep their
 * walks from one interval to the next (`ClassWalker.changesAt`); the other axes have few
 * intervals, each walked anew (`rewalkEach`).
 */
import { ICMP_NUMBER, ICMPV6_NUMBER, PORT_PROTOCOL_NUMBERS, PROTO_IPIP, PROTOCOL_NUMBERS } from "../calico/index.js";
import type { Probe } from "./classReachability.js";
import type { EquivalenceClasses } from "./equivalenceClasses.js";
import type { IcmpMatch } from "../model/types.js";
import type { Family, Prepared, PreparedCalicoRule } from "./types.js";

/** An ICMP type and code. */
export interface IcmpPoint {
  readonly type: number;
  readonly code: number;
}

/** The packets a reported change covers (from its first key to its last). */
export type FlowSpan =
  | { readonly kind: "ports"; readonly protocol: PortProtocol; readonly first: number; readonly last: number }
  | { readonly kind: "icmp"; readonly protocol: "ICMP" | "ICMPv6"; readonly first: IcmpPoint; readonly last: IcmpPoint }
  /** The IP protocols `first..last` but those with an axis of their own (`ownAxisProtocols`). */
  | { readonly kind: "protocols"; readonly first: number; readonly last: number };

export type PortProtocol = "TCP" | "UDP" | "SCTP";

const PORT_PROTOCOLS = { TCP: PROTOCOL_NUMBERS.TCP, UDP: PROTOCOL_NUMBERS.UDP, SCTP: PROTOCOL_NUMBERS.SCTP } as const satisfies Record<PortProtocol, number>;

/** One line of keys swept interval by interval. */
export interface ProbeAxis {
  /** The IP protocol of a ports axis (what `ClassWalker.changesAt` takes); undefined otherwise. */
  readonly portProtocol?: number;
  /** Its name (what an invariant's ports name); undefined for the axes without ports. */
  readonly portProtocolName?: PortProtocol;
  /** Consecutive intervals are adjacent keys: a change runs on across them. */
  readonly intervals: readonly { readonly first: number; readonly last: number }[];
  /** Every walk is made again at each interval (no `changesAt` for this axis). */
  readonly rewalkEach: boolean;
  readonly probe: (key: number) => Probe;
  readonly span: (first: number, last: number) => FlowSpan;
  /**
   * Per interval, the first interval that every rule treats alike (the same verdict for every
   * flow): an axis without ports has few kinds of interval, such as every ICMP type no rule names.
   * On a ports axis, each interval itself.
   */
  readonly sameAs: readonly number[];
}

/** A probe the caller asked for, instead of every interval (`--port`). */
export type WantedProbe = { readonly protocol: PortProtocol; readonly port: number } | { readonly protocol: "ICMP" | "ICMPv6"; readonly type: number; readonly code: number };

const MAX_PORT = 65535;
/** ICMP types and codes are one byte each (RFC 792, RFC 4443). */
const ICMP_KEYS = 256 * 256;
const PROTOCOL_COUNT = 256;

export const icmpKey = (p: IcmpPoint): number => p.type * 256 + p.code;
const icmpPoint = (key: number): IcmpPoint => ({ type: key >>> 8, code: key & 255 });

/** The family's ICMP protocol. */
export function icmpOf(family: Family): { readonly protocol: "ICMP" | "ICMPv6"; readonly number: number } {
  return family === 4 ? { protocol: "ICMP", number: ICMP_NUMBER } : { protocol: "ICMPv6", number: ICMPV6_NUMBER };
}

/** Intervals over 0..max from the keys where one starts (0 is always one). */
function intervalsFrom(starts: Iterable<number>, max: number): { first: number; last: number }[] {
  const sorted = [...new Set([0, ...starts])].filter((s) => s >= 0 && s <= max).sort((a, b) => a - b);
  return sorted.map((first, i) => ({ first, last: i + 1 < sorted.length ? sorted[i + 1]! - 1 : max }));
}

/** Every Calico rule of a prepared model (workload and host tiers, profiles). */
function calicoRules(p: Prepared): PreparedCalicoRule[] {
  const out: PreparedCalicoRule[] = [];
  for (const tier of [...p.tiers, ...p.host.tiers]) {
    for (const policy of tier.policies) for (const r of [...policy.ingress, ...policy.egress]) if (r.kind === "calico") out.push(r);
  }
  for (const profile of Object.values(p.profiles)) out.push(...profile.ingress, ...profile.egress);
  return out;
}

/** Per interval, the first one with the same signature (see `ProbeAxis.sameAs`). */
function firstAlike(intervals: readonly { readonly first: number }[], signature: (key: number) => string): number[] {
  const seen = new Map<string, number>();
  return intervals.map((interval, i) => {
    const s = signature(interval.first);
    const first = seen.get(s);
    if (first !== undefined) return first;
    seen.set(s, i);
    return i;
  });
}

/** Whether an ICMP match (`icmp`/`notICMP`) covers a key (see `matchRule.ts`, `icmpMatches`). */
function icmpCovers(m: IcmpMatch, key: number): boolean {
  return (m.type === undefined || m.type === key >>> 8) && (m.code === undefined || m.code === (key & 255));
}

/** Where the keys an ICMP match covers start and end (as interval starts). */
function icmpStarts(m: IcmpMatch, starts: Set<number>): void {
  if (m.type !== undefined && m.code === undefined) {
    starts.add(m.type * 256).add((m.type + 1) * 256);
    return;
  }
  if (m.code === undefined) return;
  const types = m.type !== undefined ? [m.type] : Array.from({ length: 256 }, (_, t) => t);
  for (const type of types) starts.add(type * 256 + m.code).add(type * 256 + m.code + 1);
}

/**
 * The axes of the prepared `versions` (one, or both sides of a diff) in `family`, in the order of
 * the module comment, with their intervals from every version (`classes` gives each version's port
 * intervals); only the `wanted` probes when given.
 */
export function probeAxes(versions: readonly Prepared[], classes: readonly EquivalenceClasses[], family: Family, srcPort: number, wanted?: readonly WantedProbe[]): ProbeAxis[] {
  const icmp = icmpOf(family);
  const axes: ProbeAxis[] = [];
  for (const [name, number] of Object.entries(PORT_PROTOCOLS) as [PortProtocol, number][]) {
    const asked = wanted?.flatMap((w) => ("port" in w && w.protocol === name ? [w.port] : []));
    if (asked?.length === 0) continue;
    const intervals = asked ? asked.map((port) => ({ first: port, last: port })) : intervalsFrom(classes.flatMap((c) => c.portIntervals(number).map((i) => i.first)), MAX_PORT);
    axes.push({
      portProtocol: number,
      portProtocolName: name,
      intervals,
      sameAs: intervals.map((_, i) => i),
      rewalkEach: false,
      probe: (port) => ({ protocol: number, srcPort, dstPort: port }),
      span: (first, last) => ({ kind: "ports", protocol: name, first, last }),
    });
  }
  const rules = versions.flatMap(calicoRules);
  const icmpAsked = wanted?.flatMap((w) => ("type" in w && w.protocol === icmp.protocol ? [icmpKey(w)] : []));
  if (icmpAsked === undefined || icmpAsked.length > 0) {
    const starts = new Set<number>();
    /** The distinct matches (by type and code). */
    const matches = new Map<string, IcmpMatch>();
    for (const r of rules) {
      for (const m of [r.icmp, r.notICMP]) {
        if (!m || matches.has(`${m.type}/${m.code}`)) continue;
        icmpStarts(m, starts);
        matches.set(`${m.type}/${m.code}`, m);
      }
    }
    const intervals = icmpAsked ? icmpAsked.map((key) => ({ first: key, last: key })) : intervalsFrom(starts, ICMP_KEYS - 1);
    axes.push({
      intervals,
      // A rule tells ICMP keys apart only by its icmp and notICMP.
      sameAs: firstAlike(intervals, (key) => [...matches.values()].map((m) => (icmpCovers(m, key) ? "1" : "0")).join("")),
      rewalkEach: true,
      probe: (key) => ({ protocol: icmp.number, icmpType: key >>> 8, icmpCode: key & 255 }),
      span: (first, last) => ({ kind: "icmp", protocol: icmp.protocol, first: icmpPoint(first), last: icmpPoint(last) }),
    });
  }
  if (wanted === undefined) {
    // The protocols with no axis of their own, in order: a key is an index into this list, so that
    // a change runs on across the protocols skipped.
    const own = new Set([...PORT_PROTOCOL_NUMBERS, icmp.number]);
    const numbers = Array.from({ length: PROTOCOL_COUNT }, (_, n) => n).filter((n) => !own.has(n));
    const starts = new Set<number>();
    /** The protocols that rules name and IPIP: intervals of any other protocols are alike. */
    const named = new Set<number>();
    const cut = (n: number | undefined): void => {
      if (n === undefined || own.has(n)) return;
      named.add(n);
      // Protocol n starts an interval, and so does the next one after it.
      for (const at of [n, n + 1]) {
        const i = numbers.findIndex((m) => m >= at);
        if (i >= 0) starts.add(i);
      }
    };
    for (const r of rules) {
      cut(r.protocol);
      cut(r.notProtocol);
    }
    cut(PROTO_IPIP);
    const intervals = intervalsFrom(starts, numbers.length - 1);
    axes.push({
      intervals,
      // Intervals are cut at each named protocol and the next: one holding a named one holds it alone.
      sameAs: firstAlike(intervals, (key) => (named.has(numbers[key]!) ? String(numbers[key]) : "other")),
      rewalkEach: true,
      probe: (key) => ({ protocol: numbers[key]! }),
      span: (first, last) => ({ kind: "protocols", first: numbers[first]!, last: numbers[last]! }),
    });
  }
  return axes;
}

/** The protocols with an axis of their own in `family`, which a `protocols` span leaves out. */
export function ownAxisProtocols(family: Family): readonly string[] {
  return [...Object.keys(PORT_PROTOCOLS), icmpOf(family).protocol];
}
