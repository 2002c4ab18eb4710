/**
 * `sweepAffected`: `policyDiff`'s sweep over one axis's intervals (`probeAxes`) when the two versions
 * differ only in policies (`affectedEndpoints`). A flow's verdict is its source's egress and its
 * destination's ingress; an endpoint not affected in a direction has the same walk in both
 * versions, so a pair of joint classes can change only when its row is affected in egress or its
 * column in ingress, and each such pair is decided from the walks it needs alone:
 *
 * - a row `f` affected in egress: its egress in both versions; a column `t` can change only where
 *   the two egress walks disagree (the ingress there is the same in both, walked once, in the old
 *   version) or, for a column affected in ingress, where either egress allows (its ingress walked
 *   in both);
 * - a column `t` affected in ingress (rows not affected in egress): its ingress in both versions;
 *   a row can change only where the two disagree and its egress (the same in both, walked once)
 *   allows `t`.
 *
 * Walks are made on demand and kept from one interval to the next unless the class has a rule
 * testing the bound between them (`ClassWalker.changesAtClass`). The result is the same set of changes,
 * with the same runs of intervals, as the full sweep in `policyDiff` (a property test compares
 * them on random clusters and changes, test/fuzz/policyDiff.test.ts).
 */
import type { Bits } from "./bits.js";
import { hasBit, preimageBits } from "./bits.js";
import type { ClassWalker, Probe, ProbeWalk } from "./classReachability.js";
import type { ProbeAxis } from "./probeAxes.js";

/** A pair of joint classes whose verdict changed over the ports `first..last` (one run). */
export interface ChangedRun {
  readonly from: number;
  readonly to: number;
  readonly open: boolean;
  readonly intervals: { first: number; last: number }[];
}

export interface AffectedSweep {
  /** The old and the new version's walkers, and each joint class's class in them. */
  readonly walkers: readonly [ClassWalker, ClassWalker];
  readonly classOf: readonly [readonly number[], readonly number[]];
  /** Joint classes affected in egress (as rows) and in ingress (as columns), as bit sets over the joint classes. */
  readonly egressRows: Bits;
  readonly ingressColumns: Bits;
  /** Joint classes of one endpoint (no pair within themselves). */
  readonly single: readonly boolean[];
  /** What is swept: its intervals, and how each is probed. */
  readonly axis: ProbeAxis;
}

/** Per pair of joint classes and change, the runs of intervals with it (see the module comment). */
export function sweepAffected(s: AffectedSweep): ChangedRun[] {
  const J = s.single.length;
  const [o, n] = [0, 1].map((i) => new LazyWalks(s.walkers[i]!, s.classOf[i]!, J)) as [LazyWalks, LazyWalks];
  const rows = [...setBits(s.egressRows)];
  const columns = [...setBits(s.ingressColumns)];
  const found = new Map<string, ChangedRun>();
  const runStart = new Map<number, number>();
  const endRun = (key: number, open: boolean, last: number): void => {
    const f = Math.floor(key / J);
    const t = key - f * J;
    const id = `${f} ${t} ${open}`;
    let entry = found.get(id);
    if (!entry) found.set(id, (entry = { from: f, to: t, open, intervals: [] }));
    entry.intervals.push({ first: runStart.get(key)!, last });
    runStart.delete(key);
  };
  // The pairs changed at the previous interval: pair key -> whether it opened.
  let previous = new Map<number, boolean>();
  let prevInterval: { first: number; last: number } | undefined;
  for (const interval of s.axis.intervals) {
    const probe: Probe = s.axis.probe(interval.first);
    const prevLast = prevInterval?.last ?? -1;
    const apart = prevInterval === undefined || prevInterval.last + 1 !== interval.first;
    if (apart) {
      for (const [key, open] of previous) endRun(key, open, prevLast);
      previous = new Map();
    }
    o.next(probe, apart || s.axis.rewalkEach);
    n.next(probe, apart || s.axis.rewalkEach);
    const current = new Map<number, boolean>();
    const record = (f: number, t: number, was: boolean, is: boolean): void => {
      if (was !== is && !(f === t && s.single[f])) current.set(f * J + t, is);
    };
    for (const f of rows) {
      const was = o.egressJoint(f);
      const is = n.egressJoint(f);
      for (let w = 0; w < was.length; w++) {
        let candidates = (was[w]! ^ is[w]!) | ((was[w]! | is[w]!) & s.ingressColumns[w]!);
        while (candidates !== 0) {
          const low = candidates & -candidates;
          candidates ^= low;
          const t = (w << 5) + (31 - Math.clz32(low));
          const affected = hasBit(s.ingressColumns, t);
          const before = (was[w]! & low) !== 0 && o.admits(t, f);
          const after = (is[w]! & low) !== 0 && (affected ? n : o).admits(t, f);
          record(f, t, before, after);
        }
      }
    }
    for (const t of columns) {
      const was = o.ingressJoint(t);
      const is = n.ingressJoint(t);
      for (let w = 0; w < was.length; w++) {
        let candidates = (was[w]! ^ is[w]!) & ~s.egressRows[w]!;
        while (candidates !== 0) {
          const low = candidates & -candidates;
          candidates ^= low;
          const f = (w << 5) + (31 - Math.clz32(low));
          if (o.sends(f, t)) record(f, t, (was[w]! & low) !== 0, (is[w]! & low) !== 0);
        }
      }
    }
    for (const [key, open] of previous) if (current.get(key) !== open) endRun(key, open, prevLast);
    for (const [key, open] of current) if (previous.get(key) !== open) runStart.set(key, interval.first);
    previous = current;
    prevInterval = interval;
  }
  for (const [key, open] of previous) endRun(key, open, prevInterval?.last ?? -1);
  return [...found.values()];
}

