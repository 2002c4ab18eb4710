/**
 * `verifyInvariants`: proves each invariant (model/invariants.ts) over every pair of workload
 * endpoints and every packet: each destination port of TCP, UDP and SCTP, each ICMP type and
 * code of the family, and each other IP protocol (`probeAxes`); or finds the smallest flow that
 * breaks it, without evaluating each pair and packet.
 *
 * - **Endpoints.** The equivalence classes (equivalenceClasses.ts) are refined by what the
 *   invariants ask of an endpoint (its tenant, each selector of theirs): within a refined class,
 *   every endpoint gets the same verdicts and means the same to every invariant.
 * - **Ports.** Per protocol, the classes' port intervals are cut again at every bound of the
 *   invariants' ports, so within an interval both the verdicts and the invariants are constant.
 *   The axes without ports (ICMP, the other protocols) are cut where rules tell them apart; an
 *   invariant's `ports` name TCP, UDP and SCTP ports only, so there it applies when it has none.
 * - Per protocol and interval, `sweepPorts` (class reachability, recomputed per class only where its
 *   rules' port ranges change verdict) gives who reaches whom as bit sets over the
 *   refined classes; each invariant gives, per source class, the destination classes it forbids
 *   (bit sets too); a violation is a bit in both.
 * - `DefaultDenyInvariant` compares with the model whose profiles have no rules in the direction:
 *   a connection allowed before and not after was allowed by a profile, not by a policy.
 *
 * The counterexample is the smallest violating flow in the order (source id, destination id,
 * protocol TCP < UDP < SCTP < ICMP < the others, destination port, ICMP type and code or protocol
 * number): per class pair the smallest ids are the classes' first members, and per interval the
 * smallest key its first. A property test checks the verdict
 * and the counterexample against evaluating every pair at every port around every bound.
 *
 * Scope: flows between workload endpoints (not from or to outside addresses or hosts), from one
 * source port (`srcPort`, the ephemeral 40000 `explain` uses), every endpoint local (cluster-wide).
 */
import { NAMESPACE_LABEL_PREFIX } from "../calico/index.js";
import type { Invariant, InvariantPeer, InvariantPort } from "../model/invariants.js";
import { labelValue, selectorMatches } from "../model/selector/index.js";
import type { Bits } from "./bits.js";
import { andBits, andNotBits, andNotInPlace, bitIndexes, bitsWhere, emptyBits, hasBit, isEmptyBits } from "./bits.js";
import { classReachability, hasHostEndpoints, sweepPorts, type ClassReachability, type PortStep } from "./classReachability.js";
import { namespaceSelectorOf } from "./effectiveSelector.js";
import { equivalenceClasses, type EquivalenceClasses, type PortInterval } from "./equivalenceClasses.js";
import { evaluateFlow } from "./evaluateFlow.js";
import { isEndpointOf } from "./isEndpointOf.js";
import { protocolNumber } from "./prepareRules.js";
import { probeAxes, type FlowSpan, type ProbeAxis } from "./probeAxes.js";
import { factoredSweeper, type FactoredStep, type FactoredSweeper } from "./verifySweep.js";
import type { Family, Flow, Prepared, PreparedMember, PreparedProfile, Verdict } from "./types.js";

export type VerifyProtocol = "TCP" | "UDP" | "SCTP";
export const VERIFY_PROTOCOLS: readonly VerifyProtocol[] = ["TCP", "UDP", "SCTP"];

export interface VerifyOptions {
  readonly family?: Family;
  /** The source port of every probe (default 40000, as `explain`). */
  readonly srcPort?: number;
  /** Sweep class by class even where the factored sweep applies (for tests: both must agree). */
  readonly classByClass?: boolean;
  /**
   * Factored sweep: how many classes of a source block may flip at a step before its groups are
   * counted again whole rather than bit by bit (default: half a row's words; for tests).
   */
  readonly recountAbove?: number;
}

/** The smallest flow that breaks an invariant, and the evaluator's verdict on it. */
export interface Counterexample {
  readonly from: string;
  readonly to: string;
  /** Its packet: a destination port, an ICMP type and code, or a protocol (`first` = `last`). */
  readonly packet: FlowSpan;
  readonly flow: Flow;
  readonly verdict: Verdict;
}

