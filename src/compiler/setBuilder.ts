/**
 * Builds the IR's named sets on demand while rules are lowered: selector sets (`net`, id =
 * Calico's selector id) and named-port sets (`addrPort`, id = Calico's `n:` id). Selector
 * membership is computed once per selector id over the label index and shared by both families.
 *
 * Members are sorted by address (IPv4, numerically: sets hold up to hundreds of thousands of
 * members and numbers sort far faster than strings; it is also the order CIDR aggregation
 * produces) or by text (IPv6); `addrPort` members by address, then `proto:port` text.
 */
import type { Family, IpSet } from "./ir/types.js";
import type { Selector } from "../model/types.js";
import { namedPortSetComment, namedPortSetId, selectorIdentity as identify, serviceSetComment, serviceSetId } from "./setIds.js";
import type { MemberTable } from "./memberTable.js";
import type { ServiceLookup } from "./serviceSets.js";
import { v4SortKey } from "./passes/cidrMath.js";

/** Lower-case protocol names as ipset's hash:ip,port members spell them. */
export type PortProtocol = "tcp" | "udp" | "sctp";

/** Where lowering registers the sets a rule matches on (the full compile's builder, or the incremental compiler's table). */
export interface SetRegistry {
  selectorSet(selector: Selector, family: Family): { readonly id: string };
  namedPortSet(selector: Selector, protocol: PortProtocol | undefined, portName: string, family: Family): { readonly id: string };
  serviceSet(service: string, withPorts: boolean, family: Family): { readonly id: string };
}

export interface SetBuilder extends SetRegistry {
  /** Registers (once) the `net` set of a selector in `family`. */
  selectorSet(selector: Selector, family: Family): IpSet;
  /** Registers the `addrPort` set of a named port on endpoints matching `selector`. */
  namedPortSet(selector: Selector, protocol: PortProtocol | undefined, portName: string, family: Family): IpSet;
  /**
   * Registers a Kubernetes Service's set (`<namespace>/<name>`): its address-port pairs for a
   * rule's destination (`addrPort`, id `svc:`), its addresses for a rule's source (`net`, id
   * `svcnoport:`), as felix/calc/rule_scanner.go names them.
   */
  serviceSet(service: string, withPorts: boolean, family: Family): IpSet;
  /** Every set registered for `family`, sorted by id. */
  sets(family: Family): IpSet[];
}

/**
 * Every member CIDR of one family in compressed-row form: member i's CIDRs are
 * texts[offsets[i] .. offsets[i + 1]). Each CIDR also has a RANK in set order (IPv4 by address
 * then prefix length, IPv6 by text), equal CIDRs sharing one rank, so that a set's members are
 * sorted as an Int32Array of ranks (no comparator calls, no new strings: `byRank` holds one text
 * per distinct CIDR, shared by every set). Sets hold up to hundreds of thousands of members.
 */
interface FamilyNets {
  readonly offsets: Int32Array;
  readonly texts: readonly string[];
  /** Per CIDR: IPv4 `address * 64 + prefix length` (exact in a double); unused for IPv6. */
  readonly keys: Float64Array;
  readonly rank: Int32Array;
  /** Canonical text per rank. */
  readonly byRank: readonly string[];
}

function v4Text(key: number): string {
  const prefix = key % 64;
  const v = (key - prefix) / 64;
  return `${Math.floor(v / 16777216) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}/${prefix}`;
}

/**
 * Whether `t` is an IPv4 CIDR as `v4Text` writes it: four decimal octets up to 255 and a prefix
 * length up to 32, without leading zeros. Checked by character codes: this runs per address.
 */
