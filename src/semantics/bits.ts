/**
 * Sets of small non-negative integers (member indexes, class numbers) as bit arrays: 32 members
 * a word, so that intersecting two selectors' matches over 10,000 endpoints is about 300 word
 * operations. A `Bits` is never mutated once handed out; the builders below return new arrays.
 */
export type Bits = Readonly<Uint32Array>;

/** Words needed for `size` bits. */
function words(size: number): number {
  return (size + 31) >>> 5;
}

export function emptyBits(size: number): Uint32Array {
  return new Uint32Array(words(size));
}

/**
 * The set of `j < map.length` whose image `map[j]` is in `bits` (undefined: every j). Class
 * reachability uses it for a version's set of classes as the set of joint classes over two.
 */
export function preimageBits(bits: Bits | undefined, map: readonly number[]): Uint32Array {
  const out = emptyBits(map.length);
  for (let j = 0; j < map.length; j++) {
    const c = map[j]!;
    if (bits === undefined || ((bits[c >>> 5]! >>> (c & 31)) & 1) !== 0) out[j >>> 5]! |= 1 << (j & 31);
  }
  return out;
}

/** The set of `i < size` with `f(i)`. */
export function bitsWhere(size: number, f: (i: number) => boolean): Uint32Array {
  const out = emptyBits(size);
  for (let i = 0; i < size; i++) if (f(i)) out[i >>> 5]! |= 1 << (i & 31);
  return out;
}

/** The set of the given indexes (each `< size`). */
export function bitsOf(size: number, indexes: Iterable<number>): Uint32Array {
  const out = emptyBits(size);
  for (const i of indexes) out[i >>> 5]! |= 1 << (i & 31);
  return out;
}

export function hasBit(bits: Bits, i: number): boolean {
  return ((bits[i >>> 5] ?? 0) & (1 << (i & 31))) !== 0;
}

export function setBit(bits: Uint32Array, i: number): void {
  bits[i >>> 5]! |= 1 << (i & 31);
}

/** `a & b`, in `out` when given (of `a`'s length: every word is written). */
export function andBits(a: Bits, b: Bits, out: Uint32Array = new Uint32Array(a.length)): Uint32Array {
  for (let w = 0; w < a.length; w++) out[w] = a[w]! & b[w]!;
  return out;
}

/** `a | b`, in `out` when given (as `andBits`). */
export function orBits(a: Bits, b: Bits, out: Uint32Array = new Uint32Array(a.length)): Uint32Array {
  for (let w = 0; w < a.length; w++) out[w] = a[w]! | b[w]!;
  return out;
}

/** `a` without `b`, in `out` when given (as `andBits`). */
export function andNotBits(a: Bits, b: Bits, out: Uint32Array = new Uint32Array(a.length)): Uint32Array {
  for (let w = 0; w < a.length; w++) out[w] = a[w]! & ~b[w]!;
  return out;
}

/** The complement of `a` among `0 .. size-1`. */
export function notBits(a: Bits, size: number): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = ~a[w]!;
  const tail = size & 31;
  if (tail !== 0 && out.length > 0) out[out.length - 1]! &= (1 << tail) - 1;
  return out;
}

/** All of `0 .. size-1`. */
export function fullBits(size: number): Uint32Array {
  return notBits(emptyBits(size), size);
}

export function isEmptyBits(a: Bits): boolean {
  for (let w = 0; w < a.length; w++) if (a[w] !== 0) return false;
  return true;
}

/** The members of `a`, ascending. */
export function* bitIndexes(a: Bits): Generator<number> {
  for (let w = 0; w < a.length; w++) {
    let word = a[w]!;
    while (word !== 0) {
      const low = word & -word;
      yield (w << 5) + (31 - Math.clz32(low));
      word ^= low;
    }
  }
}

/**
 * Writes the members of `a`, ascending, to `out` from index 0; returns how many. `out` must have
 * room for them all. Unlike `bitIndexes`, no generator: for loops run tens of thousands of times.
 */
export function bitIndexesInto(a: Bits, out: Int32Array): number {
  let count = 0;
  for (let w = 0; w < a.length; w++) {
    let word = a[w]!;
    while (word !== 0) {
      const low = word & -word;
      out[count++] = (w << 5) + (31 - Math.clz32(low));
      word ^= low;
    }
  }
  return count;
}

/** `out = a & b`, in place; whether the result has any member. */
export function andInto(out: Uint32Array, a: Bits, b: Bits): boolean {
  let any = 0;
  for (let w = 0; w < out.length; w++) any |= out[w] = a[w]! & b[w]!;
  return any !== 0;
}

