/**
 * `policyDiff`: the connections between workload endpoints that one version of a model allows and
 * the other does not. Both versions are prepared and partitioned into equivalence classes; the
 * endpoints present in both are split by the pair (class before, class after), and the ports by
 * the intervals of either version, so one evaluation per pair of joint classes and port interval
 * covers every endpoint and port. Each change comes with the verdict on a representative flow on
 * each side (the steps that decided it).
 *
 * Stepping through the port intervals in order, only the first probe of each protocol walks every
 * class (`ClassWalker`); at each next interval only the classes with a rule testing that bound
 * are walked again (`ClassWalker.changesAt`), and only the pairs in the rows (egress) and columns
 * (ingress) of the walks that changed are compared again. A pair's change is kept as a run of
 * intervals until it changes. A property test checks the result against evaluating every pair of
 * endpoints at every port (test/fuzz/policyDiff.test.ts).
 */
import type { Protocol } from "../model/types.js";
import type { Bits } from "./bits.js";
import { andBits, emptyBits, hasBit, setBit, transposeBits } from "./bits.js";
import { ClassWalker, type Probe, type ProbeWalk } from "./classReachability.js";
import { equivalenceClasses } from "./equivalenceClasses.js";
import { evaluateFlow } from "./evaluateFlow.js";
import { protocolNumber } from "./prepareRules.js";
import type { Family, Prepared, PreparedMember, Verdict } from "./types.js";

export interface DiffOptions {
  readonly family?: Family;
  /** Protocols probed (default TCP, UDP and SCTP), each over every port interval of either side. */
  readonly protocols?: readonly Protocol[];
  /** Restrict to these ports (per protocol); absent: every port. */
  readonly ports?: readonly { readonly protocol: Protocol; readonly port: number }[];
  /** The source port of the probes. */
  readonly srcPort?: number;
}

export interface FlowChange {
  readonly change: "open" | "close";
  readonly protocol: Protocol;
  /** Destination ports `first..last` with this change. */
  readonly first: number;
  readonly last: number;
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

const DEFAULT_PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];
const MAX_PORT = 65535;

/** The union of two interval lists' starts, as intervals over 0..65535. */
function jointIntervals(a: readonly { first: number }[], b: readonly { first: number }[]): { first: number; last: number }[] {
  const starts = [...new Set([...a.map((i) => i.first), ...b.map((i) => i.first)])].sort((x, y) => x - y);
  return starts.map((first, i) => ({ first, last: i + 1 < starts.length ? starts[i + 1]! - 1 : MAX_PORT }));
}