export interface InvariantVerdict {
  readonly invariant: Invariant;
  readonly holds: boolean;
  readonly counterexample?: Counterexample;
  /** Violating flow groups: (source class, destination class, interval of an axis: `probeAxes`). */
  readonly violations: number;
  /** Fields of the invariant (dotted paths) whose endpoints are none: the invariant says little there. */
  readonly matchesNothing: readonly string[];
}

export interface VerifyResult {
  readonly family: Family;
  readonly verdicts: readonly InvariantVerdict[];
  /** Workload endpoints of the family, and the refined classes they form. */
  readonly endpoints: number;
  readonly classes: number;
  /** Intervals evaluated: of ports per protocol, of ICMP types and codes, of other protocols. */
  readonly probes: number;
}

const MAX_PORT = 65535;
export const VERIFY_SOURCE_PORT = 40000;

/** A peer's test on an endpoint: `namespaceSelector` as Calico reads it (`pcns.` labels), and `selector`. */
function peerTest(peer: InvariantPeer | undefined): (m: PreparedMember) => boolean {
  if (peer === undefined) return () => true;
  const ns = peer.namespaceSelector && namespaceSelectorOf(peer.namespaceSelector.ast);
  const own = peer.selector?.ast;
  return (m) => (ns === undefined || selectorMatches(ns, m.labels)) && (own === undefined || selectorMatches(own, m.labels));
}

/**
 * Whether interval `i` of `protocol` lies in `ports` (absent: every packet); intervals never
 * straddle a bound. Ports name TCP, UDP and SCTP only: no ICMP or other protocol (`protocol`
 * undefined) lies in a list of them.
 */
function portsCover(ports: readonly InvariantPort[] | undefined, protocol: VerifyProtocol | undefined, i: PortInterval): boolean {
  return ports === undefined || ports.some((p) => p.protocol === protocol && p.first <= i.first && i.first <= p.last);
}

/** What an invariant needs of the endpoints: tests whose results refine the classes. */
interface Tests {
  /** Named tests (by the invariant field they come from, for `matchesNothing`). */
  readonly tests: readonly { readonly field: string; readonly test: (m: PreparedMember) => boolean }[];
  /** A string per endpoint that must also be equal within a class (the tenant). */
  readonly key?: (m: PreparedMember) => string | undefined;
  readonly ports: readonly (readonly InvariantPort[] | undefined)[];
}

function testsOf(inv: Invariant): Tests {
  switch (inv.kind) {
    case "IsolationInvariant": {
      const label = NAMESPACE_LABEL_PREFIX + inv.tenantLabel;
      return {
        tests: inv.except.flatMap((d, i) => [
          { field: `spec.except.${i}.from`, test: peerTest(d.from) },
          { field: `spec.except.${i}.to`, test: peerTest(d.to) },
        ]),
        key: (m) => labelValue(m.labels, label),
        ports: inv.except.map((d) => d.ports),
      };
    }
    case "NeverReachInvariant":
      return { tests: [{ field: "spec.from", test: peerTest(inv.from) }, { field: "spec.to", test: peerTest(inv.to) }], ports: [inv.ports] };
    case "OnlyReachInvariant":
      return { tests: [{ field: "spec.to", test: peerTest(inv.to) }, ...inv.only.map((p, i) => ({ field: `spec.only.${i}`, test: peerTest(p) }))], ports: [inv.ports] };
    case "DefaultDenyInvariant":
      return { tests: [{ field: "spec", test: peerTest(inv.endpoints) }], ports: [] };
  }
}

/** The classes refined by the invariants' tests; port intervals cut at their ports' bounds. */
function refine(base: EquivalenceClasses, prepared: Prepared, endpoints: readonly PreparedMember[], all: readonly Tests[]): EquivalenceClasses {
  const ids = new Map<string, number>();
  const members: number[][] = [];
  const classOf = new Int32Array(prepared.members.length).fill(-1);
  for (const m of endpoints) {
    const parts: (string | number | boolean | undefined)[] = [base.classOf[m.index]!];
    for (const t of all) {
      parts.push(t.key?.(m));
      for (const x of t.tests) parts.push(x.test(m));
    }
    const key = JSON.stringify(parts);
    let c = ids.get(key);
    if (c === undefined) {
      ids.set(key, (c = members.length));
      members.push([]);
    }
    members[c]!.push(m.index);
    classOf[m.index] = c;
  }
  const cache = new Map<number, PortInterval[]>();
  const portIntervals = (protocol: number): PortInterval[] => {
    let list = cache.get(protocol);
    if (!list) {
      const starts = new Set(base.portIntervals(protocol).map((i) => i.first));
      for (const t of all) {
        for (const ports of t.ports) {
          for (const p of ports ?? []) {
            if (protocolNumber(p.protocol) !== protocol) continue;
            starts.add(p.first);
            if (p.last < MAX_PORT) starts.add(p.last + 1);
          }
        }
      }
      const sorted = [...starts].sort((a, b) => a - b);
      cache.set(protocol, (list = sorted.map((first, i) => ({ first, last: i + 1 < sorted.length ? sorted[i + 1]! - 1 : MAX_PORT }))));
    }
    return list;
  };
  return {
    family: base.family,
    endpoints: members.map((list, index) => ({ index, members: list, representative: list[0]! })),
    classOf,
    portIntervals,
    addressIntervals: base.addressIntervals,
  };
}

