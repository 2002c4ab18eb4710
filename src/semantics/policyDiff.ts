/**
 * `policyDiff`: the connections between workload endpoints that one version of a model allows and
 * the other does not. Both versions are prepared and partitioned into equivalence classes; the
 * endpoints present in both are split by the pair (class before, class after), and the ports by
 * the intervals of either version, so one evaluation per pair of joint classes and port interval
 * covers every endpoint and port. Each change comes with the verdict on a representative flow on
 * each side (the steps that decided it).
 *
 * Stepping through the port intervals in order, only the first probe of each protocol walks every
 * class (`ClassWalker`; a walk whose rules read nothing of the probe is done once for all
 * protocols); at each next interval only the classes with a rule testing that bound are walked
 * again (`ClassWalker.changesAt`), and only the pairs in the rows (egress) and columns (ingress)
 * of the walks that changed are compared again, 32 at a time over the joint classes
 * (`JointSide`). A pair's change is kept as a run of intervals until it changes. ICMP types and
 * codes, and the protocols without ports, are swept the same way, every class walked anew at each
 * of their few intervals (`probeAxes`).
 *
 * When the versions differ only in policies (a pull request's usual change), only the endpoints
 * a changed policy selects can change verdict, in that policy's directions
 * (`affectedEndpoints`): then only the pairs from or to them are compared, with the walks they
 * need alone (`sweepAffected`), unless so many are affected that the full sweep is cheaper.
 *
 * A property test checks the result against evaluating every pair of endpoints at every port,
 * and the shortcut against the full sweep (test/fuzz/policyDiff.test.ts).
 */
import type { Bits } from "./bits.js";
import { emptyBits, hasBit, notBits, preimageBits, setBit, transposeBits } from "./bits.js";
import { ClassWalker, hasHostEndpoints, reachabilityOf, type Probe } from "./classReachability.js";
import { equivalenceClasses } from "./equivalenceClasses.js";
import { probeAxes, icmpKey, type ProbeAxis, type FlowSpan, type WantedProbe } from "./probeAxes.js";
import { evaluateFlow } from "./evaluateFlow.js";
import { sweepAffected, type ChangedRun } from "./sweepAffected.js";
import { affectedEndpoints } from "./affectedEndpoints.js";
import type { Family, Prepared, PreparedMember, Verdict } from "./types.js";
import { isEndpointOf } from "./isEndpointOf.js";

export interface DiffOptions {
  readonly family?: Family;
  /**
   * Only these probes (TCP, UDP and SCTP ports, ICMP types and codes); absent: every port of TCP,
   * UDP and SCTP, every ICMP type and code of the family, and every other protocol (`probeAxes`).
   */
  readonly ports?: readonly WantedProbe[];
  /** The source port of the probes (TCP, UDP and SCTP). */
  readonly srcPort?: number;
  /**
   * How pairs are compared (the result is the same; tests compare the ways): `full`, every pair
   * of joint classes; `affected`, only the pairs from or to the endpoints a changed policy selects
   * when the versions differ only in policies (`affectedEndpoints`), else every pair; `auto`
   * (default), `affected` unless so many endpoints are affected that `full` is cheaper.
   */
  readonly sweep?: "auto" | "full" | "affected";
}

export interface FlowChange {
  readonly change: "open" | "close";
  /** The packets with this change: destination ports, ICMP types and codes, or protocols. */
  readonly span: FlowSpan;
  /** The sources and destinations (endpoint ids, in id order): every pair has the change. */
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** The verdict on a representative flow before and after. */
  readonly before: Verdict;
  readonly after: Verdict;
}

export interface PolicyDiff {
  readonly family: Family;
  readonly changes: readonly FlowChange[];
  /** Endpoints present on one side only (their flows are not compared). */
  readonly onlyBefore: readonly string[];
  readonly onlyAfter: readonly string[];
}

