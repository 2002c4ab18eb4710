/**
 * ipset state: parsing `ipset save` and normalizing members, so that what we want
 * (`10.0.0.1/32`, from the IR) and what the kernel prints (`10.0.0.1`) compare equal.
 */
import ipaddr from "ipaddr.js";
import type { SetMeta, SetState } from "./iptablesState.js";
import { ownedSetFamily } from "./iptablesState.js";

/** A set as `ipset list -t` shows it: no members, but their number. */
export interface SetHeader extends SetMeta {
  readonly entries: number;
}

/**
 * The kernel's spelling of a member: addresses in canonical form (IPv6 compressed, lower case),
 * a CIDR with its host bits cleared, and a full-length prefix (`/32`, `/128`) left out, as
 * `ipset save` prints them. `addr,proto:port` members get the same treatment on the address.
 * Text that does not parse is returned unchanged.
 */
export function normalizeMember(member: string): string {
  const comma = member.indexOf(",");
  // Most members (every IPv4 one the compiler writes for a pod) are already plain dotted quads:
  // kept as they are without a regular expression or any string built (a million on shape L).
  // So are the IPv6 ones, in the kernel's own form (`generalMember` would try the IPv4 pattern
  // first and, with a port, build the member anew: 0.2-0.4 us each, against under 0.1 us).
  const end = comma >= 0 ? comma : member.length;
  if (isPlainV4(member, end) || isCanonicalV6(member, end)) return member;
  return generalMember(member, comma);
}

/** `normalizeMember` without its shortcuts (exported for the test that they agree). */
export function generalMember(member: string, comma = member.indexOf(",")): string {
  if (comma >= 0) return `${normalizeAddress(member.slice(0, comma))}${member.slice(comma)}`;
  return normalizeAddress(member);
}

/**
 * Whether `text` up to `end` is a dotted quad without a prefix length, octets of one to three
 * digits without leading zeros and at most 255, read without allocating: `normalizeAddress`
 * returns such an address unchanged (`V4`, `normalizeV4`).
 */
function isPlainV4(text: string, end: number): boolean {
  let i = 0;
  for (let octet = 0; ; octet++) {
    const start = i;
    let value = 0;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (c < 48 || c > 57) break;
      value = value * 10 + c - 48;
    }
    const digits = i - start;
    if (digits === 0 || digits > 3 || value > 255 || (digits > 1 && text.charCodeAt(start) === 48)) return false;
    if (octet === 3) return i === end;
    if (i >= end || text.charCodeAt(i) !== 46) return false;
    i++;
  }
}

/** Dotted-quad IPv4 or colon-separated IPv6, with an optional prefix length; nothing looser. */
const ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)(\/\d{1,3})?$/;

/** Plain dotted-quad IPv4 with an optional prefix: the common case, normalized without ipaddr.js. */
const V4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\/(\d{1,2}))?$/;

function normalizeV4(text: string, m: RegExpExecArray): string | undefined {
  // A plain address or a /32 (by far the most members): the kernel prints the bare address.
  if (m[5] === undefined || m[5] === "32") {
    if (Number(m[1]) > 255 || Number(m[2]) > 255 || Number(m[3]) > 255 || Number(m[4]) > 255) return undefined;
    return m[5] === undefined ? text : text.slice(0, -3);
  }
  const octets = [m[1], m[2], m[3], m[4]].map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const length = m[5] === undefined ? 32 : Number(m[5]);
  if (length > 32) return undefined;
  if (length === 32) return octets.join(".");
  const value = octets.reduce((v, o) => v * 256 + o, 0);
  const network = length === 0 ? 0 : value - (value % 2 ** (32 - length));
  return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".")}/${length}`;
}

const HEXTET = /^[0-9A-Fa-f]{1,4}$/;

/**
 * An IPv6 address (no prefix, no embedded IPv4) as the kernel prints it: inet_ntop's RFC 5952
 * form, lower case, leading zeros dropped, the longest run of two or more zero groups (the first
 * on a tie) written `::`. Undefined when `text` is not such an address.
 */
export function canonicalV6(text: string): string | undefined {
  // Most members (every one the compiler writes) are already in this form.
  if (isCanonicalV6(text)) return text;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] === "" || halves[0] === undefined ? [] : halves[0].split(":");
  const tail = halves.length === 2 && halves[1] !== "" && halves[1] !== undefined ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? head.length !== 8 : missing < 1) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => HEXTET.test(g))) return undefined;
  const values = groups.map((g) => parseInt(g, 16));
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && values[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j === i ? i + 1 : j;
  }
  const hex = values.map((v) => v.toString(16));
  if (best < 0) return hex.join(":");
  return `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}

/** Scratch for `isCanonicalV6`: the groups written, in order (one thread, never reentered). */
const written = new Int32Array(8);

/** The value of a lower-case hex digit, or -1. */
function lowerHex(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  return -1;
}

/**
 * Whether `text` up to `end` is an IPv6 address exactly as `canonicalV6` prints it, read without
 * allocating: lower-case groups without leading zeros, and `::` standing for the leftmost longest
 * run of two or more zero groups and for nothing else. Anything else is left to `canonicalV6`'s
 * general way.
 */
