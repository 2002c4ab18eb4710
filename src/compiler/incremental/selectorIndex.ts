/**
 * An index of selectors for the other direction of selection: given a member's labels, which
 * selectors may match it, without trying every selector.
 *
 * Each selector gets ANCHORS, labels a member must carry (with a given value, or any value) for
 * the selector to match it: `a == "x"` needs a=x, `has(a)` needs a, an AND needs what any one
 * operand needs, an OR what one of its operands needs. Selectors that can match by the absence
 * of labels (`!has(a)`, `a != "x"`, `a not in {}`, `all()`, any negation) have no anchors: they
 * are candidates for every member. For a change of labels, the selectors that READ a changed
 * label are the ones whose result may change.
 */
import type { Labels, Selector } from "../../model/types.js";
import { labelValue, selectorLabels } from "../../model/selector/index.js";
import { ORCHESTRATOR_LABEL } from "../../calico/index.js";

/** A label a member must carry: with `value`, or any value when it is undefined. */
export interface Anchor {
  readonly label: string;
  readonly value?: string;
}

/**
 * How many members an anchor is expected to let through, to pick among an AND's operands: a
 * value is selective, except the orchestrator label's, which the compiler puts at the head of
 * every Kubernetes selector and every pod carries; any value is not.
 */
function cost(anchors: readonly Anchor[]): number {
  let n = 0;
  for (const a of anchors) n += a.value === undefined ? 100 : a.label === ORCHESTRATOR_LABEL ? 1000 : 1;
  return n;
}

/**
 * Labels one of which any member matching `s` carries; undefined when `s` can match a member
 * by what it lacks. An empty list: `s` matches nothing (`a in {}`, an empty OR).
 */
export function selectorAnchors(s: Selector): readonly Anchor[] | undefined {
  switch (s.kind) {
    case "eq":
      return [{ label: s.label, value: s.value }];
    case "in":
      return s.values.map((value) => ({ label: s.label, value }));
    case "has":
    case "contains":
    case "startsWith":
    case "endsWith":
      return [{ label: s.label }];
    case "and": {
      let best: readonly Anchor[] | undefined;
      for (const op of s.operands) {
        const a = selectorAnchors(op);
        if (a !== undefined && (best === undefined || cost(a) < cost(best))) best = a;
      }
      return best;
    }
    case "or": {
      const out: Anchor[] = [];
      for (const op of s.operands) {
        const a = selectorAnchors(op);
        if (a === undefined) return undefined;
        out.push(...a);
      }
      return out;
    }
    default:
      return undefined;
  }
}

export interface IndexedSelector<T> {
  readonly id: string;
  readonly selector: Selector;
  readonly value: T;
  readonly anchors: readonly Anchor[] | undefined;
  readonly reads: readonly string[];
  /** Visit stamp, so that one lookup reports an entry once. */
  seen: number;
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, v: V): void {
  let s = map.get(key);
  if (!s) map.set(key, (s = new Set()));
  s.add(v);
}

function removeFrom<K, V>(map: Map<K, Set<V>>, key: K, v: V): void {
  const s = map.get(key);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) map.delete(key);
}

export class SelectorIndex<T> {
  private readonly entries = new Map<string, IndexedSelector<T>>();
  /** label -> value -> entries anchored on that value. */
  private readonly byValue = new Map<string, Map<string, Set<IndexedSelector<T>>>>();
  /** label -> entries anchored on any value of it. */
  private readonly byLabel = new Map<string, Set<IndexedSelector<T>>>();
  private readonly unanchored = new Set<IndexedSelector<T>>();
  /** label -> entries reading it. */
  private readonly readers = new Map<string, Set<IndexedSelector<T>>>();
  private stamp = 0;

  get size(): number {
    return this.entries.size;
  }

  get(id: string): IndexedSelector<T> | undefined {
    return this.entries.get(id);
  }

  values(): IterableIterator<IndexedSelector<T>> {
    return this.entries.values();
  }

  /** Adds (or replaces) the selector under `id`. */
  add(id: string, selector: Selector, value: T): IndexedSelector<T> {
    this.remove(id);
    const e: IndexedSelector<T> = { id, selector, value, anchors: selectorAnchors(selector), reads: selectorLabels(selector), seen: 0 };
    this.entries.set(id, e);
    if (e.anchors === undefined) this.unanchored.add(e);
    else {
      for (const a of e.anchors) {
        if (a.value === undefined) addTo(this.byLabel, a.label, e);
        else {
          let byValue = this.byValue.get(a.label);
          if (!byValue) this.byValue.set(a.label, (byValue = new Map()));
          addTo(byValue, a.value, e);
        }
      }
    }
    for (const l of e.reads) addTo(this.readers, l, e);
    return e;
  }

  remove(id: string): void {
    const e = this.entries.get(id);
    if (!e) return;
    this.entries.delete(id);
    if (e.anchors === undefined) this.unanchored.delete(e);
    else {
      for (const a of e.anchors) {
        if (a.value === undefined) removeFrom(this.byLabel, a.label, e);
        else {
          const byValue = this.byValue.get(a.label);
          if (byValue) {
            removeFrom(byValue, a.value, e);
            if (byValue.size === 0) this.byValue.delete(a.label);
          }
        }
      }
    }
    for (const l of e.reads) removeFrom(this.readers, l, e);
  }

  /** Calls `visit` once for every selector that may match a member with these labels. */
  candidates(labels: Labels, visit: (e: IndexedSelector<T>) => void): void {
    const stamp = ++this.stamp;
    const once = (e: IndexedSelector<T>): void => {
      if (e.seen === stamp) return;
      e.seen = stamp;
      visit(e);
    };
    for (const e of this.unanchored) once(e);
    for (const label in labels) {
      const any = this.byLabel.get(label);
      if (any) for (const e of any) once(e);
      const byValue = this.byValue.get(label);
      const v = labelValue(labels, label);
      const exact = byValue && v !== undefined ? byValue.get(v) : undefined;
      if (exact) for (const e of exact) once(e);
    }
  }

  /** Calls `visit` once for every selector reading one of `labels`. */
  readersOf(labels: Iterable<string>, visit: (e: IndexedSelector<T>) => void): void {
    const stamp = ++this.stamp;
    for (const l of labels) {
      const rs = this.readers.get(l);
      if (!rs) continue;
      for (const e of rs) {
        if (e.seen === stamp) continue;
        e.seen = stamp;
        visit(e);
      }
    }
  }
}

/** The labels whose values differ between two label sets. */
export function changedLabels(before: Labels, after: Labels): string[] {
  const out: string[] = [];
  for (const k in before) if (labelValue(after, k) !== labelValue(before, k)) out.push(k);
  for (const k in after) if (labelValue(before, k) === undefined && labelValue(after, k) !== undefined) out.push(k);
  return out;
}
