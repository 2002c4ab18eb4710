/**
 * CIDR arithmetic: a list of CIDRs to the minimal list covering exactly the same addresses
 * (contained prefixes removed, adjacent ones merged), and containment tests. IPv4 uses plain
 * numbers (exact below 2^53); IPv6 uses bigints. Parsing IPv4 by hand matters for speed: sets
 * hold tens of thousands of members.
 */
import ipaddr from "ipaddr.js";

export interface Interval {
  start: bigint;
  end: bigint;
}

function parseV4(addr: string): number {
  const parts = addr.split(".");
  if (parts.length !== 4) throw new Error(`bad IPv4 address ${addr}`);
  let v = 0;
  for (const p of parts) {
    const n = Number(p);
    if (!Number.isInteger(n) || n < 0 || n > 255 || p === "") throw new Error(`bad IPv4 address ${addr}`);
    v = v * 256 + n;
  }
  return v;
}

function formatV4(v: number): string {
  return `${Math.floor(v / 16777216) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}`;
}

/** Parses an IPv6 address (hex groups with an optional `::`; an embedded IPv4 tail via ipaddr.js). */
function parseV6(addr: string): bigint {
  if (addr.includes(".")) {
    let v = 0n;
    for (const part of ipaddr.IPv6.parse(addr).parts) v = (v << 16n) | BigInt(part);
    return v;
  }
  // Eight zero-padded hex groups make one 32-digit hex literal: a single BigInt conversion.
  const gap = addr.indexOf("::");
  const head = gap < 0 ? addr.split(":") : gap === 0 ? [] : addr.slice(0, gap).split(":");
  const tail = gap < 0 || gap + 2 === addr.length ? [] : addr.slice(gap + 2).split(":");
  let hex = "0x";
  for (const g of head) hex += g.padStart(4, "0");
  for (let i = head.length + tail.length; i < 8; i++) hex += "0000";
  for (const g of tail) hex += g.padStart(4, "0");
  return BigInt(hex);
}

function formatV6(v: bigint): string {
  const parts: number[] = [];
  for (let i = 7; i >= 0; i--) parts.push(Number((v >> BigInt(i * 16)) & 0xffffn));
  return new ipaddr.IPv6(parts).toString();
}

/** The canonical text of the aligned block of `2^(bits - prefix)` addresses at `start`. */
export function formatCidr(start: bigint, prefix: number, bits: 32 | 128): string {
  return `${bits === 32 ? formatV4(Number(start)) : formatV6(start)}/${prefix}`;
}

/**
 * An IPv4 CIDR (or address: a `/32`) as one number that sorts CIDRs by address, then prefix
 * length (wider first): `address * 64 + prefix length`, exact in a double; NaN for an IPv6 text
 * (one with a `:`). Parsed by character codes (no splitting): this runs once per endpoint
 * address.
 */
export function v4SortKey(cidr: string): number {
  let v = 0;
  let octet = 0;
  let prefix = 0;
  let inPrefix = false;
  for (let i = 0; i < cidr.length; i++) {
    const ch = cidr.charCodeAt(i);
    if (ch === 58) return NaN;
    if (ch === 46) {
      v = v * 256 + octet;
      octet = 0;
    } else if (ch === 47) inPrefix = true;
    else if (inPrefix) prefix = prefix * 10 + (ch - 48);
    else octet = octet * 10 + (ch - 48);
  }
  return (v * 256 + octet) * 64 + (inPrefix ? prefix : 32);
}

/** Parses a CIDR (or bare address) into an inclusive address interval and its family width. */
export function cidrInterval(cidr: string): { interval: Interval; bits: 32 | 128 } {
  const slash = cidr.indexOf("/");
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const v6 = addr.includes(":");
  const bits = v6 ? 128 : 32;
  const prefix = slash < 0 ? bits : Number(cidr.slice(slash + 1));
  const size = 1n << BigInt(bits - prefix);
  const value = v6 ? parseV6(addr) : BigInt(parseV4(addr));
  const start = (value / size) * size;
  return { interval: { start, end: start + size - 1n }, bits };
}