function isCanonicalV6(text: string, end: number = text.length): boolean {
  const n = end;
  let count = 0;
  /** How many groups were written before `::`, or -1 without one. */
  let gap = -1;
  let i = 0;
  if (n >= 2 && text.charCodeAt(0) === 58 && text.charCodeAt(1) === 58) {
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let value = 0;
    let digits = 0;
    for (let d = lowerHex(text.charCodeAt(i)); d >= 0 && i < n; d = lowerHex(text.charCodeAt(i))) {
      // A leading zero (`0` followed by another digit) is not the printed form.
      if (digits === 0 && d === 0 && i + 1 < n && lowerHex(text.charCodeAt(i + 1)) >= 0) return false;
      value = value * 16 + d;
      digits++;
      i++;
    }
    if (digits === 0 || digits > 4 || count === 8) return false;
    written[count++] = value;
    if (i === n) break;
    if (text.charCodeAt(i) !== 58) return false;
    i++;
    if (i === n) return false;
    if (text.charCodeAt(i) === 58) {
      if (gap >= 0) return false;
      gap = count;
      i++;
    }
  }
  const missing = 8 - count;
  if (gap < 0 ? missing !== 0 : missing < 2) return false;
  // The leftmost longest run of two or more zero groups, as `canonicalV6` finds it.
  let best = -1;
  let bestLength = 1;
  let run = 0;
  for (let p = 0; p < 8; p++) {
    const v = gap < 0 || p < gap ? written[p]! : p < gap + missing ? 0 : written[p - missing]!;
    run = v === 0 ? run + 1 : 0;
    if (run > bestLength) {
      best = p - run + 1;
      bestLength = run;
    }
  }
  return gap < 0 ? best < 0 : best === gap && bestLength === missing;
}

function normalizeAddress(text: string): string {
  const v4 = V4.exec(text);
  if (v4 !== null) return normalizeV4(text, v4) ?? text;
  if (text.includes(":") && !text.includes(".")) {
    const slash = text.indexOf("/");
    if (slash < 0 || text.slice(slash) === "/128") {
      const canonical = canonicalV6(slash < 0 ? text : text.slice(0, slash));
      if (canonical !== undefined) return canonical;
    }
  }
  // ipaddr.js also reads `8080` as an IPv4 address (0.0.31.144); a port must stay a port.
  if (!ADDRESS.test(text)) return text;
  try {
    if (!text.includes("/")) return ipaddr.parse(text).toString();
    const [address, length] = ipaddr.parseCIDR(text);
    const full = address.kind() === "ipv4" ? 32 : 128;
    if (length === full) return address.toString();
    const network = address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
    return `${network.toString()}/${length}`;
  } catch {
    return text;
  }
}

/** Words after `create <name>`: `<type> family inet hashsize 1024 maxelem 65536 …`. */
function createOptions(words: readonly string[]): Omit<SetState, "name" | "members"> {
  const value = (key: string): string | undefined => {
    const i = words.indexOf(key);
    return i < 0 ? undefined : words[i + 1];
  };
  const family = value("family") === "inet6" ? "inet6" : "inet";
  // ipset(8): maxelem defaults to 65536 and is always printed by `save`.
  return { type: words[0] ?? "", family, maxelem: Number(value("maxelem") ?? 65536) };
}

/**
 * Parses `ipset save` output, keeping only our sets (`cali4…`, `cali6…`). Members are kept as
 * the kernel prints them, which is already the spelling `normalizeMember` produces, in the
 * kernel's order. (A million-member node makes this the applier's hottest loop, hence the
 * plain string scanning.)
 */
export function parseIpsetSave(text: string): SetState[] {
  const sets = new Map<string, { options: Omit<SetState, "name" | "members">; members: string[] }>();
  let current: { name: string; members: string[] } | undefined;
  // Lines are scanned in place (indexOf from an offset) rather than split out: a million lines
  // would otherwise be a million throwaway strings.
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end < 0) end = text.length;
    if (text.startsWith("add ", start)) {
      const nameEnd = text.indexOf(" ", start + 4);
      if (nameEnd >= 0 && nameEnd < end) {
        const name = text.slice(start + 4, nameEnd);
        if (current?.name !== name) {
          const set = sets.get(name);
          current = set === undefined ? undefined : { name, members: set.members };
        }
        if (current !== undefined) {
          const memberEnd = text.indexOf(" ", nameEnd + 1);
          current.members.push(text.slice(nameEnd + 1, memberEnd >= 0 && memberEnd < end ? memberEnd : end));
        }
      }
    } else if (text.startsWith("create ", start)) {
      const words = text.slice(start, end).trim().split(/\s+/);
      const name = words[1];
      if (name !== undefined && ownedSetFamily(name) !== undefined) sets.set(name, { options: createOptions(words.slice(2)), members: [] });
    }
    start = end + 1;
  }
  return [...sets].map(([name, s]) => ({ name, ...s.options, members: s.members }));
}

/**
 * Parses `ipset list -t` (headers only, no members), keeping only our sets. Each set is a block
 * of `Key: value` lines: `Name`, `Type`, `Header` (`family inet hashsize … maxelem …`) and
 * `Number of entries`.
 */
export function parseIpsetHeaders(text: string): SetHeader[] {
  const headers: SetHeader[] = [];
  const flush = (block: Map<string, string>): void => {
    const name = block.get("Name");
    if (name === undefined || ownedSetFamily(name) === undefined) return;
    const options = createOptions([block.get("Type") ?? "", ...(block.get("Header") ?? "").split(/\s+/)]);
    headers.push({ name, ...options, entries: Number(block.get("Number of entries") ?? NaN) });
  };
  let block = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(": ");
    const key = colon < 0 ? line.replace(/:$/, "") : line.slice(0, colon);
    if (key === "Name" && block.size > 0) {
      flush(block);
      block = new Map();
    }
    if (key !== "") block.set(key, colon < 0 ? "" : line.slice(colon + 2).trim());
  }
  flush(block);
  return headers;
}
