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

export interface LabelIndex {
  readonly labels: readonly Labels[];
  /** key -> value -> ascending member indices. */
  readonly postings: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
}

/** Builds the index over `labels[i]` for member i. */
export function buildLabelIndex(labels: readonly Labels[]): LabelIndex {
  const postings = new Map<string, Map<string, number[]>>();
  labels.forEach((ls, i) => {
    for (const k in ls) {
      const v = ls[k]!;
      let byValue = postings.get(k);
      if (!byValue) postings.set(k, (byValue = new Map()));
      const list = byValue.get(v);
      if (list) list.push(i);
      else byValue.set(v, [i]);
    }
  });
  return { labels, postings };
}

/** Candidate list and whether it is exactly the match set; `undefined` means "every member". */
interface Candidates {
  readonly list: ArrayLike<number>;
  readonly exact: boolean;
}

const EMPTY: ArrayLike<number> = [];

/** Sorted union of ascending lists (a typed-array sort: no comparator calls). */
function unionSorted(lists: readonly ArrayLike<number>[]): ArrayLike<number> {
  if (lists.length === 0) return EMPTY;
  if (lists.length === 1) return lists[0]!;
  let n = 0;
  for (const l of lists) n += l.length;
  const out = new Int32Array(n);
  let w = 0;
  for (const l of lists) for (let i = 0; i < l.length; i++) out[w++] = l[i]!;
  out.sort();
  w = 0;
  for (let r = 0; r < out.length; r++) if (r === 0 || out[r] !== out[r - 1]) out[w++] = out[r]!;
  return out.subarray(0, w);
}

function candidates(index: LabelIndex, s: Selector): Candidates | undefined {
  const byValues = (key: string, pred: (v: string) => boolean): Candidates => {
    const lists: ArrayLike<number>[] = [];
    const byValue = index.postings.get(key);
    if (byValue) for (const [v, l] of byValue) if (pred(v)) lists.push(l);
    return { list: unionSorted(lists), exact: true };
  };
  switch (s.kind) {
    case "has":
      return byValues(s.label, () => true);
    case "eq": {
      const l = index.postings.get(s.label)?.get(s.value);
      return { list: l ?? EMPTY, exact: true };
    }
    case "in": {
      const byValue = index.postings.get(s.label);
      const lists = s.values.flatMap((v) => {
        const l = byValue?.get(v);
        return l ? [l] : [];
      });
      return { list: unionSorted(lists), exact: true };
    }
    case "contains":
      return byValues(s.label, (v) => v.includes(s.value));
    case "startsWith":
      return byValues(s.label, (v) => v.startsWith(s.value));
    case "endsWith":
      return byValues(s.label, (v) => v.endsWith(s.value));
    case "and": {
      let best: Candidates | undefined;
      for (const op of s.operands) {
        const c = candidates(index, op);
        if (c && (!best || c.list.length < best.list.length)) best = c;
        if (best && best.list.length === 0) break;
      }
      return best && { list: best.list, exact: best.exact && s.operands.length === 1 };
    }
    case "or": {
      const parts: Candidates[] = [];
      for (const op of s.operands) {
        const c = candidates(index, op);
        if (!c) return undefined;
        parts.push(c);
      }
      return { list: unionSorted(parts.map((p) => p.list)), exact: parts.every((p) => p.exact) };
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
      if (labelsMatch(selector, index.labels[i]!)) out.push(i);
    }
  } else {
    for (let i = 0; i < index.labels.length; i++) if (labelsMatch(selector, index.labels[i]!)) out.push(i);
  }
  return out;
}

/** Whether one label set satisfies a selector (the index-free reference semantics). */
export function labelsMatch(selector: Selector, labels: Labels): boolean {
  switch (selector.kind) {
    case "all":
    case "global":
      return true;
    case "has":
      return Object.hasOwn(labels, selector.label);
    case "eq":
      return Object.hasOwn(labels, selector.label) && labels[selector.label] === selector.value;
    case "ne":
      return !Object.hasOwn(labels, selector.label) || labels[selector.label] !== selector.value;
    case "in":
      return Object.hasOwn(labels, selector.label) && selector.values.includes(labels[selector.label]!);
    case "notIn":
      return !Object.hasOwn(labels, selector.label) || !selector.values.includes(labels[selector.label]!);
    case "contains":
      return Object.hasOwn(labels, selector.label) && labels[selector.label]!.includes(selector.value);
    case "startsWith":
      return Object.hasOwn(labels, selector.label) && labels[selector.label]!.startsWith(selector.value);
    case "endsWith":
      return Object.hasOwn(labels, selector.label) && labels[selector.label]!.endsWith(selector.value);
    case "not":
      return !labelsMatch(selector.operand, labels);
    case "and":
      return selector.operands.every((o) => labelsMatch(o, labels));
    case "or":
      return selector.operands.some((o) => labelsMatch(o, labels));
  }
}