/** Per power of two: 2 ** i, i = 0..32 (block sizes by `32 - prefix`). */
const POW2 = Float64Array.from({ length: 33 }, (_, i) => 2 ** i);

/**
 * Whether the aligned blocks [starts[k], ends[k]], in list order, are sorted by start and a
 * minimal cover (disjoint, and no two adjacent equal-size aligned siblings, which would merge).
 */
function v4Order(starts: Float64Array, ends: Float64Array, n: number): { sorted: boolean; minimal: boolean } {
  let minimal = true;
  let sorted = true;
  for (let k = 1; k < n; k++) {
    const start = starts[k]!;
    if (start < starts[k - 1]!) sorted = false;
    if (minimal && start <= ends[k - 1]! + 1) {
      const size = ends[k]! - start + 1;
      const prevSize = ends[k - 1]! - starts[k - 1]! + 1;
      minimal = start > ends[k - 1]! && !(prevSize === size && starts[k - 1]! % (size * 2) === 0);
    }
  }
  return { sorted, minimal };
}

/** The greedy split into the largest aligned blocks of the union of blocks [starts[k], ends[k]]. */
function v4Blocks(starts: Float64Array, ends: Float64Array, n: number, sorted: boolean): string[] {
  // Sets arrive in address order; other lists are short.
  let order: ArrayLike<number> | undefined;
  if (!sorted) order = Array.from({ length: n }, (_, k) => k).sort((x, y) => starts[x]! - starts[y]!);
  const out: string[] = [];
  let start = -1;
  let end = -1;
  const emit = (): void => {
    let cur = start;
    while (cur <= end) {
      let size = 1;
      let prefix = 32;
      while (prefix > 0 && cur % (size * 2) === 0 && cur + size * 2 - 1 <= end) {
        size *= 2;
        prefix--;
      }
      out.push(`${formatV4(cur)}/${prefix}`);
      cur += size;
    }
  };
  for (let j = 0; j < n; j++) {
    const k = order ? order[j]! : j;
    if (start >= 0 && starts[k]! <= end + 1) end = Math.max(end, ends[k]!);
    else {
      if (start >= 0) emit();
      start = starts[k]!;
      end = ends[k]!;
    }
  }
  if (start >= 0) emit();
  return out;
}

/** Scratch block bounds, kept between calls (sets hold hundreds of thousands of members). */
let starts = new Float64Array(0);
let ends = new Float64Array(0);

function scratch(n: number): void {
  if (starts.length >= n) return;
  starts = new Float64Array(Math.max(n, starts.length * 2));
  ends = new Float64Array(starts.length);
}

/**
 * The minimal CIDR cover of v4 CIDRs. Returns `cidrs` itself when it is already minimal and in
 * address order (the common case for endpoint sets), to avoid reformatting. The check reads the
 * list once into typed arrays (no per-member allocation: sets hold hundreds of thousands).
 */
function coverV4(cidrs: readonly string[]): readonly string[] {
  const n = cidrs.length;
  scratch(n);
  for (let k = 0; k < n; k++) {
    const c = cidrs[k]!;
    let addr = 0;
    let octet = 0;
    let prefix = 32;
    let i = 0;
    for (; i < c.length; i++) {
      const ch = c.charCodeAt(i);
      if (ch === 46) {
        addr = addr * 256 + octet;
        octet = 0;
      } else if (ch === 47) break;
      else octet = octet * 10 + (ch - 48);
    }
    addr = addr * 256 + octet;
    if (i < c.length) {
      prefix = 0;
      for (i++; i < c.length; i++) prefix = prefix * 10 + (c.charCodeAt(i) - 48);
    }
    const size = POW2[32 - prefix] ?? 2 ** (32 - prefix);
    const start = Math.floor(addr / size) * size;
    starts[k] = start;
    ends[k] = start + size - 1;
  }
  const { sorted, minimal } = v4Order(starts, ends, n);
  // Input text is trusted to be canonical (the model canonicalizes CIDRs; sets format them).
  return minimal ? cidrs : v4Blocks(starts, ends, n, sorted);
}