/**
 * The model whose workload endpoints' profiles have no rules in `direction`: what policies alone
 * allow there. Only the workloads' copies lose their rules: a host endpoint's profiles (even one
 * a workload shares) still judge what crosses the node, such as IPv6 neighbour discovery on the
 * uplink (neighbourDiscovery.ts).
 */
function withoutProfileRules(prepared: Prepared, direction: "ingress" | "egress"): Prepared {
  const renamed = (name: string): string => `${name}\u0000without-${direction}-rules`;
  const profiles: Record<string, PreparedProfile> = { ...prepared.profiles };
  for (const [name, p] of Object.entries(prepared.profiles)) profiles[renamed(name)] = { ...p, [direction]: [] };
  const members = prepared.members.map((m) => (m.workload ? { ...m, profiles: m.profiles.map(renamed) } : m));
  return { ...prepared, profiles, members };
}

/** Per invariant, per probe: the destination classes each source class may not reach. */
type Forbidden = (from: number) => Bits | undefined;

interface Checker {
  readonly matchesNothing: readonly string[];
  /** What the forbidden sets depend on at an interval besides reachability (equal: the same sets). */
  readonly signature: (protocol: VerifyProtocol | undefined, interval: PortInterval) => string;
  /** The forbidden sets for a probe; `reach` and the profile-less reachabilities are the probe's. */
  readonly forbidden: (protocol: VerifyProtocol | undefined, interval: PortInterval, reach: ClassReachability, policyOnly: (d: "ingress" | "egress") => ClassReachability) => Forbidden;
}