/** The changes from `before` to `after` (see the module comment). */
export function policyDiff(before: Prepared, after: Prepared, options: DiffOptions = {}): PolicyDiff {
  const family = options.family ?? 4;
  const srcPort = options.srcPort ?? 40000;
  const endpointsOf = (p: Prepared): PreparedMember[] => p.members.filter((m) => isEndpointOf(m, family));
  const oldEndpoints = endpointsOf(before);
  const newEndpoints = endpointsOf(after);
  const newIds = new Set(newEndpoints.map((m) => m.id));
  const oldIds = new Set(oldEndpoints.map((m) => m.id));
  const common = oldEndpoints.filter((m) => newIds.has(m.id)).map((m) => m.id);
  const oldClasses = equivalenceClasses(before, family);
  const newClasses = equivalenceClasses(after, family);

  // Joint classes: endpoints with the same class on both sides.
  const joint = new Map<string, number>();
  const members: string[][] = [];
  const oldOf: number[] = [];
  const newOf: number[] = [];
  for (const id of common) {
    const o = oldClasses.classOf[before.memberIndexById.get(id)!]!;
    const n = newClasses.classOf[after.memberIndexById.get(id)!]!;
    const key = `${o} ${n}`;
    let j = joint.get(key);
    if (j === undefined) {
      joint.set(key, (j = members.length));
      members.push([]);
      oldOf.push(o);
      newOf.push(n);
    }
    members[j]!.push(id);
  }

  const changes: FlowChange[] = [];
  const sweep = options.sweep ?? "auto";
  const affected = sweep === "full" ? undefined : affectedOver(before, after, members, sweep === "auto");
  const oldWalker = new ClassWalker(before, oldClasses, (m) => m.local);
  const newWalker = new ClassWalker(after, newClasses, (m) => m.local);
  const J = members.length;
  // The joint classes of each class of either side (to find the rows and columns a walk touches).
  const jointsOf = (of: readonly number[], size: number): number[][] => {
    const out = Array.from({ length: size }, (): number[] => []);
    of.forEach((c, j) => out[c]!.push(j));
    return out;
  };
  const oldJoints = jointsOf(oldOf, oldWalker.size);
  const newJoints = jointsOf(newOf, newWalker.size);
  // Kept from one protocol to the next: most walks do not read the protocol (`ClassWalker`).
  // A node with host endpoints judges workload flows pair by pair (`reachabilityOf`).
  const hostSide = hasHostEndpoints(before) || hasHostEndpoints(after);
  let full: readonly [JointSide, JointSide] | undefined;
  const fullSides = (): readonly [JointSide, JointSide] =>
    (full ??= [new JointSide(oldWalker, oldOf, oldJoints, hostSide), new JointSide(newWalker, newOf, newJoints, hostSide)]);
  /** Every pair of joint classes, stepping through the intervals (see the module comment). */
  const fullSweep = (axis: ProbeAxis): Iterable<ChangedRun> => {
    const sides = fullSides();
    // Per pair of joint classes and change, the port ranges with it (in port order).
    const found = new Map<string, ChangedRun>();
    // The change of each pair at the previous probe (bit `t` of row `f`), and where its run of
    // probes with that change started.
    const opened = Array.from({ length: J }, () => emptyBits(J));
    const closed = Array.from({ length: J }, () => emptyBits(J));
    const runStart = new Map<number, number>();
    const endRun = (f: number, t: number, open: boolean, last: number): void => {
      const key = `${f} ${t} ${open}`;
      let entry = found.get(key);
      if (!entry) found.set(key, (entry = { from: f, to: t, open, intervals: [] }));
      entry.intervals.push({ first: runStart.get(f * J + t)!, last });
      runStart.delete(f * J + t);
    };
    // Each side over the joint classes: per row, the columns its egress allows (shared between
    // the rows of one class) and the columns whose ingress admits it.
    const W = (J + 31) >>> 5;
    // A class of one endpoint has no pair within itself.
    const single = members.map((m) => m.length === 1);
    /** Compares word `w` of row `f` on both sides with the changes recorded, and records what differs. */
    const compareWord = (f: number, w: number, first: number, prevLast: number): void => {
      const [o, n] = sides;
      const was = o.egress[f]![w]! & o.admits[f]![w]!;
      const is = n.egress[f]![w]! & n.admits[f]![w]!;
      let open = is & ~was;
      let close = was & ~is;
      if (single[f] && f >>> 5 === w) {
        const self = ~(1 << (f & 31));
        open &= self;
        close &= self;
      }
      const oldOpen = opened[f]![w]!;
      const oldClose = closed[f]![w]!;
      let flips = (open ^ oldOpen) | (close ^ oldClose);
      if (flips === 0) return;
      opened[f]![w] = open;
      closed[f]![w] = close;
      while (flips !== 0) {
        const low = flips & -flips;
        flips ^= low;
        const t = (w << 5) + (31 - Math.clz32(low));
        if ((oldOpen | oldClose) & low) endRun(f, t, (oldOpen & low) !== 0, prevLast);
        if ((open | close) & low) runStart.set(f * J + t, first);
      }
    };
    const endAllRuns = (last: number): void => {
      for (const key of [...runStart.keys()]) {
        const f = Math.floor(key / J);
        const t = key - f * J;
        endRun(f, t, hasBit(opened[f]!, t), last);
      }
      for (let f = 0; f < J; f++) {
        opened[f]!.fill(0);
        closed[f]!.fill(0);
      }
    };
    let previous: { first: number; last: number } | undefined;
    for (const interval of axis.intervals) {
      const probe: Probe = axis.probe(interval.first);
      const prevLast = previous?.last ?? -1;
      const apart = previous === undefined || previous.last + 1 !== interval.first;
      // The first probe, or one not next to the previous one, ends every run.
      if (apart) endAllRuns(prevLast);
      if (apart || hostSide || axis.rewalkEach) {
        // Every walk and pair anew (with host endpoints, at every probe: see `JointSide`).
        for (const side of sides) side.walkAll(probe);
        for (let f = 0; f < J; f++) for (let w = 0; w < W; w++) compareWord(f, w, interval.first, prevLast);
      } else {
        // The next interval: only the walks whose rules test this bound can change, and only the
        // pairs in their rows (egress) and columns (ingress).
        const rows = new Set<number>();
        const columnWords = new Set<number>();
        for (const side of sides) side.walkAt(probe, rows, columnWords);
        for (const f of rows) for (let w = 0; w < W; w++) compareWord(f, w, interval.first, prevLast);
        if (columnWords.size > 0) {
          for (let f = 0; f < J; f++) if (!rows.has(f)) for (const w of columnWords) compareWord(f, w, interval.first, prevLast);
        }
      }
      previous = interval;
    }
    endAllRuns(previous?.last ?? -1);
    return found.values();
  };
  for (const axis of probeAxes([before, after], [oldClasses, newClasses], family, srcPort, options.ports)) {
    const runs = affected ? sweepAffected({ walkers: [oldWalker, newWalker], classOf: [oldOf, newOf], ...affected, single: members.map((m) => m.length === 1), axis }) : fullSweep(axis);
    for (const run of runs) {
      const from = members[run.from]!;
      const to = members[run.to]!;
      // A representative pair of distinct endpoints.
      const src = from[0]!;
      const dst = run.from === run.to ? to[1]! : to[0]!;
      for (const range of run.intervals) {
        const flow = { family, src: { endpoint: src }, dst: { endpoint: dst }, ...axis.probe(range.first) };
        changes.push({
          change: run.open ? "open" : "close",
          span: axis.span(range.first, range.last),
          from,
          to,
          before: evaluateFlow(before, flow),
          after: evaluateFlow(after, flow),
        });
      }
    }
  }
  changes.sort((a, b) => compare(a.from[0]!, b.from[0]!) || compare(a.to[0]!, b.to[0]!) || compareSpans(a.span, b.span));
  return {
    family,
    changes,
    onlyBefore: oldEndpoints.filter((m) => !newIds.has(m.id)).map((m) => m.id),
    onlyAfter: newEndpoints.filter((m) => !oldIds.has(m.id)).map((m) => m.id),
  };
}

