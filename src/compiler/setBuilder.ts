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
import { printSelector, uniqueId } from "../model/selector/index.js";
import type { SelectableMember } from "./endpoints.js";
import type { LabelIndex } from "./selectors/labelIndex.js";
import { buildLabelIndex, selectMembers } from "./selectors/labelIndex.js";

/** Lower-case protocol names as ipset's hash:ip,port members spell them. */
export type PortProtocol = "tcp" | "udp" | "sctp";

export interface SetBuilder {
  /** Registers (once) the `net` set of a selector in `family`. */
  selectorSet(selector: Selector, family: Family): IpSet;
  /** Registers the `addrPort` set of a named port on endpoints matching `selector`. */
  namedPortSet(selector: Selector, protocol: PortProtocol | undefined, portName: string, family: Family): IpSet;
  /** Every set registered for `family`, sorted by id. */
  sets(family: Family): IpSet[];
}

const ids = new WeakMap<Selector, { id: string; text: string }>();

/** Canonical text and Calico id of a selector, memoized per tree object. */
function identify(selector: Selector): { id: string; text: string } {
  let v = ids.get(selector);
  if (!v) {
    const text = printSelector(selector);
    ids.set(selector, (v = { id: uniqueId("s", text), text }));
  }
  return v;
}

/**
 * Every member CIDR of one family in compressed-row form: member i's CIDRs are
 * texts[offsets[i] .. offsets[i + 1]), with numeric sort keys (IPv4: address * 64 + prefix
 * length, exact in a double) so that sets sort numbers, not strings.
 */
interface FamilyNets {
  readonly offsets: Int32Array;
  readonly texts: readonly string[];
  readonly keys: Float64Array;
}

/** Parses by character codes (no splitting): this runs once per endpoint address. */
function v4Key(cidr: string): number {
  let v = 0;
  let octet = 0;
  let prefix = 0;
  let inPrefix = false;
  for (let i = 0; i < cidr.length; i++) {
    const ch = cidr.charCodeAt(i);
    if (ch === 46) {
      v = v * 256 + octet;
      octet = 0;
    } else if (ch === 47) inPrefix = true;
    else if (inPrefix) prefix = prefix * 10 + (ch - 48);
    else octet = octet * 10 + (ch - 48);
  }
  return (v * 256 + octet) * 64 + (inPrefix ? prefix : 32);
}

function v4Text(key: number): string {
  const prefix = key % 64;
  const v = (key - prefix) / 64;
  return `${Math.floor(v / 16777216) % 256}.${Math.floor(v / 65536) % 256}.${Math.floor(v / 256) % 256}.${v % 256}/${prefix}`;
}

function familyNets(members: readonly SelectableMember[], family: Family): FamilyNets {
  const offsets = new Int32Array(members.length + 1);
  const texts: string[] = [];
  members.forEach((m, i) => {
    for (const n of m.nets) if (n.includes(":") === (family === 6)) texts.push(n);
    offsets[i + 1] = texts.length;
  });
  return { offsets, texts, keys: family === 4 ? Float64Array.from(texts, v4Key) : new Float64Array(0) };
}

/** Sorted, de-duplicated members: by address for IPv4 (numeric keys), by text for IPv6. */
function sortedCidrs(fn: FamilyNets, family: Family, positions: readonly number[]): string[] {
  if (family === 6) return [...new Set(positions.map((p) => fn.texts[p]!))].sort();
  const keys = Float64Array.from(positions, (p) => fn.keys[p]!).sort();
  const out: string[] = [];
  for (let r = 0; r < keys.length; r++) if (r === 0 || keys[r] !== keys[r - 1]) out.push(v4Text(keys[r]!));
  return out;
}

export function createSetBuilder(members: readonly SelectableMember[]): SetBuilder {
  let index: LabelIndex | undefined;
  const matched = new Map<string, readonly number[]>();
  const nets: Partial<Record<Family, FamilyNets>> = {};
  const netsOf = (f: Family): FamilyNets => (nets[f] ??= familyNets(members, f));
  const registered: Record<Family, Map<string, IpSet>> = { 4: new Map(), 6: new Map() };
  // Scratch marks (one byte per member) for intersecting a member list with port holders.
  let mark: Uint8Array | undefined;
  let byPortName: Map<string, number[]> | undefined;
  const withPort = (name: string): readonly number[] => {
    if (!byPortName) {
      const idx = new Map<string, number[]>();
      members.forEach((m, i) => {
        for (const p of m.ports) {
          const l = idx.get(p.name);
          if (!l) idx.set(p.name, [i]);
          else if (l[l.length - 1] !== i) l.push(i);
        }
      });
      byPortName = idx;
    }
    return byPortName.get(name) ?? [];
  };

  const matching = (selector: Selector, id: string): readonly number[] => {
    let m = matched.get(id);
    if (!m) {
      index ??= buildLabelIndex(members.map((x) => x.labels));
      m = selectMembers(index, selector);
      matched.set(id, m);
    }
    return m;
  };

  return {
    selectorSet(selector, family) {
      const { id, text } = identify(selector);
      const existing = registered[family].get(id);
      if (existing) return existing;
      const fn = netsOf(family);
      const positions: number[] = [];
      for (const i of matching(selector, id)) for (let k = fn.offsets[i]!; k < fn.offsets[i + 1]!; k++) positions.push(k);
      const set: IpSet = { id, type: "net", family, members: sortedCidrs(fn, family, positions), comment: text };
      registered[family].set(id, set);
      return set;
    },
    namedPortSet(selector, protocol, portName, family) {
      const { id: selId, text } = identify(selector);
      const id = uniqueId("n", `${selId},${protocol ?? ""},${portName}`);
      const existing = registered[family].get(id);
      if (existing) return existing;
      const fn = netsOf(family);
      const list = matching(selector, selId);
      const holders = withPort(portName);
      mark ??= new Uint8Array(members.length);
      for (const i of list) mark[i] = 1;
      const entries: { key: number; addr: string; suffix: string }[] = [];
      for (const i of holders) {
        if (mark[i] !== 1) continue;
        for (const p of members[i]!.ports) {
          const proto = p.protocol.toLowerCase();
          if (p.name !== portName || (protocol !== undefined && proto !== protocol)) continue;
          for (let k = fn.offsets[i]!; k < fn.offsets[i + 1]!; k++) {
            const cidr = fn.texts[k]!;
            const slash = cidr.indexOf("/");
            entries.push({ key: family === 4 ? fn.keys[k]! : 0, addr: slash < 0 ? cidr : cidr.slice(0, slash), suffix: `${proto}:${p.port}` });
          }
        }
      }
      for (const i of list) mark[i] = 0;
      const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
      entries.sort((a, b) => a.key - b.key || cmp(a.addr, b.addr) || cmp(a.suffix, b.suffix));
      const out: string[] = [];
      for (const e of entries) {
        const m = `${e.addr},${e.suffix}`;
        if (out[out.length - 1] !== m) out.push(m);
      }
      const set: IpSet = { id, type: "addrPort", family, members: out, comment: `${text} ${protocol ?? "any"}:${portName}` };
      registered[family].set(id, set);
      return set;
    },
    sets(family) {
      return [...registered[family].values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
  };
}
