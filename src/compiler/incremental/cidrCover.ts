/**
 * The aggregated members of a `net` set (what aggregateCidrs makes of them), kept up to date as
 * members come and go, without re-reading the whole set.
 *
 * The cover is the minimal list of CIDR blocks whose union is the members' union, in address
 * order: each maximal interval ("component") of the union, split greedily into the largest
 * aligned blocks. That split is unique, so the blocks of one component can be recomputed on
 * their own, and a change touches one component (or a few): adding a CIDR merges the
 * components it touches; removing one re-covers the components it overlaps, keeping what lies
 * outside it and taking what lies inside from the members inside it (CIDRs are nested or
 * disjoint, so no other member overlaps it without containing it). A component has at most
 * 2 * bits blocks.
 *
 * The raw members are a `SortedMembers` in address order (see memberOrder.ts), already changed
 * when the cover is told.
 */
import { cidrInterval, formatCidr, type Interval } from "../passes/cidrMath.js";
import { addressOrder } from "./memberOrder.js";
import type { SortedMembers } from "./sortedMembers.js";
import type { Family } from "../ir/types.js";

/** Net count change per block text (+1 added, -1 removed, 0 both). */
export type CoverLog = Map<string, number>;

const interval = (cidr: string): Interval => cidrInterval(cidr).interval;

function prefixOf(cidr: string, bits: number): number {
  const slash = cidr.indexOf("/");
  return slash < 0 ? bits : Number(cidr.slice(slash + 1));
}

/** The greedy split of [start, end] into the largest aligned blocks. */
function blocks(start: bigint, end: bigint, bits: 32 | 128): string[] {
  const out: string[] = [];
  let cur = start;
  while (cur <= end) {
    let size = 1n;
    let prefix = bits;
    while (prefix > 0 && cur % (size << 1n) === 0n && cur + (size << 1n) - 1n <= end) {
      size <<= 1n;
      prefix--;
    }
    out.push(formatCidr(cur, prefix, bits));
    cur += size;
  }
  return out;
}

export class CidrCover {
  /** The blocks, in address order: what the IR lists. */
  readonly blocks: string[] = [];
  private readonly bits: 32 | 128;

  constructor(
    readonly family: Family,
    /** The members (address order), shared with the set. */
    private readonly raw: SortedMembers,
  ) {
    this.bits = family === 4 ? 32 : 128;
  }

  /** Index of the last block starting at or before `x`, or -1. */
  private lastStartAtMost(x: bigint): number {
    let lo = 0;
    let hi = this.blocks.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (interval(this.blocks[mid]!).start <= x) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** Whether block i and block i + 1 are adjacent (one component). */
  private adjacent(i: number): boolean {
    return interval(this.blocks[i]!).end + 1n === interval(this.blocks[i + 1]!).start;
  }

  /** Replaces blocks lo..hi (inclusive; hi = lo - 1 inserts) with the split of `pieces`. */
  private replace(lo: number, hi: number, pieces: readonly Interval[], log: CoverLog): void {
    const added: string[] = [];
    for (const p of pieces) for (const b of blocks(p.start, p.end, this.bits)) added.push(b);
    const removed = this.blocks.splice(lo, hi - lo + 1, ...added);
    for (const b of removed) log.set(b, (log.get(b) ?? 0) - 1);
    for (const b of added) log.set(b, (log.get(b) ?? 0) + 1);
  }

  /** Rebuilds the cover from the members (after `aggregate`, which does the same in one pass). */
  reset(cover: readonly string[]): void {
    this.blocks.length = 0;
    for (const b of cover) this.blocks.push(b);
  }

  /** `cidr` has become a member (it was absent). */
  added(cidr: string, log: CoverLog): void {
    const c = interval(cidr);
    const i = this.lastStartAtMost(c.start);
    if (i >= 0 && interval(this.blocks[i]!).end >= c.end) return;
    // The blocks overlapping or adjacent to [start, end], then their whole components.
    let lo = i >= 0 && interval(this.blocks[i]!).end + 1n >= c.start ? i : i + 1;
    let hi = this.lastStartAtMost(c.end + 1n);
    let start = c.start;
    let end = c.end;
    if (lo <= hi) {
      while (lo > 0 && this.adjacent(lo - 1)) lo--;
      while (hi < this.blocks.length - 1 && this.adjacent(hi)) hi++;
      const first = interval(this.blocks[lo]!).start;
      const last = interval(this.blocks[hi]!).end;
      if (first < start) start = first;
      if (last > end) end = last;
    }
    this.replace(lo, hi, [{ start, end }], log);
  }

  /**
   * `cidr` is no longer a member (no copy of it is left). `wideMembers`: whether any member left
   * is wider than one address. Removals of one flush come in address order, before additions.
   */
  removed(cidr: string, log: CoverLog, wideMembers: boolean): void {
    const c = interval(cidr);
    const prefix = prefixOf(cidr, this.bits);
    // A wider member still covers it: nothing changes.
    if (wideMembers) {
      for (let p = prefix - 1; p >= 0; p--) {
        const size = 1n << BigInt(this.bits - p);
        if (this.raw.has(formatCidr((c.start / size) * size, p, this.bits))) return;
      }
    }
    // What of [start, end] other members still cover: the members inside it.
    const inside: Interval[] = [];
    if (prefix < this.bits) {
      // In address order, the members inside it follow where it was (no wider one is left).
      for (let k = this.raw.lowerBound(addressOrder(this.family)(cidr)); k < this.raw.list.length; k++) {
        const m = interval(this.raw.list[k]!);
        if (m.start > c.end) break;
        const top = inside[inside.length - 1];
        if (top && m.start <= top.end + 1n) {
          if (m.end > top.end) top.end = m.end;
        } else inside.push({ start: m.start, end: m.end });
      }
    }
    // The blocks it overlaps, then their whole components. None when a wider member removed in
    // the same flush (removals go in address order, so wider ones first) took them away.
    const i = this.lastStartAtMost(c.start);
    let lo = i >= 0 && interval(this.blocks[i]!).end >= c.start ? i : i + 1;
    let hi = this.lastStartAtMost(c.end);
    if (lo > hi) return;
    while (lo > 0 && this.adjacent(lo - 1)) lo--;
    while (hi < this.blocks.length - 1 && this.adjacent(hi)) hi++;
    const first = interval(this.blocks[lo]!).start;
    const last = interval(this.blocks[hi]!).end;
    const pieces: Interval[] = [];
    const push = (p: Interval): void => {
      const top = pieces[pieces.length - 1];
      if (top && p.start <= top.end + 1n) {
        if (p.end > top.end) top.end = p.end;
      } else pieces.push({ ...p });
    };
    if (first < c.start) push({ start: first, end: c.start - 1n });
    for (const p of inside) push(p);
    if (c.end < last) push({ start: c.end + 1n, end: last });
    this.replace(lo, hi, pieces, log);
  }
}