/**
 * One side of the diff over the joint classes: each class's walks (egress and ingress, for the
 * current probe), and from them, per joint row, the joint columns its egress allows (`egress`,
 * one array shared by the rows of a class) and the joint columns whose ingress admits it
 * (`admits`, updated bit by bit as ingress walks change).
 */
class JointSide {
  readonly egress: Uint32Array[];
  readonly admits: Uint32Array[];
  private readonly E: (Bits | undefined)[] = [];
  private readonly I: (Bits | undefined)[] = [];
  private readonly J: number;

  constructor(
    private readonly walker: ClassWalker,
    /** The class of each joint class on this side. */
    private readonly classOf: readonly number[],
    /** The joint classes of each class on this side. */
    private readonly joints: readonly (readonly number[])[],
    /**
     * Host endpoints on either side: each probe is then judged whole by `reachabilityOf` (pair
     * by pair where host chains take part), `egress` holding each row's verdicts and `admits` all.
     */
    private readonly host: boolean,
  ) {
    this.J = classOf.length;
    this.egress = Array.from({ length: this.J }, () => emptyBits(this.J));
    this.admits = Array.from({ length: this.J }, () => (host ? notBits(emptyBits(this.J), this.J) : emptyBits(this.J)));
  }

  /** Walks every class for `probe`; both matrices are rebuilt where a walk changed. */
  walkAll(probe: Probe): void {
    if (this.host) {
      const reach = reachabilityOf(this.walker, probe);
      for (let c = 0; c < this.walker.size; c++) {
        if (this.joints[c]!.length === 0) continue;
        const row = this.overJoint(reach.allowedFrom(c));
        for (const f of this.joints[c]!) this.egress[f] = row;
      }
      return;
    }
    if (this.E.length === 0) {
      const walk = this.walker.probe(probe);
      for (let c = 0; c < this.walker.size; c++) {
        this.E[c] = this.walker.egress(c, walk);
        this.I[c] = this.walker.ingress(c, walk);
      }
      for (let c = 0; c < this.walker.size; c++) this.setEgress(c);
      // Ingress of each joint column over the joint rows, then transposed into `admits`.
      const columns = this.classOf.map((c) => this.overJoint(this.I[c]));
      const admits = transposeBits(columns, this.J);
      for (let f = 0; f < this.J; f++) this.admits[f] = admits[f]!;
      return;
    }
    const every = Array.from({ length: this.walker.size }, (_, c) => c);
    this.walkAgain(probe, every, every, new Set(), new Set());
  }

