/**
 * Members' labels as COLUMNS, for evaluating selectors over hundreds of thousands of members
 * without trying each selector on each member's label set.
 *
 * Members are slots 0..n-1 (a slot is live or free). A column holds one label for every slot,
 * as a value id (the label's distinct values are numbered), built the first time a selector
 * reads the label: selectors read a few of the many labels members carry. Columns follow the
 * slots' changes (`added`, `changed`, `removed`); `valueOf` gives a slot's label.
 *
 * A selector is evaluated leaf by leaf: a leaf reads one label, so its result is a function of
 * that label's value, computed once per distinct value with `labelTestMatches` (the evaluator's
 * own semantics of a leaf) as a TABLE over value ids, absent first. The selector is first narrowed to CANDIDATES: a leaf whose
 * absent label fails gives the slots holding the values its table accepts (slots grouped by
 * value, built on demand); an AND takes its smallest operand's, an OR the union of its
 * operands'. Negations give no narrowing, nor do candidates of more than a quarter of the
 * slots (testing every slot is cheaper): then every live slot is a candidate. Each candidate is
 * then tested on the whole selector through the tables.
 */
import type { Selector } from "../../model/types.js";
import { labelTestMatches, labelTestValues, type LabelTest } from "../../model/selector/index.js";
import { assertNever } from "../../diagnostics/assertNever.js";

/** A slot's value of a label, or undefined when it lacks the label. */
export type ValueOf = (slot: number, label: string) => string | undefined;

interface Column {
  /** Per slot: value id, or -1 (the slot lacks the label, or is free). */
  ids: Int32Array;
  readonly values: string[];
  readonly index: Map<string, number>;
  /** Per value id: how many live slots have it. */
  readonly counts: number[];
  /** Live slots grouped by value id, each group ascending (value v's at `starts[v]..starts[v + 1]`); undefined when stale. */
  groups: { readonly slots: Int32Array; readonly starts: Int32Array } | undefined;
}

/** A leaf's result per value id, shifted by one: index 0 is the absent label. */
type LeafTable = Uint8Array;

type Test = (slot: number) => boolean;

type Leaf = LabelTest;

const ALWAYS: Test = () => true;

/** Whether the selector reads one label (and nothing else). */
function isLeaf(s: Selector): s is Leaf {
  return "label" in s;
}

/** Ascending distinct union of ascending lists. */
function union(lists: readonly Int32Array[]): Int32Array {
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  const out = new Int32Array(total);
  let w = 0;
  for (const l of lists) {
    out.set(l, w);
    w += l.length;
  }
  out.sort();
  w = 0;
  for (let r = 0; r < out.length; r++) if (r === 0 || out[r] !== out[r - 1]) out[w++] = out[r]!;
  return out.subarray(0, w);
}

export class LabelColumns {
  private live: Uint8Array;
  /** Slots below this bound may be live. */
  private count = 0;
  private readonly columns = new Map<string, Column>();
  /** Leaf tables, per leaf object (a leaf always reads the same label). */
  private readonly tables = new WeakMap<Selector, LeafTable>();
  private scratch = new Int32Array(0);

  /** `capacity`: slots to make room for at once. */
  constructor(
    private readonly valueOf: ValueOf,
    capacity = 16,
  ) {
    this.live = new Uint8Array(Math.max(16, capacity));
  }

  /** A slot became live (with the labels `valueOf` now gives). */
  added(slot: number): void {
    if (slot >= this.live.length) this.grow(slot + 1);
    this.live[slot] = 1;
    if (slot >= this.count) this.count = slot + 1;
    if (this.columns.size > 0) for (const [label, col] of this.columns) this.assign(col, slot, this.valueOf(slot, label));
  }

  /** A live slot's labels may have changed. */
  changed(slot: number): void {
    for (const [label, col] of this.columns) this.assign(col, slot, this.valueOf(slot, label));
  }

  /** A slot became free. */
  removed(slot: number): void {
    this.live[slot] = 0;
    for (const col of this.columns.values()) this.assign(col, slot, undefined);
  }

  private grow(min: number): void {
    let size = this.live.length;
    while (size < min) size *= 2;
    const live = new Uint8Array(size);
    live.set(this.live);
    this.live = live;
    for (const col of this.columns.values()) {
      const ids = new Int32Array(size).fill(-1);
      ids.set(col.ids);
      col.ids = ids;
    }
  }

