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

export function andBits(a: Bits, b: Bits): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! & b[w]!;
  return out;
}

export function orBits(a: Bits, b: Bits): Uint32Array {
  const out = new Uint32Array(a.length);
  for (let w = 0; w < a.length; w++) out[w] = a[w]! | b[w]!;
  return out;
}

/** `a` without `b`. */
export function andNotBits(a: Bits, b: Bits): Uint32Array {
  const out = new Uint32Array(a.length);
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
