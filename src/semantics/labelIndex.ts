/**
 * `labelIndex`: which members a selector matches, for every member at once. An inverted index
 * (label key -> value -> members) turns a selector into unions and intersections of bit sets,
 * instead of one label lookup per member and selector: on 10,000 endpoints and 1,000 policies
 * this is what makes preparing the model take milliseconds rather than seconds. The result is
 * exactly `selectorMatches` / `labelSelectorMatches` on each member's labels (a property test
 * checks it).
 */
import type { Labels, LabelSelector, Selector } from "../model/types.js";
import { labelTestMatches } from "../model/selector/selectorMatches.js";
import type { Bits } from "./bits.js";
import { emptyBits, fullBits } from "./bits.js";
import { assertNever } from "../diagnostics/assertNever.js";

/** Words [lo, hi) of a bit set outside which it has no member (lo === hi: it has none). */
export interface WordSpan {
  readonly lo: number;
  readonly hi: number;
}

/** The smallest word span that holds every member of `bits`. */
export function wordSpan(bits: Bits): WordSpan {
  let lo = 0;
  let hi = bits.length;
  while (lo < hi && bits[lo] === 0) lo++;
  while (hi > lo && bits[hi - 1] === 0) hi--;
  return { lo, hi };
}

export interface LabelIndex {
  readonly size: number;
  /** Members a Calico selector matches. */
  readonly selector: (selector: Selector) => Bits;
  /**
   * Members whose labels satisfy a Kubernetes label selector, with every key read as
   * `prefix + key` (the `pcns.` labels a member inherits from its namespace).
   */
  readonly labelSelector: (selector: LabelSelector, prefix?: string) => Bits;
  /** Members with `labels[key] === value`. */
  readonly equals: (key: string, value: string) => Bits;
  /**
   * `selector(s)` written into `out` (of the index's size), allocating nothing: for sets kept
   * elsewhere (`bitsArena`), without an intermediate set per operand. With `clear`, `out` is
   * known to hold no member (a fresh arena set): only the words of `span(selector)` are written,
   * and the memory of the others is never touched (on a large cluster most of a namespaced
   * selector's set, which the system then need not even map).
   */
  readonly selectorInto: (selector: Selector, out: Uint32Array, clear?: boolean) => void;
  /** Words outside which `selector` matches no member (what `selectorInto` computes). */
  readonly span: (selector: Selector) => WordSpan;
  /**
   * `out &= labelSelector(s, prefix)`, in place, allocating nothing; only over words [lo, hi)
   * when given (for an `out` whose other words are clear: they stay as they are).
   */
  readonly andLabelSelector: (selector: LabelSelector, out: Uint32Array, prefix?: string, lo?: number, hi?: number) => void;
}