function isV4Text(t: string): boolean {
  let part = 0;
  let digits = 0;
  let value = 0;
  let leadingZero = false;
  for (let i = 0; i < t.length; i++) {
    const ch = t.charCodeAt(i);
    if (ch >= 48 && ch <= 57) {
      if (digits === 0) leadingZero = ch === 48;
      else if (leadingZero) return false;
      value = value * 10 + (ch - 48);
      if (++digits > 3) return false;
      continue;
    }
    if (digits === 0 || value > 255 || ch !== (part < 3 ? 46 : 47) || part > 3) return false;
    part++;
    digits = 0;
    value = 0;
  }
  return part === 4 && digits > 0 && value <= 32;
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

function familyNets(members: MemberTable, family: Family): FamilyNets {
  const offsets = new Int32Array(members.slots + 1);
  const texts: string[] = [];
  const v6 = family === 6;
  for (let i = 0; i < members.slots; i++) {
    for (const n of members.nets(i)) if (n.includes(":") === v6) texts.push(n);
    offsets[i + 1] = texts.length;
  }
  if (family === 6) {
    const { rank, distinct } = rankTexts(texts);
    return { offsets, texts, keys: new Float64Array(0), rank, byRank: distinct };
  }
  const keys = new Float64Array(texts.length);
  for (let p = 0; p < texts.length; p++) keys[p] = v4SortKey(texts[p]!);
  const { rank, distinct } = rankNumbers(keys);
  // The endpoints' own strings where they are canonical (they normally are), so that sets share
  // them; formatted from the key otherwise.
  const byRank = new Array<string>(distinct.length).fill("");
  for (let p = 0; p < texts.length; p++) {
    const r = rank[p]!;
    if (byRank[r] !== "") continue;
    const t = texts[p]!;
    byRank[r] = isV4Text(t) ? t : v4Text(distinct[r]!);
  }
  return { offsets, texts, keys, rank, byRank };
}

/** The set's members: the distinct CIDRs of `members`' nets in rank order. */
function sortedCidrs(fn: FamilyNets, list: readonly number[]): string[] {
  let n = 0;
  for (const i of list) n += fn.offsets[i + 1]! - fn.offsets[i]!;
  const ranks = new Int32Array(n);
  let w = 0;
  for (const i of list) for (let k = fn.offsets[i]!; k < fn.offsets[i + 1]!; k++) ranks[w++] = fn.rank[k]!;
  ranks.sort();
  const out: string[] = [];
  for (let r = 0; r < ranks.length; r++) if (r === 0 || ranks[r] !== ranks[r - 1]) out.push(fn.byRank[ranks[r]!]!);
  return out;
}

/**
 * Ranks for named-port members, which sort by address text without the prefix length (IPv6) or
 * by address key (IPv4), with the address text of a rank (IPv4: the first CIDR of that rank
 * without its prefix length, made when a set first needs it).
 */
interface AddrRanks {
  readonly rank: Int32Array;
  /** How many distinct ranks. */
  readonly size: number;
  addr(rank: number): string;
}

function bare(cidr: string): string {
  const slash = cidr.indexOf("/");
  return slash < 0 ? cidr : cidr.slice(0, slash);
}

function addrRanks(fn: FamilyNets, family: Family): AddrRanks {
  if (family === 6) {
    const { rank, distinct } = rankTexts(fn.texts.map(bare));
    return { rank, size: distinct.length, addr: (r) => distinct[r]! };
  }
  // IPv4 keys already order by address; a rank per distinct key, as for net members.
  const first = new Int32Array(fn.byRank.length).fill(-1);
  for (let p = 0; p < fn.rank.length; p++) if (first[fn.rank[p]!] === -1) first[fn.rank[p]!] = p;
  return { rank: fn.rank, size: first.length, addr: (r) => bare(fn.texts[first[r]!]!) };
}

export function createSetBuilder(members: MemberTable, services: ServiceLookup = () => ({ nets: { 4: [], 6: [] }, addrPorts: { 4: [], 6: [] } })): SetBuilder {
  const matched = new Map<string, readonly number[]>();
  const nets: Partial<Record<Family, FamilyNets>> = {};
  const addrRanksOf: Partial<Record<Family, AddrRanks>> = {};
  const addrPortTexts = new Map<string, string[]>();
  const netsOf = (f: Family): FamilyNets => (nets[f] ??= familyNets(members, f));
  const registered: Record<Family, Map<string, IpSet>> = { 4: new Map(), 6: new Map() };
  const matching = (selector: Selector, id: string): readonly number[] => {
    let m = matched.get(id);
    if (!m) {
      m = members.select(selector);
      matched.set(id, m);
    }
    return m;
  };

  return {
    selectorSet(selector, family) {
      const { id, text } = identify(selector);
      const existing = registered[family].get(id);
      if (existing) return existing;
      const set: IpSet = { id, type: "net", family, members: sortedCidrs(netsOf(family), matching(selector, id)), comment: text };
      registered[family].set(id, set);
      return set;
    },
    namedPortSet(selector, protocol, portName, family) {
      const { id: selId, text } = identify(selector);
      const id = namedPortSetId(selId, protocol, portName);
      const existing = registered[family].get(id);
      if (existing) return existing;
      const fn = netsOf(family);
      const list = matching(selector, selId);
      // Entries sort by (address rank, `proto:port` text): encoded as rank * suffixes + suffix
      // rank in one double, so the sort compares numbers. Suffixes are few (one port name), so
      // the last port's suffix id is remembered rather than looked up per endpoint.
      const ar = (addrRanksOf[family] ??= addrRanks(fn, family));
      const suffixIds = new Map<string, number>();
      const entryAddr: number[] = [];
      const entrySuffix: number[] = [];
      let lastProtocol: string | undefined;
      let lastPort = -1;
      let lastSid = -1;
      for (const i of list) {
        for (const p of members.ports(i)) {
          if (p.name !== portName) continue;
          if (p.protocol !== lastProtocol || p.port !== lastPort) {
            lastProtocol = p.protocol;
            lastPort = p.port;
            const proto = p.protocol.toLowerCase();
            if (protocol !== undefined && proto !== protocol) lastSid = -1;
            else {
              const suffix = `${proto}:${p.port}`;
              let sid = suffixIds.get(suffix);
              if (sid === undefined) suffixIds.set(suffix, (sid = suffixIds.size));
              lastSid = sid;
            }
          }
          if (lastSid < 0) continue;
          for (let k = fn.offsets[i]!; k < fn.offsets[i + 1]!; k++) {
            entryAddr.push(ar.rank[k]!);
            entrySuffix.push(lastSid);
          }
        }
      }
      const suffixes = [...suffixIds.keys()].sort();
      const suffixRank = new Int32Array(suffixes.length);
      suffixes.forEach((t, r) => (suffixRank[suffixIds.get(t)!] = r));
      const width = suffixes.length;
      const codes = new Float64Array(entryAddr.length);
      for (let e = 0; e < codes.length; e++) codes[e] = entryAddr[e]! * width + suffixRank[entrySuffix[e]!]!;
      codes.sort();
      // Member texts are shared between sets of the same family and suffix.
      const textsBySuffix = suffixes.map((t) => {
        const key = `${family}/${t}`;
        let texts = addrPortTexts.get(key);
        // Preallocated: filling a sparse `[]` at scattered indices would make it a dictionary.
        if (!texts) addrPortTexts.set(key, (texts = new Array<string>(ar.size)));
        return texts;
      });
      const out: string[] = [];
      for (let e = 0; e < codes.length; e++) {
        if (e > 0 && codes[e] === codes[e - 1]) continue;
        const c = codes[e]!;
        const r = c % width;
        const a = (c - r) / width;
        const texts = textsBySuffix[r]!;
        const m = (texts[a] ??= `${ar.addr(a)},${suffixes[r]}`);
        // Equal text from different prefix lengths of one address (adjacent only if no other suffix sorts between).
        if (out[out.length - 1] !== m) out.push(m);
      }
      const set: IpSet = { id, type: "addrPort", family, members: out, comment: namedPortSetComment(text, protocol, portName) };
      registered[family].set(id, set);
      return set;
    },
    serviceSet(service, withPorts, family) {
      const id = serviceSetId(service, withPorts);
      const existing = registered[family].get(id);
      if (existing) return existing;
      const found = services(service);
      const set: IpSet = withPorts
        ? { id, type: "addrPort", family, members: found.addrPorts[family], comment: serviceSetComment(service, true) }
        : { id, type: "net", family, members: found.nets[family], comment: serviceSetComment(service, false) };
      registered[family].set(id, set);
      return set;
    },
    sets(family) {
      return [...registered[family].values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}