  private assign(col: Column, slot: number, value: string | undefined): void {
    let id = -1;
    if (value !== undefined) {
      id = col.index.get(value) ?? -1;
      if (id < 0) {
        id = col.values.length;
        col.values.push(value);
        col.index.set(value, id);
        col.counts.push(0);
      }
    }
    const before = col.ids[slot]!;
    if (before === id) return;
    if (before >= 0) col.counts[before]!--;
    if (id >= 0) col.counts[id]!++;
    col.ids[slot] = id;
    col.groups = undefined;
  }

  private column(label: string): Column {
    let col = this.columns.get(label);
    if (!col) {
      this.prepare([label]);
      col = this.columns.get(label)!;
    }
    return col;
  }

  /**
   * Builds the columns of the labels not indexed yet, in one pass over the slots: reading a
   * member's labels is a cache miss, so each member is visited once for all of them.
   */
  prepare(labels: Iterable<string>): void {
    const fresh: [string, Column][] = [];
    for (const label of labels) {
      if (this.columns.has(label) || fresh.some(([l]) => l === label)) continue;
      fresh.push([label, { ids: new Int32Array(this.live.length).fill(-1), values: [], index: new Map(), counts: [], groups: undefined }]);
    }
    if (fresh.length === 0) return;
    for (let slot = 0; slot < this.count; slot++) {
      if (this.live[slot] !== 1) continue;
      for (const [label, col] of fresh) this.assign(col, slot, this.valueOf(slot, label));
    }
    for (const [label, col] of fresh) this.columns.set(label, col);
  }

  private groups(col: Column): { readonly slots: Int32Array; readonly starts: Int32Array } {
    if (col.groups) return col.groups;
    // A counting sort by value id: slots stay ascending within each group.
    const starts = new Int32Array(col.values.length + 1);
    for (let v = 0; v < col.counts.length; v++) starts[v + 1] = starts[v]! + col.counts[v]!;
    const next = starts.slice(0, col.values.length);
    const slots = new Int32Array(starts[col.values.length]!);
    const { ids } = col;
    for (let slot = 0; slot < this.count; slot++) {
      const id = ids[slot]!;
      if (id >= 0) slots[next[id]!++] = slot;
    }
    return (col.groups = { slots, starts });
  }

  /** The leaf's table over the column's current values. */
  private table(leaf: Leaf, col: Column): LeafTable {
    const t = this.tables.get(leaf);
    if (t && t.length === col.values.length + 1) return t;
    const next = new Uint8Array(col.values.length + 1);
    const only = labelTestValues(leaf);
    if (only) {
      // Only these values can pass: looked up, not every value tried.
      next[0] = labelTestMatches(leaf, undefined) ? 1 : 0;
      for (const v of only) {
        const id = col.index.get(v);
        if (id !== undefined && labelTestMatches(leaf, v)) next[id + 1] = 1;
      }
    } else {
      if (t) next.set(t);
      else next[0] = labelTestMatches(leaf, undefined) ? 1 : 0;
      for (let v = t ? t.length - 1 : 0; v < col.values.length; v++) next[v + 1] = labelTestMatches(leaf, col.values[v]!) ? 1 : 0;
    }
    this.tables.set(leaf, next);
    return next;
  }

  /** The value ids the leaf's table passes, ascending (looked up when the leaf names its values). */
  private passing(leaf: Leaf, col: Column, t: LeafTable): number[] {
    const out: number[] = [];
    const only = labelTestValues(leaf);
    if (only) {
      for (const v of only) {
        const id = col.index.get(v);
        if (id !== undefined && t[id + 1] === 1) out.push(id);
      }
      return out.sort((a, b) => a - b).filter((id, k) => k === 0 || id !== out[k - 1]);
    }
    for (let v = 0; v < col.values.length; v++) if (t[v + 1] === 1) out.push(v);
    return out;
  }