/**
 * Lists known to be `aggregateCidrs` results, which it returns unchanged (an aggregated list is
 * minimal and in address order) without reading them again: a cache of a pure function, filled
 * by set builders that aggregate from numbers (`aggregated`).
 */
const aggregatedLists = new WeakSet<readonly string[]>();

/**
 * Records that `cidrs` is an `aggregateCidrs` result (minimal and in address order), and returns
 * it. The list must never change afterwards (it would still be taken as aggregated).
 */
export function aggregated<T extends readonly string[]>(cidrs: T): T {
  aggregatedLists.add(cidrs);
  return cidrs;
}

/** Block bounds of IPv4 sort keys (`v4SortKey`) into the scratch lists. */
function boundsOfKeys(keys: ArrayLike<number>, n: number): void {
  for (let k = 0; k < n; k++) {
    const key = keys[k]!;
    const prefix = key % 64;
    const size = POW2[32 - prefix] ?? 2 ** (32 - prefix);
    const start = Math.floor((key - prefix) / 64 / size) * size;
    starts[k] = start;
    ends[k] = start + size - 1;
  }
}

/**
 * `aggregateCidrs` of IPv4 CIDRs given their `v4SortKey`s, ascending and distinct: undefined
 * when the CIDRs are minimal already (then they are the result: see `aggregated`), else the
 * blocks. For a set builder that has the keys: the members are neither formatted nor parsed
 * (only blocks that merge are formatted).
 */
export function v4CoverOfKeys(keys: ArrayLike<number>): readonly string[] | undefined {
  const n = keys.length;
  if (n === 0) return undefined;
  scratch(n);
  boundsOfKeys(keys, n);
  const { sorted, minimal } = v4Order(starts, ends, n);
  return minimal ? undefined : aggregated(v4Blocks(starts, ends, n, sorted));
}

/** Scratch for parseV6Groups: the eight 16-bit groups of one address. */
const groups = new Int32Array(8);

/** Parses `addr[0, end)` (hex groups, optional `::`, no embedded IPv4) into `groups`. */
function parseV6Groups(addr: string, end: number): boolean {
  let n = 0;
  let gapAt = -1;
  let v = 0;
  let digits = 0;
  for (let i = 0; i < end; i++) {
    const ch = addr.charCodeAt(i);
    if (ch === 58) {
      if (digits > 0) {
        if (n === 8) return false;
        groups[n++] = v;
      }
      v = 0;
      digits = 0;
      if (i + 1 < end && addr.charCodeAt(i + 1) === 58) {
        if (gapAt >= 0) return false;
        gapAt = n;
        i++;
      }
      continue;
    }
    const d = ch >= 48 && ch <= 57 ? ch - 48 : ch >= 97 && ch <= 102 ? ch - 87 : ch >= 65 && ch <= 70 ? ch - 55 : -1;
    if (d < 0 || ++digits > 4) return false;
    v = v * 16 + d;
  }
  if (digits > 0) {
    if (n === 8) return false;
    groups[n++] = v;
  }
  if (gapAt < 0) return n === 8;
  if (n === 8) return false;
  const zeros = 8 - n;
  for (let k = n - 1; k >= gapAt; k--) groups[k + zeros] = groups[k]!;
  for (let k = gapAt; k < gapAt + zeros; k++) groups[k] = 0;
  return true;
}

/**
 * An IPv6 CIDR (or address: a `/128`) as a string that sorts CIDRs by network address, then
 * prefix length: nine UTF-16 code units, the address's eight 16-bit groups (host bits masked)
 * and the prefix length, compared unit by unit. Parsed by character codes, without bigints but
 * for an embedded IPv4 tail: sets hold tens of thousands of IPv6 members.
 */