/** Builds the index over `labels[i]`, the labels of member `i`. */
export function labelIndex(labels: readonly Labels[]): LabelIndex {
  const size = labels.length;
  const byKey = new Map<string, Map<string, Uint32Array>>();
  const present = new Map<string, Uint32Array>();
  /**
   * Per key, its values' sets and its presence set: one lookup per label; and the value last seen
   * with its set. Members sort by id, so a namespace's members come together and share the values
   * of the labels they inherit from its profiles: those need no lookup of the value.
   */
  const entries = new Map<string, { readonly values: Map<string, Uint32Array>; readonly has: Uint32Array; lastValue: string | undefined; lastBits: Uint32Array | undefined }>();
  labels.forEach((ls, i) => {
    const word = i >>> 5;
    const bit = 1 << (i & 31);
    // for-in over own keys, in Object.keys' order, without an array of keys per member.
    for (const key in ls) {
      if (!Object.hasOwn(ls, key)) continue;
      const value: unknown = ls[key];
      // Only string values are labels (see `labelValue`).
      if (typeof value !== "string") continue;
      let entry = entries.get(key);
      if (!entry) {
        entry = { values: new Map(), has: emptyBits(size), lastValue: undefined, lastBits: undefined };
        entries.set(key, entry);
        byKey.set(key, entry.values);
        present.set(key, entry.has);
      }
      let bits = entry.lastValue === value ? entry.lastBits : undefined;
      if (!bits) {
        bits = entry.values.get(value);
        if (!bits) entry.values.set(value, (bits = emptyBits(size)));
        entry.lastValue = value;
        entry.lastBits = bits;
      }
      bits[word]! |= bit;
      entry.has[word]! |= bit;
    }
  });
  const none = emptyBits(size);
  const all = fullBits(size);
  const equals = (key: string, value: string): Bits => byKey.get(key)?.get(value) ?? none;
  const has = (key: string): Bits => present.get(key) ?? none;
  const words = all.length;
  /** The word span of each set of the index, found when first asked. */
  const spans = new Map<Bits, WordSpan>();
  const spanOfSet = (bits: Bits): WordSpan => {
    let s = spans.get(bits);
    if (!s) spans.set(bits, (s = wordSpan(bits)));
    return s;
  };
  const EMPTY: WordSpan = { lo: 0, hi: 0 };
  const FULL: WordSpan = { lo: 0, hi: words };
  const hull = (a: WordSpan, b: WordSpan): WordSpan => (a.lo >= a.hi ? b : b.lo >= b.hi ? a : { lo: Math.min(a.lo, b.lo), hi: Math.max(a.hi, b.hi) });
  /**
   * Words outside which `s` matches no member: the span of an equality's or a presence's set,
   * narrowed by `&&` and widened by `||`; every word for what a negation can match.
   */
  const span = (s: Selector): WordSpan => {
    switch (s.kind) {
      case "has":
        return spanOfSet(has(s.label));
      case "eq":
        return spanOfSet(equals(s.label, s.value));
      case "in":
        return s.values.reduce((acc, v) => hull(acc, spanOfSet(equals(s.label, v))), EMPTY);
      case "and": {
        let lo = 0;
        let hi = words;
        for (const o of s.operands) {
          const x = span(o);
          lo = Math.max(lo, x.lo);
          hi = Math.min(hi, x.hi);
        }
        return lo < hi ? { lo, hi } : EMPTY;
      }
      case "or":
        return s.operands.reduce((acc, o) => hull(acc, span(o)), EMPTY);
      case "all":
      case "global":
      case "ne":
      case "notIn":
      case "contains":
      case "startsWith":
      case "endsWith":
      case "not":
        return FULL;
      default:
        return assertNever(s);
    }
  };
  /** Words [lo, hi) of `from` into `out`. */
  const copy = (out: Uint32Array, from: Bits, lo: number, hi: number): void => {
    if (lo === 0 && hi === words) out.set(from);
    else out.set(from.subarray(lo, hi), lo);
  };
  /** The complement among the members, over words [lo, hi) (the last word's unused bits stay clear). */
  const invert = (out: Uint32Array, lo: number, hi: number): void => {
    for (let w = lo; w < hi; w++) out[w] = ~out[w]! & all[w]!;
  };
  const or = (out: Uint32Array, x: Bits, lo: number, hi: number): void => {
    for (let w = lo; w < hi; w++) out[w]! |= x[w]!;
  };
  const and = (out: Uint32Array, x: Bits, lo: number, hi: number): void => {
    for (let w = lo; w < hi; w++) out[w]! &= x[w]!;
  };
  /** Per nesting depth, a working set for the operands of an `&&` or `||` (made once). */
  const scratch: Uint32Array[] = [];
  /** `s` over words [lo, hi) of `out`; the other words are left as they are. */
  const into = (s: Selector, out: Uint32Array, depth: number, lo: number, hi: number): void => {
    switch (s.kind) {
      case "all":
      case "global":
        copy(out, all, lo, hi);
        return;
      case "has":
        copy(out, has(s.label), lo, hi);
        return;
      case "eq":
        copy(out, equals(s.label, s.value), lo, hi);
        return;
      case "ne":
        copy(out, equals(s.label, s.value), lo, hi);
        invert(out, lo, hi);
        return;
      case "in":
      case "notIn":
        out.fill(0, lo, hi);
        for (const v of s.values) or(out, equals(s.label, v), lo, hi);
        if (s.kind === "notIn") invert(out, lo, hi);
        return;
      case "contains":
      case "startsWith":
      case "endsWith":
        out.fill(0, lo, hi);
        for (const [v, bits] of byKey.get(s.label) ?? []) if (labelTestMatches(s, v)) or(out, bits, lo, hi);
        return;
      case "not":
        into(s.operand, out, depth, lo, hi);
        invert(out, lo, hi);
        return;
      case "and":
      case "or": {
        if (s.operands.length === 0) {
          copy(out, s.kind === "and" ? all : none, lo, hi);
          return;
        }
        into(s.operands[0]!, out, depth, lo, hi);
        if (s.operands.length === 1) return;
        // Operands below this one use the working sets of deeper levels.
        const o = (scratch[depth] ??= emptyBits(size));
        for (let k = 1; k < s.operands.length; k++) {
          into(s.operands[k]!, o, depth + 1, lo, hi);
          if (s.kind === "and") and(out, o, lo, hi);
          else or(out, o, lo, hi);
        }
        return;
      }
    }
  };
  // Only the words of the selector's span are computed (a namespaced selector's members are a
  // few words of a large cluster's thousands: ids sort by namespace); the rest are cleared, unless
  // `out` is known to be clear already.
  const selectorInto = (s: Selector, out: Uint32Array, clear = false): void => {
    const { lo, hi } = span(s);
    if (!clear) {
      out.fill(0, 0, lo);
      out.fill(0, hi);
    }
    into(s, out, 0, lo, hi);
  };
  const selector = (s: Selector): Bits => {
    switch (s.kind) {
      case "all":
      case "global":
        return all;
      case "has":
        return has(s.label);
      case "eq":
        return equals(s.label, s.value);
      default: {
        const out = emptyBits(size);
        selectorInto(s, out);
        return out;
      }
    }
  };

  /** `out &= (any of the values of key)`, or `&= ~…` with `not`, over words [lo, hi). */
  const andAnyOf = (out: Uint32Array, key: string, values: readonly string[], not: boolean, lo: number, hi: number): void => {
    const sets = values.map((v) => equals(key, v));
    for (let w = lo; w < hi; w++) {
      let x = 0;
      for (const b of sets) x |= b[w]!;
      out[w]! &= not ? ~x : x;
    }
  };
  const andLabelSelector = (s: LabelSelector, out: Uint32Array, prefix = "", lo = 0, hi = words): void => {
    for (const [key, want] of Object.entries(s.matchLabels)) and(out, equals(prefix + key, want), lo, hi);
    for (const req of s.matchExpressions) {
      const key = prefix + req.key;
      switch (req.operator) {
        case "In":
          andAnyOf(out, key, req.values, false, lo, hi);
          break;
        case "NotIn":
          andAnyOf(out, key, req.values, true, lo, hi);
          break;
        case "Exists":
          and(out, has(key), lo, hi);
          break;
        case "DoesNotExist": {
          const x = has(key);
          for (let w = lo; w < hi; w++) out[w]! &= ~x[w]!;
          break;
        }
      }
    }
  };
  const labelSelector = (s: LabelSelector, prefix = ""): Bits => {
    if (Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0) return all;
    const out = all.slice();
    andLabelSelector(s, out, prefix);
    return out;
  };

  return { size, selector, labelSelector, equals, span, selectorInto, andLabelSelector };
}