function* setBits(bits: Bits): Generator<number> {
  for (let w = 0; w < bits.length; w++) {
    let word = bits[w]!;
    while (word !== 0) {
      const low = word & -word;
      word ^= low;
      yield (w << 5) + (31 - Math.clz32(low));
    }
  }
}

/**
 * One version's walks over its classes, made when first asked for at a probe and kept while the
 * probes move to the next port and the class's rules test no bound in between.
 */
class LazyWalks {
  private walk: ProbeWalk | undefined;
  private readonly egress: (Bits | undefined)[];
  private readonly ingress: (Bits | undefined)[];
  private readonly egressDone: Uint8Array;
  private readonly ingressDone: Uint8Array;
  /** Walks as sets of joint classes (egress and ingress), per class, made when asked for. */
  private readonly egressJoints: (Uint32Array | undefined)[];
  private readonly ingressJoints: (Uint32Array | undefined)[];

  constructor(
    private readonly walker: ClassWalker,
    /** The class of each joint class in this version. */
    private readonly classOf: readonly number[],
    private readonly J: number,
  ) {
    const size = walker.size;
    this.egress = new Array<Bits | undefined>(size);
    this.ingress = new Array<Bits | undefined>(size);
    this.egressDone = new Uint8Array(size);
    this.ingressDone = new Uint8Array(size);
    this.egressJoints = new Array<Uint32Array | undefined>(size);
    this.ingressJoints = new Array<Uint32Array | undefined>(size);
  }

  /** The classes whose walks are kept, per direction. */
  private egressKept: number[] = [];
  private ingressKept: number[] = [];

  /**
   * Moves to `probe`: every walk is dropped when `anew` (a probe apart from the last, or on an
   * axis without ports), else those that may change at its port (`ClassWalker.changesAtClass`,
   * asked of the kept walks only).
   */
  next(probe: Probe, anew: boolean): void {
    this.walk = this.walker.probe(probe);
    const { protocol } = probe;
    const port = probe.dstPort!;
    const drop = (kept: number[], direction: "egress" | "ingress", done: Uint8Array, joints: (Uint32Array | undefined)[]): number[] => {
      const still: number[] = [];
      for (const c of kept) {
        if (!anew && !this.walker.changesAtClass(direction, protocol, port, c)) {
          still.push(c);
          continue;
        }
        done[c] = 0;
        joints[c] = undefined;
      }
      return still;
    };
    this.egressKept = drop(this.egressKept, "egress", this.egressDone, this.egressJoints);
    this.ingressKept = drop(this.ingressKept, "ingress", this.ingressDone, this.ingressJoints);
  }

  /** Whether joint class `f`'s egress allows joint class `t`. */
  sends(f: number, t: number): boolean {
    const bits = this.egressOf(this.classOf[f]!);
    return bits === undefined || hasBit(bits, this.classOf[t]!);
  }

  /** Whether joint class `t`'s ingress admits joint class `f`. */
  admits(t: number, f: number): boolean {
    const bits = this.ingressOf(this.classOf[t]!);
    return bits === undefined || hasBit(bits, this.classOf[f]!);
  }

  /** Joint class `f`'s egress as a set of joint classes. */
  egressJoint(f: number): Uint32Array {
    const c = this.classOf[f]!;
    return (this.egressJoints[c] ??= this.overJoint(this.egressOf(c)));
  }

  /** Joint class `t`'s ingress as a set of joint classes. */
  ingressJoint(t: number): Uint32Array {
    const c = this.classOf[t]!;
    return (this.ingressJoints[c] ??= this.overJoint(this.ingressOf(c)));
  }

  private egressOf(c: number): Bits | undefined {
    if (!this.egressDone[c]) {
      this.egress[c] = this.walker.egress(c, this.walk!);
      this.egressDone[c] = 1;
      this.egressKept.push(c);
    }
    return this.egress[c];
  }

  private ingressOf(c: number): Bits | undefined {
    if (!this.ingressDone[c]) {
      this.ingress[c] = this.walker.ingress(c, this.walk!);
      this.ingressDone[c] = 1;
      this.ingressKept.push(c);
    }
    return this.ingress[c];
  }

  /** A set of this version's classes (undefined: all) as the set of their joint classes. */
  private overJoint(bits: Bits | undefined): Uint32Array {
    return preimageBits(bits, this.classOf);
  }
}
