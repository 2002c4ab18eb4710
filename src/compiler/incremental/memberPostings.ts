/**
 * Every member, and an inverted index from labels to members, so that a selector new to the
 * compiler is evaluated over hundreds of thousands of members without trying each one: the
 * incremental twin of selectors/labelIndex.ts, kept up to date as members come, go and change.
 *
 * Postings of a label are built the first time a selector asks for it (selectors name a few of
 * the many labels members carry) and then maintained. A selector is narrowed to candidates as
 * labelIndex.ts does it (an AND by its most selective operand, an OR by the union of its
 * operands), then checked on each candidate.
 */
import type { Labels, Selector } from "../../model/types.js";
import { labelValue, selectorMatches } from "../../model/selector/index.js";

export class MemberPostings<M> {
  /** Every member, with its labels as last told. */
  private readonly all = new Map<M, Labels>();
  /** label -> value -> members, for the labels asked for so far. */
  private readonly postings = new Map<string, Map<string, Set<M>>>();

  get size(): number {
    return this.all.size;
  }

  labelsOf(m: M): Labels | undefined {
    return this.all.get(m);
  }

  add(m: M, labels: Labels): void {
    this.all.set(m, labels);
    for (const [label, byValue] of this.postings) {
      const v = labelValue(labels, label);
      if (v !== undefined) this.post(byValue, v, m);
    }
  }

  remove(m: M): void {
    const labels = this.all.get(m);
    if (!labels) return;
    this.all.delete(m);
    for (const [label, byValue] of this.postings) {
      const v = labelValue(labels, label);
      if (v !== undefined) this.unpost(byValue, v, m);
    }
  }

  /** The member's labels changed (`changed` lists the labels whose values differ). */
  relabel(m: M, labels: Labels, changed: readonly string[]): void {
    const before = this.all.get(m);
    if (!before) return this.add(m, labels);
    this.all.set(m, labels);
    for (const label of changed) {
      const byValue = this.postings.get(label);
      if (!byValue) continue;
      const old = labelValue(before, label);
      const now = labelValue(labels, label);
      if (old !== undefined) this.unpost(byValue, old, m);
      if (now !== undefined) this.post(byValue, now, m);
    }
  }

  private post(byValue: Map<string, Set<M>>, v: string, m: M): void {
    let s = byValue.get(v);
    if (!s) byValue.set(v, (s = new Set()));
    s.add(m);
  }

  private unpost(byValue: Map<string, Set<M>>, v: string, m: M): void {
    const s = byValue.get(v);
    if (!s) return;
    s.delete(m);
    if (s.size === 0) byValue.delete(v);
  }

  private postingsOf(label: string): Map<string, Set<M>> {
    let byValue = this.postings.get(label);
    if (!byValue) {
      byValue = new Map();
      for (const [m, labels] of this.all) {
        const v = labelValue(labels, label);
        if (v !== undefined) this.post(byValue, v, m);
      }
      this.postings.set(label, byValue);
    }
    return byValue;
  }

  /** Candidate sets whose union holds every match; undefined: every member is a candidate. */
  private candidates(s: Selector): Set<M>[] | undefined {
    const byValues = (label: string, pred: (v: string) => boolean): Set<M>[] => {
      const out: Set<M>[] = [];
      for (const [v, ms] of this.postingsOf(label)) if (pred(v)) out.push(ms);
      return out;
    };
    switch (s.kind) {
      case "eq": {
        const ms = this.postingsOf(s.label).get(s.value);
        return ms ? [ms] : [];
      }
      case "in": {
        const byValue = this.postingsOf(s.label);
        return s.values.flatMap((v) => {
          const ms = byValue.get(v);
          return ms ? [ms] : [];
        });
      }
      case "has":
        return byValues(s.label, () => true);
      case "contains":
        return byValues(s.label, (v) => v.includes(s.value));
      case "startsWith":
        return byValues(s.label, (v) => v.startsWith(s.value));
      case "endsWith":
        return byValues(s.label, (v) => v.endsWith(s.value));
      case "and": {
        let best: Set<M>[] | undefined;
        let size = Infinity;
        for (const op of s.operands) {
          const c = this.candidates(op);
          if (c === undefined) continue;
          const n = c.reduce((k, ms) => k + ms.size, 0);
          if (n < size) {
            best = c;
            size = n;
          }
        }
        return best;
      }
      case "or": {
        const out: Set<M>[] = [];
        for (const op of s.operands) {
          const c = this.candidates(op);
          if (c === undefined) return undefined;
          out.push(...c);
        }
        return out;
      }
      default:
        // all(), global() and negations: no narrowing.
        return undefined;
    }
  }

  /** The members matching `selector`. */
  select(selector: Selector): Set<M> {
    const out = new Set<M>();
    const c = this.candidates(selector);
    if (c === undefined) {
      for (const [m, labels] of this.all) if (selectorMatches(selector, labels)) out.add(m);
      return out;
    }
    for (const ms of c) for (const m of ms) if (!out.has(m) && selectorMatches(selector, this.all.get(m)!)) out.add(m);
    return out;
  }
}