function checkerOf(inv: Invariant, tests: Tests, classes: EquivalenceClasses, prepared: Prepared): Checker {
  const n = classes.endpoints.length;
  const rep = (c: number): PreparedMember => prepared.members[classes.endpoints[c]!.representative]!;
  const sets = tests.tests.map((t) => bitsWhere(n, (c) => t.test(rep(c))));
  const matchesNothing = tests.tests.filter((_, i) => isEmptyBits(sets[i]!)).map((t) => t.field);
  switch (inv.kind) {
    case "IsolationInvariant": {
      const tenant = classes.endpoints.map((_, c) => tests.key!(rep(c)));
      const tenanted = bitsWhere(n, (c) => tenant[c] !== undefined);
      const others = new Map<string, Bits>();
      for (const t of new Set(tenant)) if (t !== undefined) others.set(t, andNotBits(tenanted, bitsWhere(n, (c) => tenant[c] === t)));
      const noTenants = tenant.every((t) => t === undefined) ? ["spec.tenantLabel"] : [];
      // Per class, numbers for its tenant (-1: none) and for the doors it is a source of.
      const tenantIds = new Map<string, number>();
      const tenantIndex = Int32Array.from(tenant, (t) => (t === undefined ? -1 : (tenantIds.get(t) ?? tenantIds.set(t, tenantIds.size).size - 1)));
      const patternIds = new Map<string, number>();
      const fromPattern = Int32Array.from(tenant, (_, c) => {
        const pattern = inv.except.map((_d, i) => (hasBit(sets[2 * i]!, c) ? "1" : "0")).join("");
        return patternIds.get(pattern) ?? patternIds.set(pattern, patternIds.size).size - 1;
      });
      const fromPatterns = patternIds.size;
      const signature = (protocol: VerifyProtocol | undefined, interval: PortInterval): string => inv.except.map((d) => (portsCover(d.ports, protocol, interval) ? "1" : "0")).join("");
      // The sets depend only on which doors are open (the signature): made once per signature, not
      // per interval (on L, 93 intervals and a few signatures).
      const bySignature = new Map<string, Forbidden>();
      return {
        matchesNothing: [...noTenants, ...matchesNothing],
        signature,
        forbidden: (protocol, interval) => {
          const open = signature(protocol, interval);
          const known = bySignature.get(open);
          if (known) return known;
          const doors = inv.except.flatMap((d, i) => (portsCover(d.ports, protocol, interval) ? [{ from: sets[2 * i]!, to: sets[2 * i + 1]! }] : []));
          // One set per tenant and doors open from the source (the same object each time: callers key on it).
          const memo = new Map<number, Bits>();
          const forbidden: Forbidden = (f) => {
            const t = tenantIndex[f]!;
            if (t < 0) return undefined;
            const key = t * fromPatterns + fromPattern[f]!;
            let out = memo.get(key);
            if (!out) {
              out = others.get(tenant[f]!)!;
              for (const d of doors) if (hasBit(d.from, f)) out = andNotBits(out, d.to);
              memo.set(key, out);
            }
            return out;
          };
          bySignature.set(open, forbidden);
          return forbidden;
        },
      };
    }
    case "NeverReachInvariant":
      return {
        matchesNothing,
        signature: (protocol, interval) => String(portsCover(inv.ports, protocol, interval)),
        forbidden: (protocol, interval) => (portsCover(inv.ports, protocol, interval) ? (f) => (hasBit(sets[0]!, f) ? sets[1]! : undefined) : () => undefined),
      };
    case "OnlyReachInvariant": {
      const allowed = sets.slice(1).reduce((acc, s) => acc.map((w, i) => w | s[i]!), emptyBits(n));
      return {
        matchesNothing,
        signature: (protocol, interval) => String(portsCover(inv.ports, protocol, interval)),
        forbidden: (protocol, interval) => (portsCover(inv.ports, protocol, interval) ? (f) => (hasBit(allowed, f) ? undefined : sets[0]!) : () => undefined),
      };
    }
    case "DefaultDenyInvariant": {
      const selected = sets[0]!;
      const direction = inv.direction === "Ingress" ? "ingress" : "egress";
      return {
        matchesNothing,
        signature: () => "",
        // Forbidden: what the probe allows only thanks to a profile (allowed, but not by policies alone).
        forbidden: (_protocol, _interval, reach, policyOnly) => {
          const without = policyOnly(direction);
          return (f) => {
            if (direction === "egress" && !hasBit(selected, f)) return undefined;
            const byProfile = andNotBits(reach.allowedFrom(f), without.allowedFrom(f));
            return direction === "ingress" ? andBits(byProfile, selected) : byProfile;
          };
        },
      };
    }
  }
}

/** [from member index, to member index, axis order, key]: the counterexample order. */
type Key = readonly [number, number, number, number];