export function v6AddressKey(cidr: string): string {
  const slash = cidr.indexOf("/");
  const end = slash < 0 ? cidr.length : slash;
  const prefix = slash < 0 ? 128 : Number(cidr.slice(slash + 1));
  if (!parseV6Groups(cidr, end)) {
    const { start } = cidrInterval(cidr).interval;
    for (let i = 0; i < 8; i++) groups[i] = Number((start >> BigInt(112 - 16 * i)) & 0xffffn);
  } else {
    for (let i = 0; i < 8; i++) {
      const bits = prefix - 16 * i;
      if (bits <= 0) groups[i] = 0;
      else if (bits < 16) groups[i] = groups[i]! & ((0xffff << (16 - bits)) & 0xffff);
    }
  }
  return String.fromCharCode(groups[0]!, groups[1]!, groups[2]!, groups[3]!, groups[4]!, groups[5]!, groups[6]!, groups[7]!, prefix);
}

/**
 * The common IPv6 case without bigints: every member a host (`/128`), address as three exact
 * doubles (48, 48 and 32 bits). Returns the list itself when minimal, reordered when minimal in
 * address order, and undefined when some member is not a host or the list needs merging.
 */
/** Hosts' addresses as three exact doubles each; false when some CIDR is not a host. */
function parseHostsV6(cidrs: readonly string[], hi: Float64Array, mid: Float64Array, lo: Float64Array): boolean {
  for (let k = 0; k < cidrs.length; k++) {
    const c = cidrs[k]!;
    if (!c.endsWith("/128") || !parseV6Groups(c, c.length - 4)) return false;
    hi[k] = (groups[0]! * 65536 + groups[1]!) * 65536 + groups[2]!;
    mid[k] = (groups[3]! * 65536 + groups[4]!) * 65536 + groups[5]!;
    lo[k] = groups[6]! * 65536 + groups[7]!;
  }
  return true;
}

function hostsV6(cidrs: readonly string[]): readonly string[] | undefined {
  const n = cidrs.length;
  const hi = new Float64Array(n);
  const mid = new Float64Array(n);
  const lo = new Float64Array(n);
  // The loop in a function of its own: compiled while in it, this one bailed out after it, call after call.
  if (!parseHostsV6(cidrs, hi, mid, lo)) return undefined;
  const cmp = (x: number, y: number): number => hi[x]! - hi[y]! || mid[x]! - mid[y]! || lo[x]! - lo[y]!;
  // Minimal: strictly ascending, and no even address followed by its successor (two /128
  // siblings would merge into a /127). An even low word has no carry into the others.
  const minimalIn = (order: ArrayLike<number>): boolean => {
    for (let k = 1; k < order.length; k++) {
      const p = order[k - 1]!;
      const q = order[k]!;
      if (cmp(p, q) >= 0) return false;
      if (lo[p]! % 2 === 0 && lo[q] === lo[p]! + 1 && hi[q] === hi[p] && mid[q] === mid[p]) return false;
    }
    return true;
  };
  const order = Array.from({ length: n }, (_, k) => k);
  if (minimalIn(order)) return cidrs;
  const sorted = addressOrder(hi, mid, lo) ?? order.sort(cmp);
  return minimalIn(sorted) ? Array.from(sorted, (k) => cidrs[k]!) : undefined;
}

/** 2^32: the low word's range, and the factor that puts a rank above it in one exact double. */
const LOW_WORD = 2 ** 32;

/**
 * The hosts' indices in address order, by a numeric sort with no comparator calls (a set of a
 * cluster's IPv6 pods holds tens of thousands): when the top 48 bits are the same for all (one
 * pool), each address is the rank of its middle 48 bits among theirs times 2^32 plus its low 32
 * bits, an exact double. Undefined when the top bits differ or two hosts are equal (the caller
 * sorts by comparator; a repeated host is not minimal anyway).
 */
