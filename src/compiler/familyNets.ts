/**
 * The members of selector and named-port sets, from every member's CIDRs of one family in
 * compressed-row form with a RANK per CIDR in set order: a set's members are sorted as numbers
 * (sets hold up to hundreds of thousands of members), and its texts are the members' own
 * strings, shared by every set.
 *
 * Orders: `net` members IPv4 by address then prefix length (numerically; also the order CIDR
 * aggregation produces), IPv6 by text; `addrPort` members by address, then `proto:port` text.
 */
import type { NamedPort } from "../model/types.js";
import type { Family } from "./ir/types.js";
import type { MemberTable } from "./memberTable.js";
import { hostCidr } from "./endpoints.js";
import { aggregated, v4CoverOfKeys, v4SortKey } from "./passes/cidrMath.js";
import type { PortProtocol } from "./setBuilder.js";

/**
 * Every member net of one family in compressed-row form: member i's nets are entries
 * offsets[i] .. offsets[i + 1], as the member gives them (`raw`: an address or a CIDR). Each
 * entry also has a RANK in set order (IPv4 by address then prefix length, IPv6 by CIDR text),
 * equal CIDRs sharing one rank, so that a set's members are sorted as an Int32Array of ranks
 * (no comparator calls). A rank's CIDR text is made once, when a set first lists it, and shared
 * by every set: the member's own string where it already is that text.
 */
export interface FamilyNets {
  readonly offsets: Int32Array;
  readonly raw: readonly string[];
  readonly rank: Int32Array;
  /** Per rank: its first entry. */
  readonly first: Int32Array;
  /** Per rank, IPv4: its `v4SortKey` (ascending); empty for IPv6. */
  readonly keys: Float64Array;
  /** Per entry, IPv4: its text's form (see `V4_FORM`); empty for IPv6. */
  readonly forms: Uint8Array;
  /** The canonical CIDR text of a rank. */
  cidr(rank: number): string;
}

function v4Text(key: number): string {
  const prefix = key % 64;
  const v = (key - prefix) / 64;
  return `${Math.floor(v / 16777216) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}/${prefix}`;
}

/** How an IPv4 text stands to `v4Text`'s form: that text, that text but for the `/prefix`, or neither. */
const V4_FORM = { other: 0, cidr: 1, address: 2 } as const;

/**
 * `t`'s form: four decimal octets up to 255 without leading zeros, then (`cidr`) a prefix length
 * up to 32. Checked by character codes: this runs per address.
 */
function v4Form(t: string): number {
  let part = 0;
  let digits = 0;
  let value = 0;
  let leadingZero = false;
  for (let i = 0; i < t.length; i++) {
    const ch = t.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      if (digits === 0) leadingZero = ch === 48;
      else if (leadingZero) return V4_FORM.other;
      value = value * 10 + (ch - 48);
      if (++digits > 3) return V4_FORM.other;
      continue;
    }
    if (digits === 0 || value > 255 || ch !== (part < 3 ? 46 : 47) || part > 3) return V4_FORM.other;
    part++;
    digits = 0;
    value = 0;
  }
  if (digits === 0) return V4_FORM.other;
  if (part === 3) return value <= 255 ? V4_FORM.address : V4_FORM.other;
  return part === 4 && value <= 32 ? V4_FORM.cidr : V4_FORM.other;
}

/** The canonical CIDR text of an IPv4 entry of form `form` and sort key `key`: `t` itself, or made. */
function v4Cidr(t: string, form: number, key: number): string {
  if (form === V4_FORM.cidr) return t;
  // A bare address is a host (`/32`, key % 64 === 32).
  return form === V4_FORM.address ? `${t}/32` : v4Text(key);
}