/** `a = a & b`, in place. */
export function andInPlace(a: Uint32Array, b: Bits): void {
  for (let w = 0; w < a.length; w++) a[w]! &= b[w]!;
}

/** `a = a & ~b`, in place. */
export function andNotInPlace(a: Uint32Array, b: Bits): void {
  for (let w = 0; w < a.length; w++) a[w]! &= ~b[w]!;
}

/** `a = a | b`, in place. */
export function orInPlace(a: Uint32Array, b: Bits): void {
  for (let w = 0; w < a.length; w++) a[w]! |= b[w]!;
}

/**
 * A maker of empty bit sets of `size` bits that live as long as whatever keeps them (a prepared
 * model's memberships), carved from shared buffers of many sets each, so that making one allocates
 * no buffer of its own. V8 counts every ArrayBuffer as external memory and starts a full collection
 * of the heap each time 64 MB more of it has been allocated since the last one. On shape L
 * (250,000 members: 31 KB a set) the model's tens of thousands of memberships set off such a
 * collection of a heap of 750 MB every 2,000 sets; from buffers that double in size (64 sets at
 * first, at most 16,384), they set off one per large buffer. A buffer is freed only with its last
 * set: only for sets that are kept, never for intermediate results.
 */
export function bitsArena(size: number): () => Uint32Array {
  const length = words(size);
  if (length === 0) return () => new Uint32Array(0);
  let buffer = new ArrayBuffer(0);
  let next = 0;
  let capacity = 0;
  let sets = 64;
  return () => {
    if (next === capacity) {
      capacity = sets;
      buffer = new ArrayBuffer(4 * length * capacity);
      next = 0;
      sets = Math.min(sets * 2, 16384);
    }
    return new Uint32Array(buffer, 4 * length * next++, length);
  };
}

/**
 * Bit sets of `size` bits reused round after round, for results that die together (the walks of
 * one sweep, the walk states of one probe): `take` hands out a set, `reset` takes every set back
 * for the next round. The sets and their views are made once (from a `bitsArena`), so a round
 * allocates nothing once the pool has reached its largest round: on shape L the verify sweeps
 * made and dropped tens of thousands of such sets per sweep, and V8 started a full collection
 * of the whole heap for each 64 MB of them (see `bitsArena`). Whoever takes a set must be done
 * with it before the pool's next `reset`.
 */
export class BitsPool {
  private readonly sets: Uint32Array[] = [];
  private next = 0;
  private readonly carve: () => Uint32Array;

  constructor(size: number) {
    this.carve = bitsArena(size);
  }

  /** A set whose words are left from an earlier round: the caller writes every one. */
  take(): Uint32Array {
    let set = this.sets[this.next];
    if (set === undefined) this.sets.push((set = this.carve()));
    this.next++;
    return set;
  }

  /** An empty set. */
  takeEmpty(): Uint32Array {
    return this.take().fill(0);
  }

  /** Every set back to the pool: none taken so far may be read or written after this. */
  reset(): void {
    this.next = 0;
  }
}

/**
 * Transposes a 32×32 bit block in place: bit `c` of `a[r]` becomes bit `r` of `a[c]` (Hacker's
 * Delight, 2nd ed., §7-3, swapping ever smaller sub-blocks).
 */
function transpose32(a: Uint32Array): void {
  let m = 0x0000ffff;
  for (let j = 16; j !== 0; j >>>= 1, m = (m ^ (m << j)) >>> 0) {
    for (let k = 0; k < 32; k = ((k | j) + 1) & ~j) {
      const t = ((a[k]! >>> j) ^ a[k | j]!) & m;
      a[k]! ^= t << j;
      a[k | j]! ^= t;
    }
  }
}

/**
 * The transpose of a square bit matrix given by rows (`rows[r]` has bit `c` for cell (r, c), each
 * of `size` bits): `out[c]` has bit `r`. Works on 32×32 blocks.
 */
export function transposeBits(rows: readonly Bits[], size: number): Uint32Array[] {
  const wordsPerRow = (size + 31) >>> 5;
  const out = Array.from({ length: size }, () => new Uint32Array(wordsPerRow));
  const block = new Uint32Array(32);
  for (let rw = 0; rw < wordsPerRow; rw++) {
    for (let cw = 0; cw < wordsPerRow; cw++) {
      for (let k = 0; k < 32; k++) block[k] = rows[(rw << 5) + k]?.[cw] ?? 0;
      transpose32(block);
      for (let k = 0; k < 32; k++) {
        const row = out[(cw << 5) + k];
        if (row) row[rw] = block[k]!;
      }
    }
  }
  return out;
}
