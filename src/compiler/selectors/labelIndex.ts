/**
 * An inverted index from labels to the members (endpoints, network sets) that carry them, so that
 * a selector is evaluated with a few bitset operations instead of being tried against every one
 * of (up to hundreds of thousands of) members.
 *
 * `==`, `in` and `has` read posting lists directly; `contains`, `starts with` and `ends with` test
 * each distinct VALUE of the label (not each member) and union the matching postings; `!=`,
 * `not in` and `!` complement within the universe. Bitsets are `Uint32Array`s of ceil(n/32) words.
 */
import type { Labels, Selector } from "../../model/types.js";

export type Bitset = Uint32Array;

export interface LabelIndex {
  readonly size: number;
  /** key -> value -> ascending member indices. */
  readonly postings: ReadonlyMap<string, ReadonlyMap<string, readonly number[]>>;
}

/** Builds the index over `labels[i]` for member i. */
export function buildLabelIndex(labels: readonly Labels[]): LabelIndex {
  const postings = new Map<string, Map<string, number[]>>();
  labels.forEach((ls, i) => {
    for (const [k, v] of Object.entries(ls)) {
      let byValue = postings.get(k);
      if (!byValue) postings.set(k, (byValue = new Map()));
      const list = byValue.get(v);
      if (list) list.push(i);
      else byValue.set(v, [i]);
    }
  });
  return { size: labels.length, postings };
}

/** The members matching `selector`, as a bitset. `all()` and `global()` match everything. */
export function evaluateSelector(index: LabelIndex, selector: Selector): Bitset {
  const words = (index.size + 31) >>> 5;
  const empty = (): Bitset => new Uint32Array(words);
  const full = (): Bitset => {
    const b = new Uint32Array(words).fill(0xffffffff);
    const tail = index.size & 31;
    if (tail !== 0 && words > 0) b[words - 1] = (1 << tail) - 1;
    return b;
  };
  const complement = (b: Bitset): Bitset => {
    const f = full();
    for (let i = 0; i < words; i++) f[i] = f[i]! & ~b[i]!;
    return f;
  };
  const unionOf = (key: string, pred: (value: string) => boolean): Bitset => {
    const b = empty();
    const byValue = index.postings.get(key);
    if (!byValue) return b;
    for (const [v, list] of byValue) if (pred(v)) for (const i of list) b[i >>> 5] = b[i >>> 5]! | (1 << (i & 31));
    return b;
  };
  const walk = (s: Selector): Bitset => {
    switch (s.kind) {
      case "all":
      case "global":
        return full();
      case "has":
        return unionOf(s.label, () => true);
      case "eq":
        return unionOf(s.label, (v) => v === s.value);
      case "ne":
        return complement(unionOf(s.label, (v) => v === s.value));
      case "in": {
        const vs = new Set(s.values);
        return unionOf(s.label, (v) => vs.has(v));
      }
      case "notIn": {
        const vs = new Set(s.values);
        return complement(unionOf(s.label, (v) => vs.has(v)));
      }
      case "contains":
        return unionOf(s.label, (v) => v.includes(s.value));
      case "startsWith":
        return unionOf(s.label, (v) => v.startsWith(s.value));
      case "endsWith":
        return unionOf(s.label, (v) => v.endsWith(s.value));
      case "not":
        return complement(walk(s.operand));
      case "and": {
        const acc = full();
        for (const op of s.operands) {
          const b = walk(op);
          let any = 0;
          for (let i = 0; i < words; i++) any |= acc[i] = acc[i]! & b[i]!;
          if (any === 0) break;
        }
        return acc;
      }
      case "or": {
        const acc = empty();
        for (const op of s.operands) {
          const b = walk(op);
          for (let i = 0; i < words; i++) acc[i] = acc[i]! | b[i]!;
        }
        return acc;
      }
    }
  };
  return walk(selector);
}

/** Ascending member indices in a bitset. */
export function bitsetMembers(b: Bitset): number[] {
  const out: number[] = [];
  for (let w = 0; w < b.length; w++) {
    let x = b[w]!;
    while (x !== 0) {
      const low = x & -x;
      out.push((w << 5) + (31 - Math.clz32(low)));
      x ^= low;
    }
  }
  return out;
}

/** Whether one label set satisfies a selector (the index-free reference semantics). */
export function labelsMatch(selector: Selector, labels: Labels): boolean {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  switch (selector.kind) {
    case "all":
    case "global":
      return true;
    case "has":
      return has(selector.label);
    case "eq":
      return has(selector.label) && labels[selector.label] === selector.value;
    case "ne":
      return !has(selector.label) || labels[selector.label] !== selector.value;
    case "in":
      return has(selector.label) && selector.values.includes(labels[selector.label]!);
    case "notIn":
      return !has(selector.label) || !selector.values.includes(labels[selector.label]!);
    case "contains":
      return has(selector.label) && labels[selector.label]!.includes(selector.value);
    case "startsWith":
      return has(selector.label) && labels[selector.label]!.startsWith(selector.value);
    case "endsWith":
      return has(selector.label) && labels[selector.label]!.endsWith(selector.value);
    case "not":
      return !labelsMatch(selector.operand, labels);
    case "and":
      return selector.operands.every((o) => labelsMatch(o, labels));
    case "or":
      return selector.operands.some((o) => labelsMatch(o, labels));
  }
}
