/**
 * `PartitionRefiner`: refines a partition of `0 .. n-1` by subsets, one subset at a time. Used
 * for the equivalence classes (endpoint positions split by memberships) and for the blocks and
 * admit numbers of the verify sweep (classes split by atoms, blocks by walks).
 */

/**
 * Refines a partition of `0 .. n-1` (per element its part, per part its size; both updated in
 * place): after `split(count)`, two elements share a part only when they did before and the
 * subset (`inside[0 .. count-1]`, distinct elements) holds both or neither. The part of the
 * elements inside keeps its number when it is all inside; otherwise they move to a new part,
 * numbered after every part so far, in the order of the parts' first element inside.
 *
 * The caller writes the subset into `inside` (a buffer of `n` elements, reused from one split to
 * the next): a split allocates nothing, and the loops that fill it call no method per element
 * (one-shot commands run without inlining; on shape L tens of thousands of subsets are split).
 */
export class PartitionRefiner {
  /** The subset at hand, written by the caller before `split`. */
  readonly inside: Int32Array;
  /** Per part: elements inside the subset at hand, and where they move (-1: nowhere). */
  private readonly hits: Int32Array;
  private readonly moveTo: Int32Array;
  private readonly touched: number[] = [];

  constructor(
    private readonly partOf: Int32Array,
    private readonly sizes: number[],
  ) {
    // At most one part per element.
    this.inside = new Int32Array(partOf.length);
    this.hits = new Int32Array(partOf.length);
    this.moveTo = new Int32Array(partOf.length).fill(-1);
  }

  /** Splits by `inside[0 .. count-1]`. */
  split(count: number): void {
    const { partOf, sizes, inside, hits, moveTo, touched } = this;
    for (let i = 0; i < count; i++) {
      const part = partOf[inside[i]!]!;
      if (hits[part]!++ === 0) touched.push(part);
    }
    let moved = false;
    for (const part of touched) {
      if (hits[part]! < sizes[part]!) {
        moveTo[part] = sizes.length;
        sizes.push(hits[part]!);
        sizes[part]! -= hits[part]!;
        moved = true;
      }
    }
    if (moved) {
      for (let i = 0; i < count; i++) {
        const e = inside[i]!;
        const to = moveTo[partOf[e]!]!;
        if (to >= 0) partOf[e] = to;
      }
    }
    for (const part of touched) {
      hits[part] = 0;
      moveTo[part] = -1;
    }
    touched.length = 0;
  }
}
