/**
 * An inverted index from labels to the members (endpoints, network sets) that carry them, so that
 * a selector is evaluated without trying it against every one of (up to hundreds of thousands
 * of) members.
 *
 * Evaluation first narrows a selector to CANDIDATES using posting lists: `==`, `in`, `has` and
 * the string operators (`contains`, `starts with`, `ends with`, tested once per distinct VALUE of
 * the label) give exact lists; an AND takes its smallest operand list; an OR unions its operands'
 * lists. Negations (`!`, `!=`, `not in`) give no narrowing. The selector is then checked against
 * the candidates only (all members when nothing narrows it, e.g. a pure negation).
 */
import type { Labels, Selector } from "../../model/types.js";
import { labelValue, selectorMatches } from "../../model/selector/index.js";

export interface LabelIndex {
  readonly labels: readonly Labels[];
  /**
   * key -> value -> ascending member indices, built for one key the first time a selector asks
   * for it: selectors name a few of the many keys members carry (Calico's automatic and
   * inherited labels), so most keys are never indexed.
   */
  readonly postings: Map<string, ReadonlyMap<string, readonly number[]>>;
  /** key -> members carrying it (the union of its postings), built on first use. */
  readonly holders: Map<string, ArrayLike<number>>;
}

/** An index over `labels[i]` for member i (postings are built lazily, per key). */
export function buildLabelIndex(labels: readonly Labels[]): LabelIndex {
  return { labels, postings: new Map(), holders: new Map() };
}

/** The postings of one key. Label sets are plain objects: an own label is a string property. */
function postingsOf(index: LabelIndex, key: string): ReadonlyMap<string, readonly number[]> {
  let byValue = index.postings.get(key);
  if (!byValue) {
    const built = new Map<string, number[]>();
    const { labels } = index;
    for (let i = 0; i < labels.length; i++) {
      const v = labelValue(labels[i]!, key);
      if (v === undefined) continue;
      const list = built.get(v);
      if (list) list.push(i);
      else built.set(v, [i]);
    }
    index.postings.set(key, (byValue = built));
  }
  return byValue;
}

/** Candidate list and whether it is exactly the match set; `undefined` means "every member". */
interface Candidates {
  readonly list: ArrayLike<number>;
  readonly exact: boolean;
}

const EMPTY: ArrayLike<number> = [];

/**
 * Sorted union of ascending lists over members 0..n-1: a typed-array sort (no comparator
 * calls), or for a union of a large part of the members, one mark per member and a scan.
 */
function unionSorted(lists: readonly ArrayLike<number>[], n: number): ArrayLike<number> {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0]!;
  let total = 0;
  for (const l of lists) total += l.length;
  if (total * 8 > n) {
    const mark = new Uint8Array(n);
    let count = 0;
    for (const l of lists) {
      for (let i = 0; i < l.length; i++) {
        const m = l[i]!;
        if (mark[m] === 0) {
          mark[m] = 1;
          count++;
        }
      }
    }
    const out = new Int32Array(count);
    let w = 0;
    for (let m = 0; m < n; m++) if (mark[m] === 1) out[w++] = m;
    return out;
  }
  const out = new Int32Array(total);
  let w = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) out[w++] = l[i]!;
  out.sort();
  w = 0;
  for (let r = 0; r < out.length; r++) if (r === 0 || out[r] !== out[r - 1]) out[w++] = out[r]!;
  return out.subarray(0, w);
}

/** Members carrying `key` at all (memoized: `has(...)` recurs in many selectors). */
function holdersOf(index: LabelIndex, key: string): ArrayLike<number> {
  let h = index.holders.get(key);
  if (!h) index.holders.set(key, (h = unionSorted([...postingsOf(index, key).values()], index.labels.length)));
  return h;
}

function valuePredicate(s: Selector): ((v: string) => boolean) | undefined {
  switch (s.kind) {
    case "contains":
      return (v) => v.includes(s.value);
    case "startsWith":
      return (v) => v.startsWith(s.value);
    case "endsWith":
      return (v) => v.endsWith(s.value);
    default:
      return undefined;
  }
}