export function addressOrder(hi: Float64Array, mid: Float64Array, lo: Float64Array): Int32Array | undefined {
  const n = hi.length;
  // Ranks below 2^21 keep rank * 2^32 + low word under 2^53.
  if (n >= 2 ** 21) return undefined;
  for (let k = 1; k < n; k++) if (hi[k] !== hi[0]) return undefined;
  const mids = Float64Array.from(mid).sort();
  const rank = new Map<number, number>();
  for (let k = 0; k < n; k++) if (k === 0 || mids[k] !== mids[k - 1]) rank.set(mids[k]!, rank.size);
  const keys = new Float64Array(n);
  const indexOf = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const key = rank.get(mid[k]!)! * LOW_WORD + lo[k]!;
    if (indexOf.has(key)) return undefined;
    indexOf.set(key, k);
    keys[k] = key;
  }
  keys.sort();
  const order = new Int32Array(n);
  for (let k = 0; k < n; k++) order[k] = indexOf.get(keys[k]!)!;
  return order;
}

/**
 * As coverV4; IPv6 input is trusted to be canonical text (the model canonicalizes CIDRs), so a
 * list that is minimal once put in address order is returned reordered, not reformatted (sets
 * list IPv6 members in text order, which is not address order).
 */
function coverV6(cidrs: readonly string[]): readonly string[] {
  const hosts = hostsV6(cidrs);
  if (hosts) return hosts;
  const parsed = cidrs.map((c) => cidrInterval(c).interval);
  const minimalIn = (ivs: readonly Interval[]): boolean => {
    for (let k = 1; k < ivs.length; k++) {
      const prev = ivs[k - 1]!;
      const cur = ivs[k]!;
      if (cur.start <= prev.end + 1n) {
        const size = prev.end - prev.start + 1n;
        const siblings = cur.end - cur.start + 1n === size && prev.start % (size * 2n) === 0n;
        if (!(cur.start > prev.end && !siblings)) return false;
      }
    }
    return true;
  };
  if (minimalIn(parsed)) return cidrs;
  const order = Array.from({ length: cidrs.length }, (_, k) => k).sort((x, y) => (parsed[x]!.start < parsed[y]!.start ? -1 : parsed[x]!.start > parsed[y]!.start ? 1 : 0));
  const intervals = order.map((k) => parsed[k]!);
  if (minimalIn(intervals)) return order.map((k) => cidrs[k]!);
  const merged: Interval[] = [];
  for (const iv of intervals) {
    const top = merged[merged.length - 1];
    if (top && iv.start <= top.end + 1n) {
      if (iv.end > top.end) top.end = iv.end;
    } else merged.push({ ...iv });
  }
  const out: string[] = [];
  for (const { start, end } of merged) {
    let cur = start;
    while (cur <= end) {
      let size = 1n;
      let prefix = 128;
      while (prefix > 0 && cur % (size << 1n) === 0n && cur + (size << 1n) - 1n <= end) {
        size <<= 1n;
        prefix--;
      }
      out.push(`${formatV6(cur)}/${prefix}`);
      cur += size;
    }
  }
  return out;
}

/** The minimal CIDR list (sorted by address) covering the union of `cidrs`, all of one family. */
export function aggregateCidrs(cidrs: readonly string[]): readonly string[] {
  if (cidrs.length === 0) return [];
  if (aggregatedLists.has(cidrs)) return cidrs;
  // Not recorded: a caller may change its own list once aggregated (the incremental compiler's sets do).
  return cidrs[0]!.includes(":") ? coverV6(cidrs) : coverV4(cidrs);
}

/** Whether `addr` (an address or CIDR) lies in `cidr`; false across families. */
export function cidrContains(cidr: string, addr: string): boolean {
  const c = cidrInterval(cidr);
  const a = cidrInterval(addr);
  return c.bits === a.bits && a.interval.start >= c.interval.start && a.interval.end <= c.interval.end;
}