/** The changes from `before` to `after` (see the module comment). */
export function policyDiff(before: Prepared, after: Prepared, options: DiffOptions = {}): PolicyDiff {
  const family = options.family ?? 4;
  const srcPort = options.srcPort ?? 40000;
  const endpointsOf = (p: Prepared): PreparedMember[] => p.members.filter((m) => m.workload && m.nets.some((c) => c.family === family));
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
    const o = oldClasses.classOf[before.memberIndexById[id]!]!;
    const n = newClasses.classOf[after.memberIndexById[id]!]!;
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
  for (const protocol of options.protocols ?? DEFAULT_PROTOCOLS) {
    const number = protocolNumber(protocol);
    const wanted = options.ports?.filter((p) => protocolNumber(p.protocol) === number).map((p) => p.port);
    let intervals = jointIntervals(oldClasses.portIntervals(number), newClasses.portIntervals(number));
    if (wanted) intervals = wanted.map((port) => ({ first: port, last: port }));
    // Per pair of joint classes and change, the port ranges with it (in port order).
    const found = new Map<string, { from: number; to: number; open: boolean; intervals: { first: number; last: number }[] }>();
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
      clearBit(open ? opened[f]! : closed[f]!, t);
    };
    const endAllRuns = (last: number): void => {
      for (const key of [...runStart.keys()]) {
        const f = Math.floor(key / J);
        const t = key - f * J;
        endRun(f, t, hasBit(opened[f]!, t), last);
      }
    };
    /** Records the pair's change at the probe starting at `first` (the previous probe ended at `prevLast`). */
    const record = (f: number, t: number, was: boolean, is: boolean, first: number, prevLast: number): void => {
      const now = was === is ? 0 : is ? 1 : 2;
      const prior = hasBit(opened[f]!, t) ? 1 : hasBit(closed[f]!, t) ? 2 : 0;
      if (now === prior) return;
      if (prior !== 0) endRun(f, t, prior === 1, prevLast);
      if (now !== 0) {
        setBit(now === 1 ? opened[f]! : closed[f]!, t);
        runStart.set(f * J + t, first);
      }
    };
    let oE: (Bits | undefined)[] = [];
    let oI: (Bits | undefined)[] = [];
    let nE: (Bits | undefined)[] = [];
    let nI: (Bits | undefined)[] = [];
    const verdict = (E: readonly (Bits | undefined)[], I: readonly (Bits | undefined)[], from: number, to: number): boolean => {
      const e = E[from];
      const i = I[to];
      return (e === undefined || hasBit(e, to)) && (i === undefined || hasBit(i, from));
    };
    // A class of one endpoint has no pair within itself.
    const single = members.map((m) => m.length === 1);
    const updatePair = (f: number, t: number, first: number, prevLast: number): void => {
      if (f === t && single[f]) return;
      record(f, t, verdict(oE, oI, oldOf[f]!, oldOf[t]!), verdict(nE, nI, newOf[f]!, newOf[t]!), first, prevLast);
    };
    let previous: { first: number; last: number } | undefined;
    for (const interval of intervals) {
      const probe: Probe = { protocol: number, srcPort, dstPort: interval.first };
      const o = oldWalker.probe(probe);
      const n = newWalker.probe(probe);
      const prevLast = previous?.last ?? -1;
      if (previous === undefined || previous.last + 1 !== interval.first) {
        // The first probe, or one not next to the previous one: every walk and pair anew.
        endAllRuns(prevLast);
        oE = Array.from({ length: oldWalker.size }, (_, c) => oldWalker.egress(c, o));
        oI = Array.from({ length: oldWalker.size }, (_, c) => oldWalker.ingress(c, o));
        nE = Array.from({ length: newWalker.size }, (_, c) => newWalker.egress(c, n));
        nI = Array.from({ length: newWalker.size }, (_, c) => newWalker.ingress(c, n));
        const rowsOld = reachableRows(oE, oI, oldWalker.all);
        const rowsNew = reachableRows(nE, nI, newWalker.all);
        for (let f = 0; f < J; f++) {
          const ro = rowsOld[oldOf[f]!]!;
          const rn = rowsNew[newOf[f]!]!;
          for (let t = 0; t < J; t++) {
            if (f === t && single[f]) continue;
            const was = hasBit(ro, oldOf[t]!);
            const is = hasBit(rn, newOf[t]!);
            if (was !== is) record(f, t, was, is, interval.first, prevLast);
          }
        }
      } else {
        // The next interval: only the walks whose rules test this bound can change, and only the
        // pairs in their rows (egress) and columns (ingress).
        const rows = new Set<number>();
        const cols = new Set<number>();
        const redo = (walker: ClassWalker, walk: ProbeWalk, E: (Bits | undefined)[], I: (Bits | undefined)[], joints: readonly number[][]): void => {
          for (const c of walker.changesAt("egress", number, interval.first)) {
            const bits = walker.egress(c, walk);
            if (!sameBits(bits, E[c])) for (const j of joints[c]!) rows.add(j);
            E[c] = bits;
          }
          for (const c of walker.changesAt("ingress", number, interval.first)) {
            const bits = walker.ingress(c, walk);
            if (!sameBits(bits, I[c])) for (const j of joints[c]!) cols.add(j);
            I[c] = bits;
          }
        };
        redo(oldWalker, o, oE, oI, oldJoints);
        redo(newWalker, n, nE, nI, newJoints);
        for (const f of rows) for (let t = 0; t < J; t++) updatePair(f, t, interval.first, prevLast);
        for (const t of cols) for (let f = 0; f < J; f++) if (!rows.has(f)) updatePair(f, t, interval.first, prevLast);
      }
      previous = interval;
    }
    endAllRuns(previous?.last ?? -1);
    for (const entry of found.values()) {
      const from = members[entry.from]!;
      const to = members[entry.to]!;
      // A representative pair of distinct endpoints.
      const src = from[0]!;
      const dst = entry.from === entry.to ? to[1]! : to[0]!;
      for (const range of entry.intervals) {
        const flow = { family, src: { endpoint: src }, dst: { endpoint: dst }, protocol: number, srcPort, dstPort: range.first };
        changes.push({
          change: entry.open ? "open" : "close",
          protocol,
          first: range.first,
          last: range.last,
          from,
          to,
          before: evaluateFlow(before, flow),
          after: evaluateFlow(after, flow),
        });
      }
    }
  }
  changes.sort((a, b) => compare(a.from[0]!, b.from[0]!) || compare(a.to[0]!, b.to[0]!) || compare(a.protocol, b.protocol) || a.first - b.first);
  return {
    family,
    changes,
    onlyBefore: oldEndpoints.filter((m) => !newIds.has(m.id)).map((m) => m.id),
    onlyAfter: newEndpoints.filter((m) => !oldIds.has(m.id)).map((m) => m.id),
  };
}

/** Per class, the classes it may reach: its egress and the ingress of the other end (`allowedFrom`). */
function reachableRows(egress: readonly (Bits | undefined)[], ingress: readonly (Bits | undefined)[], all: Bits): Bits[] {
  const admits = transposeBits(
    ingress.map((i) => i ?? all),
    egress.length,
  );
  return egress.map((e, c) => andBits(e ?? all, admits[c]!));
}

function sameBits(a: Bits | undefined, b: Bits | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) return false;
  return true;
}

function clearBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! &= ~(1 << (i & 31));
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