function less(a: Key, b: Key | undefined): boolean {
  if (b === undefined) return true;
  for (let i = 0; i < 4; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

function popcount(bits: Bits): number {
  let total = 0;
  for (let w of bits) {
    w -= (w >>> 1) & 0x55555555;
    w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
    total += (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
  }
  return total;
}

/** What a row and a forbidden set have in common: its size and its first two members (-1: none). */
interface Hits {
  readonly count: number;
  readonly first: number;
  readonly second: number;
}

/** Whether the flow (from, to, order, port) comes before `best` (see `less`), without making a key. */
function smaller(best: Key | undefined, from: number, to: number, order: number, port: number): boolean {
  if (best === undefined) return true;
  if (from !== best[0]) return from < best[0];
  if (to !== best[1]) return to < best[1];
  if (order !== best[2]) return order < best[2];
  return port < best[3];
}

/** `hitsOf` of the row `egress & admits`, without writing the row. */
function hitsOf(egress: Bits, admits: Bits, no: Bits): Hits {
  let count = 0;
  let first = -1;
  let second = -1;
  for (let w = 0; w < no.length; w++) {
    let word = egress[w]! & admits[w]! & no[w]!;
    if (word === 0) continue;
    word >>>= 0;
    let x = word - ((word >>> 1) & 0x55555555);
    x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
    count += (((x + (x >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
    while (second < 0 && word !== 0) {
      const low = word & -word;
      const bit = (w << 5) + (31 - Math.clz32(low));
      word = (word ^ low) >>> 0;
      if (first < 0) first = bit;
      else second = bit;
    }
  }
  return { count, first, second };
}

/**
 * How the row `e` changes at a step's flips for sources forbidden `no`: the change of its count of
 * violations, and the two smallest classes newly reached that the source may not reach (-1: none).
 */
interface Change {
  readonly e: Bits;
  readonly no: Bits;
  readonly delta: number;
  readonly first: number;
  readonly second: number;
}

/**
 * One axis's intervals with `factoredSweep` (no host endpoints, no default-deny invariant):
 * the same counts and counterexamples as the class-by-class loop in `verifyInvariants`, computed
 * once per source group and forbidden set instead of once per class. An axis without ports is
 * swept one interval at a time (`intervals` of one).
 */
function sweepFactored(
  sweeper: FactoredSweeper,
  classes: EquivalenceClasses,
  checkers: readonly Checker[],
  axis: ProbeAxis,
  order: number,
  intervals: readonly PortInterval[],
  best: (Key | undefined)[],
  violations: number[],
  // Bit by bit costs about a pass over the flipped classes per group and forbidden set, a recount
  // three passes over the row's words: flips up to half the words are cheaper bit by bit.
  recountAbove = ((classes.endpoints.length + 31) >>> 5) / 2,
): void {
  const members = classes.endpoints.map((c) => c.members);
  const protocol = axis.portProtocolName;
  const starts = intervals.map((i) => i.first);
  const steps = axis.portProtocol !== undefined ? sweeper.sweep(axis.portProtocol, starts) : sweeper.sweep(-1, starts, axis.probe);
  const noReach = (): never => {
    throw new Error("verify: a default-deny invariant needs the class-by-class sweep");
  };
  const unused: ClassReachability = { classes, allowed: noReach, allowedFrom: noReach };
  const lastSignature: (string | undefined)[] = checkers.map(() => undefined);
  const counts = checkers.map(() => new Int32Array(classes.endpoints.length));
  const totals = checkers.map(() => 0);
  /** The source blocks of the groups. */
  const blocks = [...new Set(sweeper.groupBlock)];
  /**
   * The classes of the block's flips at hand, and per class its flip (+1 admitted, -1 no longer, 0
   * none). A typed array and its length, not a list emptied for each block: on L, 290,000 blocks
   * flip in the TCP sweep, and a list emptied (length 0) lets its storage go and grows it anew.
   */
  const flipped = new Int32Array(classes.endpoints.length);
  let flippedCount = 0;
  const flipSign = new Int8Array(classes.endpoints.length);
  /**
   * The hits of the rows `e & admitsOf(b)` by forbidden set, for the whole sweep: by `e` (one set
   * per distinct egress walk in a sweep), the source block's `admitsId` (one number per row in a
   * sweep) and the set `no` (the checkers' sets are the same objects from interval to interval).
   * On shape L, thousands of source blocks have about a hundred distinct rows: most recounts
   * find their hits here instead of a pass over the row's words.
   */
  const hitsByRow = new Map<Bits, Map<Bits, Map<number, Hits>>>();
  const hitsOfRow = (e: Bits, b: number, step: FactoredStep, no: Bits): Hits => {
    let byNo = hitsByRow.get(e);
    if (!byNo) hitsByRow.set(e, (byNo = new Map()));
    let byId = byNo.get(no);
    if (!byId) byNo.set(no, (byId = new Map()));
    const id = step.admitsId(b);
    let hits = byId.get(id);
    if (!hits) byId.set(id, (hits = hitsOf(e, step.admitsOf(b), no)));
    return hits;
  };
  /**
   * The changes worked out for the flips at hand (see `changeOf`); per step, by the flipped
   * block's `admitsId`: blocks with the same number there had the same row before and the same
   * classes flipped, so the same changes.
   */
  let changes: Change[] = [];
  const changesById = new Map<number, Change[]>();
  /** The change of a row `e` for a source forbidden `no`, over the flipped classes, once per flips and pair. */
  const changeOf = (e: Bits, no: Bits): Change => {
    for (const c of changes) if (c.e === e && c.no === no) return c;
    let delta = 0;
    let first = -1;
    let second = -1;
    for (let i = 0; i < flippedCount; i++) {
      const t = flipped[i]!;
      // hasBit by hand: the CLI runs without TurboFan's inlining (runtimeTuning.ts), and this
      // loop runs tens of millions of times on L.
      if ((e[t >>> 5]! & no[t >>> 5]! & (1 << (t & 31))) === 0) continue;
      if (flipSign[t]! < 0) {
        delta--;
        continue;
      }
      delta++;
      if (first < 0 || t < first) {
        second = first;
        first = t;
      } else if (second < 0 || t < second) second = t;
    }
    const change = { e, no, delta, first, second };
    changes.push(change);
    return change;
  };
  for (const interval of intervals) {
    const step = steps.next().value as FactoredStep;
    checkers.forEach((checker, k) => {
      const signature = checker.signature(protocol, interval);
      const everyGroup = signature !== lastSignature[k] || step.rewalked === "all";
      lastSignature[k] = signature;
      const forbidden = checker.forbidden(protocol, interval, unused, () => unused);
      const count = counts[k]!;
      /** The group's counts and smallest counterexample, from its whole row. */
      const recount = (g: number): void => {
        const e = step.egressOf(g);
        const b = sweeper.groupBlock[g]!;
        const a = step.admitsOf(b);
        let byForbidden: Bits | undefined;
        let hits: Hits | undefined;
        for (const f of sweeper.groups[g]!) {
          totals[k]! -= count[f]!;
          count[f] = 0;
          const no = forbidden(f);
          if (no === undefined) continue;
          // Classes of a group mostly share one forbidden set.
          if (no !== byForbidden) {
            byForbidden = no;
            hits = hitsOfRow(e, b, step, no);
          }
          const alone = members[f]!.length === 1;
          // An endpoint alone in its class has no flow to itself.
          const self = (e[f >>> 5]! & a[f >>> 5]! & no[f >>> 5]! & (1 << (f & 31))) !== 0;
          const c = hits!.count - (alone && self ? 1 : 0);
          if (c === 0) continue;
          count[f] = c;
          totals[k]! += c;
          // The smallest destination: the first class other than f, or f's own second member.
          const other = hits!.first !== f ? hits!.first : hits!.second;
          let to = other >= 0 ? members[other]![0]! : Infinity;
          if (self && !alone) to = Math.min(to, members[f]![1]!);
          if (smaller(best[k], members[f]![0]!, to, order, interval.first)) best[k] = [members[f]![0]!, to, order, interval.first];
        }
      };
      if (everyGroup) {
        for (const b of blocks) for (const g of sweeper.groupsOfBlock(b)) recount(g);
      } else {
        const rewalked = step.rewalked as ReadonlySet<number>;
        // Rows that only gained or lost classes (flips), bit by bit: the counts move by one per
        // flipped class the row holds and the source may not reach. A violation that is new here
        // is the only one that can give a smaller counterexample (ports only grow within a sweep).
        // A block with many flipped classes is cheaper to count again whole (a pass over the words).
        const again = new Set<number>(rewalked);
        // Index loops, not for-of: on L these run over millions of groups and classes per sweep.
        for (let i = 0; i < step.flips.length; i++) {
          const { block, walks } = step.flips[i]!;
          let size = 0;
          for (let j = 0; j < walks.length; j++) size += walks[j]!.length;
          if (size > recountAbove) {
            for (const g of sweeper.groupsOfBlock(block)) again.add(g);
            continue;
          }
          // The flipped classes, each marked +1 when now admitted, -1 when no longer (a walk
          // group's classes all flip one way).
          flippedCount = 0;
          for (let j = 0; j < walks.length; j++) {
            const classes = walks[j]!;
            const sign = step.admits(block, classes[0]!) ? 1 : -1;
            for (let m = 0; m < classes.length; m++) {
              const t = classes[m]!;
              flipped[flippedCount++] = t;
              flipSign[t] = sign;
            }
          }
          // What a group gains and loses depends only on its egress row and the source's
          // forbidden set: per such pair in the block (groups and their classes mostly share
          // both), the change of the count and the two smallest classes newly reached that
          // the source may not reach.
          const id = step.admitsId(block);
          const known = changesById.get(id);
          if (known) changes = known;
          else changesById.set(id, (changes = []));
          const groups = sweeper.groupsOfBlock(block);
          for (let j = 0; j < groups.length; j++) {
            const g = groups[j]!;
            if (rewalked.size > 0 && rewalked.has(g)) continue;
            const e = step.egressOf(g);
            let change: Change | undefined;
            const sources = sweeper.groups[g]!;
            for (let m = 0; m < sources.length; m++) {
              const f = sources[m]!;
              const no = forbidden(f);
              if (no === undefined) continue;
              if (change === undefined || change.no !== no) change = changeOf(e, no);
              // f itself among them: an endpoint alone in its class has no flow to itself.
              const self = (no[f >>> 5]! & e[f >>> 5]! & (1 << (f & 31))) !== 0 ? flipSign[f]! : 0;
              const alone = members[f]!.length === 1;
              const own = alone ? change.delta - self : change.delta;
              count[f]! += own;
              totals[k]! += own;
              // The smallest destination newly reached: the first class other than f (classes are
              // in the order of their first members), or f's own second member.
              const other = change.first !== f ? change.first : change.second;
              let to = other >= 0 ? members[other]![0]! : Infinity;
              if (self > 0 && !alone) to = Math.min(to, members[f]![1]!);
              if (to !== Infinity && smaller(best[k], members[f]![0]!, to, order, interval.first)) best[k] = [members[f]![0]!, to, order, interval.first];
            }
          }
          for (let j = 0; j < flippedCount; j++) flipSign[flipped[j]!] = 0;
        }
        changesById.clear();
        for (const g of again) recount(g);
      }
      // Groups not computed again have the violations of the interval before.
      violations[k]! += totals[k]!;
    });
  }
}

/** Verifies every invariant (see the module comment). */
export function verifyInvariants(prepared: Prepared, invariants: readonly Invariant[], options: VerifyOptions = {}): VerifyResult {
  const family = options.family ?? 4;
  const srcPort = options.srcPort ?? VERIFY_SOURCE_PORT;
  // Workloads from their manifests (no address) are endpoints too, as in the matrix and the diff.
  const endpoints = prepared.members.filter((m) => isEndpointOf(m, family));
  const tests = invariants.map(testsOf);
  const classes = refine(equivalenceClasses(prepared, family), prepared, endpoints, tests);
  const checkers = invariants.map((inv, i) => checkerOf(inv, tests[i]!, classes, prepared));
  const n = classes.endpoints.length;
  const members = classes.endpoints.map((c) => c.members);
  const isLocal = (m: PreparedMember): boolean => m.local;
  const profileless = {
    ingress: invariants.some((i) => i.kind === "DefaultDenyInvariant" && i.direction === "Ingress") ? withoutProfileRules(prepared, "ingress") : undefined,
    egress: invariants.some((i) => i.kind === "DefaultDenyInvariant" && i.direction === "Egress") ? withoutProfileRules(prepared, "egress") : undefined,
  };

  // Without host endpoints and default-deny invariants, the sweep needs no class-by-class matrix.
  const factored = options.classByClass !== true && !hasHostEndpoints(prepared) && invariants.every((i) => i.kind !== "DefaultDenyInvariant");
  let sweeper: FactoredSweeper | undefined;
  const best: (Key | undefined)[] = invariants.map(() => undefined);
  const violations = invariants.map(() => 0);
  let probes = 0;
  const axes = probeAxes([prepared], [classes], family, srcPort);
  axes.forEach((axis, order) => {
    const protocol = axis.portProtocolName;
    const { intervals } = axis;
    const starts = intervals.map((i) => i.first);
    if (factored) {
      probes += intervals.length;
      sweeper ??= factoredSweeper(prepared, classes, srcPort, isLocal);
      if (!axis.rewalkEach) {
        sweepFactored(sweeper, classes, checkers, axis, order, intervals, best, violations, options.recountAbove);
        return;
      }
      // One interval at a time; one alike an earlier one (`sameAs`) has its violations, and no
      // smaller counterexample.
      const added: number[][] = [];
      intervals.forEach((interval, i) => {
        const first = axis.sameAs[i]!;
        if (first !== i) {
          added[first]!.forEach((v, k) => (violations[k]! += v));
          return;
        }
        const before = [...violations];
        sweepFactored(sweeper!, classes, checkers, axis, order, [interval], best, violations, options.recountAbove);
        added[i] = violations.map((v, k) => v - before[k]!);
      });
      return;
    }
    /** The steps of a version of the model: incremental over ports, every class at each probe otherwise. */
    const stepsOf = (p: Prepared): Generator<PortStep> =>
      axis.portProtocol !== undefined ? sweepPorts(p, classes, axis.portProtocol, starts, srcPort, isLocal) : probeSteps(p, classes, axis, isLocal);
    const sweep = stepsOf(prepared);
    const sides = {
      ingress: profileless.ingress && stepsOf(profileless.ingress),
      egress: profileless.egress && stepsOf(profileless.egress),
    };
    // Per invariant: what its forbidden sets were computed for, and each source row's count of violations.
    const lastSignature: (string | undefined)[] = invariants.map(() => undefined);
    const counts = invariants.map(() => new Int32Array(n));
    const totals = invariants.map(() => 0);
    for (const interval of intervals) {
      probes++;
      const step = sweep.next().value as PortStep;
      const sideSteps = { ingress: sides.ingress?.next().value as PortStep | undefined, egress: sides.egress?.next().value as PortStep | undefined };
      // Rows change only where a class's rules change verdict (`sweepPorts`); rows cache per step.
      const rows = new Map<number, Bits>();
      const reach: ClassReachability = {
        ...step.reach,
        allowedFrom: (f) => {
          let row = rows.get(f);
          if (!row) rows.set(f, (row = step.reach.allowedFrom(f)));
          return row;
        },
      };
      const without = (d: "ingress" | "egress"): ClassReachability => sideSteps[d]!.reach;
      checkers.forEach((checker, k) => {
        const signature = checker.signature(protocol, interval);
        const inv = invariants[k]!;
        const side = inv.kind === "DefaultDenyInvariant" ? sideSteps[inv.direction === "Ingress" ? "ingress" : "egress"] : undefined;
        const everyRow = signature !== lastSignature[k] || step.dirty === "all" || side?.dirty === "all";
        lastSignature[k] = signature;
        const todo: Iterable<number> = everyRow ? classes.endpoints.keys() : new Set([...(step.dirty as Set<number>), ...((side?.dirty as Set<number> | undefined) ?? [])]);
        const forbidden = checker.forbidden(protocol, interval, reach, without);
        const count = counts[k]!;
        for (const f of todo) {
          totals[k]! -= count[f]!;
          count[f] = 0;
          const no = forbidden(f);
          if (no === undefined) continue;
          const hit = andBits(reach.allowedFrom(f), no);
          // An endpoint alone in its class has no flow to itself.
          if (members[f]!.length === 1 && hasBit(hit, f)) andNotInPlace(hit, bitsWhere(n, (c) => c === f));
          if (isEmptyBits(hit)) continue;
          count[f] = popcount(hit);
          totals[k]! += count[f]!;
          const from = members[f]![0]!;
          for (const t of bitIndexes(hit)) {
            const to = t === f ? members[f]![1]! : members[t]![0]!;
            const key: Key = [from, to, order, interval.first];
            if (less(key, best[k])) best[k] = key;
            // Classes are in the order of their first members, so the first bit other than f gives the
            // smallest id; f's own second member may be smaller than that (when f comes first).
            if (t !== f) break;
          }
        }
        // Rows not computed again have the violations of the interval before (at larger ports: no smaller counterexample).
        violations[k]! += totals[k]!;
      });
    }
  });

  const verdicts = invariants.map((invariant, k): InvariantVerdict => {
    const key = best[k];
    const base = { invariant, violations: violations[k]!, matchesNothing: checkers[k]!.matchesNothing };
    if (key === undefined) return { ...base, holds: true };
    const [from, to, order, at] = key;
    const axis = axes[order]!;
    const src = prepared.members[from]!.id;
    const dst = prepared.members[to]!.id;
    const flow: Flow = { family, src: { endpoint: src }, dst: { endpoint: dst }, ...axis.probe(at) };
    return { ...base, holds: false, counterexample: { from: src, to: dst, packet: axis.span(at, at), flow, verdict: evaluateFlow(prepared, flow) } };
  });
  return { family, verdicts, endpoints: endpoints.length, classes: n, probes };
}

/** Every class's reachability anew at each interval's probe (an axis without ports: few intervals). */
function* probeSteps(prepared: Prepared, classes: EquivalenceClasses, axis: ProbeAxis, isLocal: (m: PreparedMember) => boolean): Generator<PortStep> {
  for (const { first } of axis.intervals) yield { first, reach: classReachability(prepared, classes, axis.probe(first), isLocal), dirty: "all" };
}