  /** The selector as a test of one slot, through the leaf tables. */
  private test(s: Selector): Test {
    switch (s.kind) {
      case "has":
      case "eq":
      case "ne":
      case "contains":
      case "startsWith":
      case "endsWith":
      case "in":
      case "notIn": {
        const col = this.column(s.label);
        const t = this.table(s, col);
        const ids = col.ids;
        return (slot) => t[ids[slot]! + 1] === 1;
      }
      case "all":
      case "global":
        return ALWAYS;
      case "not": {
        const f = this.test(s.operand);
        return (slot) => !f(slot);
      }
      case "and": {
        const fs = s.operands.map((o) => this.test(o));
        if (fs.length === 1) return fs[0]!;
        return (slot) => {
          for (const f of fs) if (!f(slot)) return false;
          return true;
        };
      }
      case "or": {
        const fs = s.operands.map((o) => this.test(o));
        if (fs.length === 1) return fs[0]!;
        return (slot) => {
          for (const f of fs) if (f(slot)) return true;
          return false;
        };
      }
      default:
        return assertNever(s, "selector");
    }
  }

  /** An upper bound on the candidates' count; undefined where there is no narrowing. */
  private estimate(s: Selector): number | undefined {
    if (isLeaf(s)) {
      const col = this.column(s.label);
      const t = this.table(s, col);
      if (t[0] === 1) return undefined;
      let n = 0;
      const only = labelTestValues(s);
      if (only) {
        // Summed per listed value: a value listed twice counts twice (an upper bound is enough).
        for (const v of only) {
          const id = col.index.get(v);
          if (id !== undefined && t[id + 1] === 1) n += col.counts[id]!;
        }
      } else for (let v = 0; v < col.counts.length; v++) if (t[v + 1] === 1) n += col.counts[v]!;
      return n;
    }
    switch (s.kind) {
      case "and": {
        let best: number | undefined;
        for (const op of s.operands) {
          const e = this.estimate(op);
          if (e !== undefined && (best === undefined || e < best)) best = e;
        }
        return best;
      }
      case "or": {
        let n = 0;
        for (const op of s.operands) {
          const e = this.estimate(op);
          if (e === undefined) return undefined;
          n += e;
        }
        return n;
      }
      default:
        return undefined;
    }
  }

  /** Whether so many candidates would cost more to gather (a union, a sort) than testing every slot. */
  private wide(estimate: number | undefined): boolean {
    return estimate === undefined || estimate * 4 > this.count;
  }

  /** Ascending slots that include every match; undefined: every live slot is a candidate. */
  private candidates(s: Selector): Int32Array | undefined {
    if (isLeaf(s)) {
      const col = this.column(s.label);
      const t = this.table(s, col);
      if (t[0] === 1 || this.wide(this.estimate(s))) return undefined;
      const { slots, starts } = this.groups(col);
      const lists: Int32Array[] = [];
      for (const v of this.passing(s, col, t)) if (starts[v + 1]! > starts[v]!) lists.push(slots.subarray(starts[v]!, starts[v + 1]!));
      return lists.length === 0 ? new Int32Array(0) : union(lists);
    }
    switch (s.kind) {
      case "and": {
        // Only the operand with the smallest estimate is built; the test checks the others.
        let best: Selector | undefined;
        let size = Infinity;
        for (const op of s.operands) {
          const e = this.estimate(op);
          if (e !== undefined && e < size) {
            best = op;
            size = e;
            if (e === 0) break;
          }
        }
        return best && !this.wide(size) ? this.candidates(best) : undefined;
      }
      case "or": {
        const lists: Int32Array[] = [];
        for (const op of s.operands) {
          const c = this.candidates(op);
          if (!c) return undefined;
          if (c.length > 0) lists.push(c);
        }
        return lists.length === 0 ? new Int32Array(0) : union(lists);
      }
      default:
        return undefined;
    }
  }

  /** The live slots whose labels match `selector`, ascending. */
  select(selector: Selector): Int32Array {
    const c = this.candidates(selector);
    const test = this.test(selector);
    // Matches go to a scratch list kept between calls, then to a list of their exact length.
    const bound = c ? c.length : this.count;
    if (this.scratch.length < bound) this.scratch = new Int32Array(Math.max(bound, this.scratch.length * 2));
    const out = this.scratch;
    let n = 0;
    if (c) {
      for (let k = 0; k < c.length; k++) if (test(c[k]!)) out[n++] = c[k]!;
    } else {
      const { live } = this;
      for (let slot = 0; slot < this.count; slot++) if (live[slot] === 1 && test(slot)) out[n++] = slot;
    }
    return out.slice(0, n);
  }
}