/**
 * An upper bound on the candidate list's length without building it (sums of posting lengths);
 * `undefined` where there is no narrowing. Lets an AND build only its most selective operand.
 */
function estimate(index: LabelIndex, s: Selector): number | undefined {
  switch (s.kind) {
    case "has":
      return index.holders.get(s.label)?.length ?? sumOf(index, s.label, () => true);
    case "eq":
      return postingsOf(index, s.label).get(s.value)?.length ?? 0;
    case "in": {
      const byValue = postingsOf(index, s.label);
      let n = 0;
      for (const v of s.values) n += byValue.get(v)?.length ?? 0;
      return n;
    }
    case "contains":
    case "startsWith":
    case "endsWith":
      return sumOf(index, s.label, valuePredicate(s)!);
    case "and": {
      let best: number | undefined;
      for (const op of s.operands) {
        const e = estimate(index, op);
        if (e !== undefined && (best === undefined || e < best)) best = e;
      }
      return best;
    }
    case "or": {
      let n = 0;
      for (const op of s.operands) {
        const e = estimate(index, op);
        if (e === undefined) return undefined;
        n += e;
      }
      return n;
    }
    default:
      return undefined;
  }
}

function sumOf(index: LabelIndex, key: string, pred: (v: string) => boolean): number {
  let n = 0;
  for (const [v, l] of postingsOf(index, key)) if (pred(v)) n += l.length;
  return n;
}

function candidates(index: LabelIndex, s: Selector): Candidates | undefined {
  const n = index.labels.length;
  const byValues = (key: string, pred: (v: string) => boolean): Candidates => {
    const lists: ArrayLike<number>[] = [];
    for (const [v, l] of postingsOf(index, key)) if (pred(v)) lists.push(l);
    return { list: unionSorted(lists, n), exact: true };
  };
  switch (s.kind) {
    case "has":
      return { list: holdersOf(index, s.label), exact: true };
    case "eq":
      return { list: postingsOf(index, s.label).get(s.value) ?? EMPTY, exact: true };
    case "in": {
      const byValue = postingsOf(index, s.label);
      const lists = s.values.flatMap((v) => {
        const l = byValue.get(v);
        return l ? [l] : [];
      });
      return { list: unionSorted(lists, n), exact: true };
    }
    case "contains":
    case "startsWith":
    case "endsWith":
      return byValues(s.label, valuePredicate(s)!);
    case "and": {
      // Only the operand with the smallest estimate is built; the others are checked per candidate.
      let best: Selector | undefined;
      let bestSize = Infinity;
      for (const op of s.operands) {
        const e = estimate(index, op);
        if (e !== undefined && e < bestSize) {
          best = op;
          bestSize = e;
          if (e === 0) break;
        }
      }
      const c = best && candidates(index, best);
      return c && { list: c.list, exact: c.exact && s.operands.length === 1 };
    }
    case "or": {
      const parts: Candidates[] = [];
      for (const op of s.operands) {
        const c = candidates(index, op);
        if (!c) return undefined;
        parts.push(c);
      }
      return { list: unionSorted(parts.map((p) => p.list), n), exact: parts.every((p) => p.exact) };
    }
    default:
      // all(), global(), negations: no narrowing.
      return undefined;
  }
}

/** Ascending indices of the members matching `selector` (`all()`/`global()` match everything). */
export function selectMembers(index: LabelIndex, selector: Selector): number[] {
  const c = candidates(index, selector);
  if (c?.exact) return Array.from(c.list);
  const out: number[] = [];
  if (c) {
    for (let k = 0; k < c.list.length; k++) {
      const i = c.list[k]!;
      if (selectorMatches(selector, index.labels[i]!)) out.push(i);
    }
  } else {
    for (let i = 0; i < index.labels.length; i++) if (selectorMatches(selector, index.labels[i]!)) out.push(i);
  }
  return out;
}