  /**
   * Walks again, for the probe at the next port, the classes whose walks may change there; adds
   * the joint rows whose egress changed to `rows` and the words of the joint columns whose
   * ingress changed to `columnWords`.
   */
  walkAt(probe: Probe, rows: Set<number>, columnWords: Set<number>): void {
    const port = probe.dstPort!;
    this.walkAgain(probe, this.walker.changesAt("egress", probe.protocol, port), this.walker.changesAt("ingress", probe.protocol, port), rows, columnWords);
  }

  private walkAgain(probe: Probe, egress: readonly number[], ingress: readonly number[], rows: Set<number>, columnWords: Set<number>): void {
    const walk = this.walker.probe(probe);
    for (const c of egress) {
      const bits = this.walker.egress(c, walk);
      if (bits === this.E[c] || sameBits(bits, this.E[c])) continue;
      this.E[c] = bits;
      this.setEgress(c);
      for (const f of this.joints[c]!) rows.add(f);
    }
    for (const c of ingress) {
      const bits = this.walker.ingress(c, walk);
      if (bits === this.I[c] || sameBits(bits, this.I[c])) continue;
      this.I[c] = bits;
      for (const t of this.joints[c]!) {
        columnWords.add(t >>> 5);
        const word = t >>> 5;
        const bit = 1 << (t & 31);
        for (let f = 0; f < this.J; f++) {
          const admits = this.admits[f]!;
          if (bits === undefined || hasBit(bits, this.classOf[f]!)) admits[word]! |= bit;
          else admits[word]! &= ~bit;
        }
      }
    }
  }

  private setEgress(c: number): void {
    const row = this.overJoint(this.E[c]);
    for (const f of this.joints[c]!) this.egress[f] = row;
  }

  /** A set of this side's classes (undefined: all) as the set of their joint classes. */
  private overJoint(bits: Bits | undefined): Uint32Array {
    return preimageBits(bits, this.classOf);
  }
}

function sameBits(a: Bits | undefined, b: Bits | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SPAN_ORDER = { ports: 0, icmp: 1, protocols: 2 } as const satisfies Record<FlowSpan["kind"], number>;

/** Ports (by protocol name, then port) before ICMP before the other protocols. */
function compareSpans(a: FlowSpan, b: FlowSpan): number {
  if (a.kind !== b.kind) return SPAN_ORDER[a.kind] - SPAN_ORDER[b.kind];
  const key = (s: FlowSpan): [string, number] => (s.kind === "icmp" ? [s.protocol, icmpKey(s.first)] : [s.kind === "ports" ? s.protocol : "", s.first]);
  const [ka, fa] = key(a);
  const [kb, fb] = key(b);
  return compare(ka, kb) || fa - fb;
}

/**
 * The joint classes affected in egress (rows) and ingress (columns) when the versions differ only
 * in policies (`affectedEndpoints`); undefined when they differ otherwise, or (`whenCheaper`) when
 * so many are affected that comparing every pair 32 at a time is cheaper than pair by pair.
 */
function affectedOver(before: Prepared, after: Prepared, members: readonly (readonly string[])[], whenCheaper: boolean): { egressRows: Bits; ingressColumns: Bits } | undefined {
  const affected = affectedEndpoints(before, after);
  if (!affected) return undefined;
  const J = members.length;
  const egressRows = emptyBits(J);
  const ingressColumns = emptyBits(J);
  let count = 0;
  members.forEach((ids, j) => {
    // Every endpoint of a joint class is selected by the same policies in both versions.
    const index = before.memberIndexById.get(ids[0]!)!;
    if (hasBit(affected.egress, index)) {
      setBit(egressRows, j);
      count++;
    }
    if (hasBit(affected.ingress, index)) {
      setBit(ingressColumns, j);
      count++;
    }
  });
  // Pair by pair costs about as much as 32 at a time when a quarter of the rows and columns are affected.
  return whenCheaper && count * 4 > J ? undefined : { egressRows, ingressColumns };
}
