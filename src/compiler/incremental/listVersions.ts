/**
 * Versions of a sorted list that changes a little at a time, each version readable for ever,
 * without copying the whole list per version: the IR's set members, which may hold hundreds of
 * thousands of entries while an update adds or removes a few (copying 250,000 entries takes
 * milliseconds; the whole update should).
 *
 * A version is a BASE list, shared by many versions and never changed, plus the entries added
 * to it and removed from it since (sorted, at most a few thousand). Its array is built when
 * first read (`members` is a getter on the IR set) and kept. When the differences grow past
 * about twice the square root of the list's length, the current list becomes the new base: one
 * copy per that many changes.
 */
import { compareKeys, type MemberOrder } from "./memberOrder.js";

/** A version's members, built on first read. */
export type MembersView = () => readonly string[];

function lowerBound(list: readonly string[], key: ReturnType<MemberOrder>, order: MemberOrder): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareKeys(order(list[mid]!), key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** `base` with `removed` (entries of it, in its order) taken out and `added` (sorted, absent from it) put in. */
function materialize(base: readonly string[], added: readonly string[], removed: readonly string[], order: MemberOrder): string[] {
  if (added.length === 0 && removed.length === 0) return base.slice();
  const at = added.map((m) => lowerBound(base, order(m), order));
  const out: string[] = [];
  let r = 0;
  let a = 0;
  for (let i = 0; i < base.length; i++) {
    while (a < added.length && at[a] === i) out.push(added[a++]!);
    const m = base[i]!;
    if (r < removed.length && removed[r] === m) r++;
    else out.push(m);
  }
  while (a < added.length) out.push(added[a++]!);
  return out;
}

export class ListVersions {
  private base: readonly string[] = [];
  private added: string[] = [];
  private removed: string[] = [];

  constructor(private readonly order: MemberOrder) {}

  /** Starts over from `list` (taken as is: the caller never changes it again). */
  reset(list: readonly string[]): void {
    this.base = list;
    this.added = [];
    this.removed = [];
  }

  /**
   * The list changed: `added` entries were absent and `removed` ones present, each in order.
   * `current` is the whole list as it now is (copied when it becomes the base).
   */
  change(added: readonly string[], removed: readonly string[], current: readonly string[]): void {
    for (const m of removed) {
      const i = this.indexIn(this.added, m);
      if (i >= 0) this.added.splice(i, 1);
      else this.removed.splice(lowerBound(this.removed, this.order(m), this.order), 0, m);
    }
    for (const m of added) {
      const i = this.indexIn(this.removed, m);
      if (i >= 0) this.removed.splice(i, 1);
      else this.added.splice(lowerBound(this.added, this.order(m), this.order), 0, m);
    }
    const limit = Math.max(32, 2 * Math.sqrt(this.base.length));
    if (this.added.length + this.removed.length > limit) this.reset(current.slice());
  }

  private indexIn(list: readonly string[], m: string): number {
    if (list.length === 0) return -1;
    const i = lowerBound(list, this.order(m), this.order);
    return list[i] === m ? i : -1;
  }

  /** The current version. */
  view(): MembersView {
    const { base, order } = this;
    const added = this.added.slice();
    const removed = this.removed.slice();
    let built: readonly string[] | undefined = added.length === 0 && removed.length === 0 ? base : undefined;
    return () => (built ??= materialize(base, added, removed, order));
  }
}
