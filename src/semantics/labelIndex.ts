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
import { andInPlace, andNotInPlace, emptyBits, fullBits, orInPlace } from "./bits.js";

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
   * elsewhere (`bitsArena`), without an intermediate set per operand.
   */
  readonly selectorInto: (selector: Selector, out: Uint32Array) => void;
  /** `out &= labelSelector(s, prefix)`, in place, allocating nothing. */
  readonly andLabelSelector: (selector: LabelSelector, out: Uint32Array, prefix?: string) => void;
}

/** Builds the index over `labels[i]`, the labels of member `i`. */
export function labelIndex(labels: readonly Labels[]): LabelIndex {
  const size = labels.length;
  const byKey = new Map<string, Map<string, Uint32Array>>();
  const present = new Map<string, Uint32Array>();
  labels.forEach((ls, i) => {
    for (const key of Object.keys(ls)) {
      const value: unknown = ls[key];
      // Only string values are labels (see `labelValue`).
      if (typeof value !== "string") continue;
      let values = byKey.get(key);
      if (!values) byKey.set(key, (values = new Map()));
      let bits = values.get(value);
      if (!bits) values.set(value, (bits = emptyBits(size)));
      bits[i >>> 5]! |= 1 << (i & 31);
      let has = present.get(key);
      if (!has) present.set(key, (has = emptyBits(size)));
      has[i >>> 5]! |= 1 << (i & 31);
    }
  });
  const none = emptyBits(size);
  const all = fullBits(size);
  const equals = (key: string, value: string): Bits => byKey.get(key)?.get(value) ?? none;
  const has = (key: string): Bits => present.get(key) ?? none;
  /** The complement among the members, in place (the last word's unused bits stay clear). */
  const invert = (out: Uint32Array): void => {
    for (let w = 0; w < out.length; w++) out[w] = ~out[w]! & all[w]!;
  };
  /** Per nesting depth, a working set for the operands of an `&&` or `||` (made once). */
  const scratch: Uint32Array[] = [];
  const into = (s: Selector, out: Uint32Array, depth: number): void => {
    switch (s.kind) {
      case "all":
      case "global":
        out.set(all);
        return;
      case "has":
        out.set(has(s.label));
        return;
      case "eq":
        out.set(equals(s.label, s.value));
        return;
      case "ne":
        out.set(equals(s.label, s.value));
        invert(out);
        return;
      case "in":
      case "notIn":
        out.fill(0);
        for (const v of s.values) orInPlace(out, equals(s.label, v));
        if (s.kind === "notIn") invert(out);
        return;
      case "contains":
      case "startsWith":
      case "endsWith":
        out.fill(0);
        for (const [v, bits] of byKey.get(s.label) ?? []) if (labelTestMatches(s, v)) orInPlace(out, bits);
        return;
      case "not":
        into(s.operand, out, depth);
        invert(out);
        return;
      case "and":
      case "or": {
        if (s.operands.length === 0) {
          out.set(s.kind === "and" ? all : none);
          return;
        }
        into(s.operands[0]!, out, depth);
        if (s.operands.length === 1) return;
        // Operands below this one use the working sets of deeper levels.
        const o = (scratch[depth] ??= emptyBits(size));
        for (let k = 1; k < s.operands.length; k++) {
          into(s.operands[k]!, o, depth + 1);
          if (s.kind === "and") andInPlace(out, o);
          else orInPlace(out, o);
        }
        return;
      }
    }
  };
  const selectorInto = (s: Selector, out: Uint32Array): void => into(s, out, 0);
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
        into(s, out, 0);
        return out;
      }
    }
  };

  /** `out &= (any of the values of key)`, or `&= ~…` with `not`, word by word. */
  const andAnyOf = (out: Uint32Array, key: string, values: readonly string[], not: boolean): void => {
    const sets = values.map((v) => equals(key, v));
    for (let w = 0; w < out.length; w++) {
      let x = 0;
      for (const b of sets) x |= b[w]!;
      out[w]! &= not ? ~x : x;
    }
  };
  const andLabelSelector = (s: LabelSelector, out: Uint32Array, prefix = ""): void => {
    for (const [key, want] of Object.entries(s.matchLabels)) andInPlace(out, equals(prefix + key, want));
    for (const req of s.matchExpressions) {
      const key = prefix + req.key;
      switch (req.operator) {
        case "In":
          andAnyOf(out, key, req.values, false);
          break;
        case "NotIn":
          andAnyOf(out, key, req.values, true);
          break;
        case "Exists":
          andInPlace(out, has(key));
          break;
        case "DoesNotExist":
          andNotInPlace(out, has(key));
          break;
      }
    }
  };
  const labelSelector = (s: LabelSelector, prefix = ""): Bits => {
    if (Object.keys(s.matchLabels).length === 0 && s.matchExpressions.length === 0) return all;
    const out = all.slice();
    andLabelSelector(s, out, prefix);
    return out;
  };

  return { size, selector, labelSelector, equals, selectorInto, andLabelSelector };
}
