/**
 * A multiset of set members kept as a sorted list of distinct members (plus the counts of the
 * few members that come more than once: two endpoints with one address, a network set holding
 * a pod's address). Changes arrive as count deltas per member; what enters or leaves the list
 * is reported, in order.
 *
 * A few changes go in by binary search and splice; many (more than a sixteenth of the list) by
 * one merge. The list is mutated in place: whoever hands it out copies it.
 */
import { compareKeys, type MemberOrder, type SortKey, sortMembers } from "./memberOrder.js";

export interface MembersChange {
  /** Members that were absent and are now present, in order. */
  readonly entered: readonly string[];
  /** Members that were present and are now absent, in order. */
  readonly left: readonly string[];
}

export class SortedMembers {
  /** The distinct members, in order. */
  list: string[] = [];
  /** Copies beyond the first, for members present more than once. */
  private readonly extra = new Map<string, number>();

  constructor(readonly order: MemberOrder) {}

  /** Index of the first member whose key is not below `key`. */
  lowerBound(key: SortKey): number {
    let lo = 0;
    let hi = this.list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareKeys(this.order(this.list[mid]!), key) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  has(member: string): boolean {
    const i = this.lowerBound(this.order(member));
    return this.list[i] === member;
  }

  /** How many times `member` is present. */
  count(member: string): number {
    return this.has(member) ? 1 + (this.extra.get(member) ?? 0) : 0;
  }

  /** Applies count deltas (a count never goes below zero). */
  apply(deltas: ReadonlyMap<string, number>): MembersChange {
    const entered: string[] = [];
    const left: string[] = [];
    for (const [m, d] of deltas) {
      if (d === 0) continue;
      const before = this.count(m);
      const after = before + d;
      if (after < 0) throw new Error(`set member ${m} removed more often than added`);
      if (after > 1) this.extra.set(m, after - 1);
      else this.extra.delete(m);
      if (before === 0 && after > 0) entered.push(m);
      else if (before > 0 && after === 0) left.push(m);
    }
    const enteredSorted = entered.length > 1 ? sortMembers(entered, this.order) : entered;
    const leftSorted = left.length > 1 ? sortMembers(left, this.order) : left;
    if ((entered.length + left.length) * 16 <= this.list.length) this.splice(enteredSorted, leftSorted);
    else this.merge(enteredSorted, leftSorted);
    return { entered: enteredSorted, left: leftSorted };
  }

  /** Replaces the whole multiset. */
  reset(members: readonly string[]): void {
    this.extra.clear();
    const counts = new Map<string, number>();
    for (const m of members) counts.set(m, (counts.get(m) ?? 0) + 1);
    for (const [m, n] of counts) if (n > 1) this.extra.set(m, n - 1);
    const sorted = sortMembers([...counts.keys()], this.order);
    this.list.length = 0;
    for (const m of sorted) this.list.push(m);
  }

  /**
   * Replaces the whole multiset with `distinct` (in order, each once; the list is taken as is)
   * and `copies` (copies beyond the first).
   */
  resetSorted(distinct: string[], copies: ReadonlyMap<string, number>): void {
    this.extra.clear();
    for (const [m, n] of copies) this.extra.set(m, n);
    this.list = distinct;
  }

  private splice(entered: readonly string[], left: readonly string[]): void {
    for (const m of left) this.list.splice(this.lowerBound(this.order(m)), 1);
    for (const m of entered) this.list.splice(this.lowerBound(this.order(m)), 0, m);
  }

  private merge(entered: readonly string[], left: readonly string[]): void {
    const gone = new Set(left);
    const old = this.list.splice(0, this.list.length);
    let e = 0;
    let eKey = e < entered.length ? this.order(entered[e]!) : undefined;
    for (const m of old) {
      if (gone.has(m)) continue;
      if (eKey !== undefined) {
        const key = this.order(m);
        while (eKey !== undefined && compareKeys(eKey, key) < 0) {
          this.list.push(entered[e++]!);
          eKey = e < entered.length ? this.order(entered[e]!) : undefined;
        }
      }
      this.list.push(m);
    }
    while (e < entered.length) this.list.push(entered[e++]!);
  }
}