/** Index of `x` in the ascending, distinct `sorted` (present by construction). */
function search(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Ranks of `values` among their distinct values (ascending), and the distinct values. */
function rankNumbers(values: Float64Array): { rank: Int32Array; distinct: Float64Array } {
  const sorted = Float64Array.from(values).sort();
  let w = 0;
  for (let r = 0; r < sorted.length; r++) if (r === 0 || sorted[r] !== sorted[w - 1]) sorted[w++] = sorted[r]!;
  const distinct = sorted.subarray(0, w);
  const rank = new Int32Array(values.length);
  for (let p = 0; p < values.length; p++) rank[p] = search(distinct, values[p]!);
  return { rank, distinct };
}

/** Ranks of `texts` among their distinct values in string order, and the distinct values. */
function rankTexts(texts: readonly string[]): { rank: Int32Array; distinct: string[] } {
  const distinct = [...new Set(texts)].sort();
  const at = new Map(distinct.map((t, r) => [t, r]));
  return { rank: Int32Array.from(texts, (t) => at.get(t)!), distinct };
}

/** Per rank, its first entry. */
function firstEntries(rank: Int32Array, ranks: number): Int32Array {
  const first = new Int32Array(ranks).fill(-1);
  for (let p = 0; p < rank.length; p++) if (first[rank[p]!] === -1) first[rank[p]!] = p;
  return first;
}

/** Both families' nets of every member, from one pass over the members' nets. */
export function familyNets(members: MemberTable): Readonly<Record<Family, FamilyNets>> {
  const offsets4 = new Int32Array(members.slots + 1);
  const offsets6 = new Int32Array(members.slots + 1);
  const raw4: string[] = [];
  const raw6: string[] = [];
  let keys = new Float64Array(1024);
  let forms = new Uint8Array(1024);
  for (let i = 0; i < members.slots; i++) {
    const nets = members.nets(i);
    for (let j = 0; j < nets.length; j++) {
      const n = nets[j]!;
      const key = v4SortKey(n);
      if (Number.isNaN(key)) raw6.push(n);
      else {
        if (raw4.length === keys.length) {
          const grownKeys = new Float64Array(keys.length * 2);
          grownKeys.set(keys);
          keys = grownKeys;
          const grownForms = new Uint8Array(keys.length);
          grownForms.set(forms);
          forms = grownForms;
        }
        keys[raw4.length] = key;
        // Read while the text is at hand (reading it again later would be a cache miss).
        forms[raw4.length] = v4Form(n);
        raw4.push(n);
      }
    }
    offsets4[i + 1] = raw4.length;
    offsets6[i + 1] = raw6.length;
  }
  return { 4: v4Nets(offsets4, raw4, keys.subarray(0, raw4.length), forms.subarray(0, raw4.length)), 6: v6Nets(offsets6, raw6) };
}

/**
 * `a`'s order against `b` as CIDR texts (`hostCidr`: a bare address is a host), without making
 * them: as texts, but for a bare address that is a prefix of the other text.
 */
function compareAsCidrs(a: string, b: string): number {
  const x = a.indexOf("/") < 0 ? "/128" : "";
  const y = b.indexOf("/") < 0 ? "/128" : "";
  const n = Math.max(a.length + x.length, b.length + y.length);
  for (let i = 0; i < n; i++) {
    const ca = i < a.length ? a.charCodeAt(i) : i - a.length < x.length ? x.charCodeAt(i - a.length) : -1;
    const cb = i < b.length ? b.charCodeAt(i) : i - b.length < y.length ? y.charCodeAt(i - b.length) : -1;
    if (ca !== cb) return ca - cb;
  }
  return 0;
}

/**
 * Ranks of IPv6 entries in CIDR text order. The entries are sorted as they are (a pods'
 * addresses are the model's own strings: no CIDR text is made to sort them); that is CIDR text
 * order unless a bare address is a prefix of another entry followed by a character below `/`,
 * which the check of neighbours finds (then the CIDR texts are sorted).
 */
function rankV6(raw: readonly string[]): { rank: Int32Array; ranks: number } {
  const order = Array.from({ length: raw.length }, (_, k) => k);
  order.sort((x, y) => {
    const a = raw[x]!;
    const b = raw[y]!;
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const rank = new Int32Array(raw.length);
  let r = -1;
  for (let k = 0; k < order.length; k++) {
    const c = k === 0 ? -1 : compareAsCidrs(raw[order[k - 1]!]!, raw[order[k]!]!);
    if (c > 0) {
      const { rank: byText, distinct } = rankTexts(raw.map(hostCidr));
      return { rank: byText, ranks: distinct.length };
    }
    if (c !== 0) r++;
    rank[order[k]!] = r;
  }
  return { rank, ranks: r + 1 };
}

function v6Nets(offsets: Int32Array, raw: readonly string[]): FamilyNets {
  const { rank, ranks } = rankV6(raw);
  const first = firstEntries(rank, ranks);
  const texts = new Array<string | undefined>(ranks);
  return { offsets, raw, rank, first, keys: new Float64Array(0), forms: new Uint8Array(0), cidr: (r) => (texts[r] ??= hostCidr(raw[first[r]!]!)) };
}

function v4Nets(offsets: Int32Array, raw: readonly string[], keys: Float64Array, forms: Uint8Array): FamilyNets {
  const { rank, distinct } = rankNumbers(keys);
  const first = firstEntries(rank, distinct.length);
  // Holey until filled: storing into a list filled with a placeholder first measured several
  // times slower.
  const texts = new Array<string | undefined>(distinct.length);
  return { offsets, raw, rank, first, keys: distinct, forms, cidr: (r) => (texts[r] ??= v4Cidr(raw[first[r]!]!, forms[first[r]!]!, distinct[r]!)) };
}

/** Copies of a set member beyond the first (two members with one address), by member text. */
export type Copies = Map<string, number>;

/** The distinct ranks of the listed members' nets, ascending; `copies` receives the repeated ones. */
function distinctRanks(fn: FamilyNets, list: ArrayLike<number>, copies: Copies | undefined): Int32Array {
  let n = 0;
  for (let j = 0; j < list.length; j++) n += fn.offsets[list[j]! + 1]! - fn.offsets[list[j]!]!;
  const ranks = new Int32Array(n);
  let w = 0;
  for (let j = 0; j < list.length; j++) {
    const i = list[j]!;
    for (let k = fn.offsets[i]!; k < fn.offsets[i + 1]!; k++) ranks[w++] = fn.rank[k]!;
  }
  ranks.sort();
  let distinct = 0;
  for (let r = 0; r < ranks.length; r++) {
    if (r === 0 || ranks[r] !== ranks[r - 1]) ranks[distinct++] = ranks[r]!;
    else if (copies) {
      const text = fn.cidr(ranks[r]!);
      copies.set(text, (copies.get(text) ?? 0) + 1);
    }
  }
  return ranks.subarray(0, distinct);
}

/** The CIDR texts of ranks. */
function cidrsOf(fn: FamilyNets, ranks: Int32Array): string[] {
  const out = new Array<string>(ranks.length);
  for (let r = 0; r < ranks.length; r++) out[r] = fn.cidr(ranks[r]!);
  return out;
}

/** The IPv4 keys of ranks. */
function keysOf(fn: FamilyNets, ranks: Int32Array): Float64Array {
  const keys = new Float64Array(ranks.length);
  for (let r = 0; r < ranks.length; r++) keys[r] = fn.keys[ranks[r]!]!;
  return keys;
}

/**
 * IPv4 ranks' `aggregateCidrs`, from their keys; `members`: their CIDR texts, when made already.
 * (Loops live in functions of their own: a function compiled while in one long loop bailed out,
 * call after call, at code after the loop.)
 */
function aggregateRanks(fn: FamilyNets, ranks: Int32Array, members: string[] | undefined): readonly string[] {
  return v4CoverOfKeys(keysOf(fn, ranks)) ?? aggregated(members ?? cidrsOf(fn, ranks));
}

/**
 * A `net` set's members: the distinct CIDRs of the listed members' nets, in rank order; with
 * `aggregate`, IPv4 sets come as `aggregateCidrs` makes them, from the ranks' keys (the CIDR
 * aggregation pass then finds them aggregated already).
 */
export function netSetMembers(fn: FamilyNets, list: ArrayLike<number>, aggregate: boolean): readonly string[] {
  const ranks = distinctRanks(fn, list, undefined);
  if (aggregate && fn.keys.length > 0) return aggregateRanks(fn, ranks, undefined);
  return cidrsOf(fn, ranks);
}

/** A `net` set counted, as the incremental compiler keeps one (incremental/setState.ts). */
export interface CountedNetSet {
  /** Its members, unaggregated: as `netSetMembers`. */
  readonly members: string[];
  readonly copies: Copies;
  /** How many members are wider than one address. */
  readonly wide: number;
  /** IPv4: the members aggregated (`aggregateCidrs`), from their keys; undefined for IPv6. */
  readonly aggregated: readonly string[] | undefined;
}

export function countedNetSet(fn: FamilyNets, list: ArrayLike<number>): CountedNetSet {
  const copies: Copies = new Map();
  const ranks = distinctRanks(fn, list, copies);
  const members = cidrsOf(fn, ranks);
  // A minimal list is its own aggregate, but the set keeps both and changes them apart.
  return { members, copies, wide: wideCount(fn, ranks, members), aggregated: fn.keys.length > 0 ? aggregateRanks(fn, ranks, members.slice()) : undefined };
}

/** How many of the ranks' CIDRs are wider than one address: IPv4 by key, IPv6 by text. */
function wideCount(fn: FamilyNets, ranks: Int32Array, cidrs: readonly string[]): number {
  let wide = 0;
  if (fn.keys.length > 0) for (let r = 0; r < ranks.length; r++) wide += fn.keys[ranks[r]!]! % 64 < 32 ? 1 : 0;
  else for (let r = 0; r < ranks.length; r++) wide += cidrs[r]!.endsWith("/128") ? 0 : 1;
  return wide;
}

/**
 * Ranks for named-port members, which sort by address text without the prefix length (IPv6) or
 * by address key (IPv4), with the address text of each rank.
 */
export interface AddrRanks {
  /** Per entry: its address rank. */
  readonly rank: Int32Array;
  /** Per address rank: the address text (IPv4: the first entry's, a pod's own address string). */
  readonly addrs: readonly string[];
  /** Per address rank: a number equal for ranks whose texts are equal (IPv4: the address; IPv6: the rank). */
  readonly keys: Float64Array;
}

function bare(cidr: string): string {
  const slash = cidr.indexOf("/");
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

/**
 * IPv6 address ranks from the CIDR ranks (text order): the addresses of CIDRs in text order are
 * normally in text order too, so a rank is a run of CIDRs with one address. Undefined when they
 * are not (an address followed by `.`, as in `::1.2.3.4`, sorts before its own `/`).
 */
function v6AddrRanks(fn: FamilyNets): { rank: Int32Array; distinct: string[] } | undefined {
  const ofCidrRank = new Int32Array(fn.first.length);
  const distinct: string[] = [];
  for (let r = 0; r < fn.first.length; r++) {
    const a = bare(fn.raw[fn.first[r]!]!);
    const last = distinct[distinct.length - 1];
    if (last === undefined || a > last) distinct.push(a);
    else if (a !== last) return undefined;
    ofCidrRank[r] = distinct.length - 1;
  }
  return { rank: Int32Array.from(fn.rank, (r) => ofCidrRank[r]!), distinct };
}

export function addrRanks(fn: FamilyNets, family: Family): AddrRanks {
  if (family === 6) {
    const { rank, distinct } = v6AddrRanks(fn) ?? rankTexts(fn.raw.map(bare));
    return { rank, addrs: distinct, keys: Float64Array.from(distinct, (_, r) => r) };
  }
  // IPv4 keys already order by address; a rank per distinct key, as for net members.
  const ranks = fn.first.length;
  const addrs = new Array<string>(ranks);
  const keys = new Float64Array(ranks);
  for (let r = 0; r < ranks; r++) {
    const p = fn.first[r]!;
    addrs[r] = fn.forms[p] === V4_FORM.address ? fn.raw[p]! : bare(fn.raw[p]!);
    keys[r] = Math.floor(fn.keys[r]! / 64);
  }
  return { rank: fn.rank, addrs, keys };
}

/** Member texts of one family and `proto:port` suffix, by address rank, shared by that family's sets. */
export type AddrPortTexts = Map<string, (string | undefined)[]>;

/**
 * The `proto:port` suffixes of the ports named `portName` (of `protocol`, when given), numbered
 * as met, per port list (pods of a workload share theirs: each list is read once).
 */
class PortSuffixes {
  readonly ids = new Map<string, number>();
  private readonly ofList = new Map<readonly NamedPort[], readonly number[]>();
  private lastList: readonly NamedPort[] | undefined;
  private lastIds: readonly number[] = [];

  constructor(
    private readonly portName: string,
    private readonly protocol: PortProtocol | undefined,
  ) {}

  of(ports: readonly NamedPort[]): readonly number[] {
    if (ports === this.lastList) return this.lastIds;
    let ids = this.ofList.get(ports);
    if (!ids) {
      const found: number[] = [];
      for (const p of ports) {
        if (p.name !== this.portName) continue;
        const proto = p.protocol.toLowerCase();
        if (this.protocol !== undefined && proto !== this.protocol) continue;
        const suffix = `${proto}:${p.port}`;
        let sid = this.ids.get(suffix);
        if (sid === undefined) this.ids.set(suffix, (sid = this.ids.size));
        found.push(sid);
      }
      this.ofList.set(ports, (ids = found));
    }
    this.lastList = ports;
    return (this.lastIds = ids);
  }
}

/** How many entries the listed members give: one per matching port and address. */
function countEntries(fn: FamilyNets, list: ArrayLike<number>, members: MemberTable, suffixes: PortSuffixes): number {
  let entries = 0;
  for (let j = 0; j < list.length; j++) {
    const i = list[j]!;
    entries += suffixes.of(members.ports(i)).length * (fn.offsets[i + 1]! - fn.offsets[i]!);
  }
  return entries;
}

/** The entries as `address rank * width + suffix rank`, sorted. */
function entryCodes(fn: FamilyNets, ar: AddrRanks, list: ArrayLike<number>, members: MemberTable, suffixes: PortSuffixes, suffixRank: Int32Array, entries: number): Float64Array {
  const width = suffixRank.length;
  const codes = new Float64Array(entries);
  let w = 0;
  for (let j = 0; j < list.length; j++) {
    const i = list[j]!;
    const sids = suffixes.of(members.ports(i));
    for (let q = 0; q < sids.length; q++) {
      const suffix = suffixRank[sids[q]!]!;
      for (let k = fn.offsets[i]!; k < fn.offsets[i + 1]!; k++) codes[w++] = ar.rank[k]! * width + suffix;
    }
  }
  return codes.sort();
}

/** Sorted codes de-duplicated in place; returns how many are distinct, `runs` (when given) how many of each. */
function distinctCodes(codes: Float64Array, runs: Int32Array | undefined): number {
  let distinct = 0;
  for (let e = 0; e < codes.length; e++) {
    if (e === 0 || codes[e] !== codes[e - 1]) codes[distinct++] = codes[e]!;
    if (runs) runs[distinct - 1]!++;
  }
  return distinct;
}

/**
 * A named-port set's members: `address,proto:port` for each port named `portName` (of
 * `protocol`, when given) of each listed member and each of its addresses, sorted by address
 * rank, then suffix text. `copies` receives the members listed more than once.
 */
export function namedPortMembers(fn: FamilyNets, ar: AddrRanks, list: ArrayLike<number>, members: MemberTable, protocol: PortProtocol | undefined, portName: string, texts: AddrPortTexts, family: Family, copies?: Copies): string[] {
  const suffixes = new PortSuffixes(portName, protocol);
  const entries = countEntries(fn, list, members, suffixes);
  // Entries sort by (address rank, `proto:port` text): encoded as rank * suffixes + suffix rank
  // in one double, so the sort compares numbers. The suffixes are known after the first pass.
  const sorted = [...suffixes.ids.keys()].sort();
  const suffixRank = new Int32Array(sorted.length);
  sorted.forEach((t, r) => (suffixRank[suffixes.ids.get(t)!] = r));
  const codes = entryCodes(fn, ar, list, members, suffixes, suffixRank, entries);
  const runs = copies ? new Int32Array(codes.length) : undefined;
  const distinct = distinctCodes(codes, runs);
  const bySuffix = sorted.map((t) => {
    const key = `${family}/${t}`;
    let known = texts.get(key);
    // Preallocated (filling a sparse `[]` at scattered indices would make it a dictionary), and
    // holey: storing into a list filled with a placeholder first measured several times slower.
    if (!known) texts.set(key, (known = new Array<string | undefined>(ar.addrs.length)));
    return known;
  });
  const tails = sorted.map((t) => `,${t}`);
  return memberTexts(codes, distinct, runs, sorted.length, ar, bySuffix, tails, copies);
}

/** The member texts of distinct codes (see `namedPortMembers`), shared through `bySuffix`. */
function memberTexts(codes: Float64Array, distinct: number, runs: Int32Array | undefined, width: number, ar: AddrRanks, bySuffix: readonly (string | undefined)[][], tails: readonly string[], copies: Copies | undefined): string[] {
  const out = new Array<string>(distinct);
  let n = 0;
  let lastAddr = "";
  let lastKey = -1;
  let lastSuffix = -1;
  for (let e = 0; e < distinct; e++) {
    const c = codes[e]!;
    const r = c % width;
    const a = (c - r) / width;
    const addr = ar.addrs[a]!;
    const key = ar.keys[a]!;
    // Equal text from different prefix lengths of one address (adjacent only if no other suffix
    // sorts between). Compared by its parts (comparing the joined texts would flatten them), the
    // texts only when the addresses are equal.
    const same = r === lastSuffix && key === lastKey && addr === lastAddr;
    if (!same) {
      lastAddr = addr;
      lastKey = key;
      lastSuffix = r;
      out[n++] = bySuffix[r]![a] ??= addr + tails[r]!;
    }
    const extra = runs ? runs[e]! - (same ? 0 : 1) : 0;
    if (extra > 0) copies!.set(out[n - 1]!, (copies!.get(out[n - 1]!) ?? 0) + extra);
  }
  out.length = n;
  return out;
}
