/**
 * IP addresses and CIDRs as numbers, so that containment is a shift and a compare. Parsed once
 * when the model is prepared; flows parse their two addresses once per evaluation.
 */
import ipaddr from "ipaddr.js";

export type Family = 4 | 6;

/** One address. `text` is the canonical form (RFC 5952 for IPv6). */
export interface Address {
  readonly family: Family;
  readonly value: bigint;
  readonly text: string;
}

/** A network: `network` has the host bits cleared. */
export interface Cidr {
  readonly family: Family;
  readonly network: bigint;
  readonly prefix: number;
  readonly text: string;
}

function bitsOf(family: Family): number {
  return family === 4 ? 32 : 128;
}

function toBigInt(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/**
 * The value of dotted decimal with no leading zero in an octet (ipaddr.js reads `010` as octal),
 * which is already canonical text: four parts of 0-255. Undefined for any other text. Read a
 * character at a time, without a regular expression's match array (once per pod address).
 */
function plainIpv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let parts = 0;
  for (let i = 0; i <= text.length; i++) {
    // The end of the text ends the last part as a dot would.
    const c = i < text.length ? text.charCodeAt(i) : 0x2e;
    if (c === 0x2e) {
      if (digits === 0 || parts === 4) return undefined;
      value = value * 256 + octet;
      parts++;
      octet = 0;
      digits = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      if (digits > 0 && octet === 0) return undefined;
      octet = octet * 10 + (c - 0x30);
      digits++;
      if (octet > 255) return undefined;
    } else {
      return undefined;
    }
  }
  return parts === 4 ? value : undefined;
}

/** Parses a bare address; undefined when it is not one. */
export function parseAddress(text: string): Address | undefined {
  // The common case without ipaddr.js (the same result; clusters hold hundreds of thousands of these).
  const v4 = plainIpv4(text);
  if (v4 !== undefined) return { family: 4, value: BigInt(v4), text };
  if (text.includes(":")) {
    const v6 = plainIpv6(text);
    if (v6) return v6;
  }
  if (!ipaddr.isValid(text)) return undefined;
  const parsed = ipaddr.parse(text);
  const family: Family = parsed.kind() === "ipv4" ? 4 : 6;
  return { family, value: toBigInt(parsed.toByteArray()), text: parsed.toString() };
}

/** The value of a hexadecimal digit's character code, or -1. */
function hexDigit(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/**
 * An IPv6 address written as groups of one to four hex digits, eight of them or fewer with one
 * `::` standing for at least one zero group (no embedded IPv4, no zone): read without ipaddr.js,
 * to the same value and RFC 5952 text (every pod of a dual-stack cluster has one; the property
 * test in addresses.test.ts checks the two agree). Undefined for any other text, which goes to
 * ipaddr.js.
 */
function plainIpv6(text: string): Address | undefined {
  const n = text.length;
  if (n < 2 || n > 39) return undefined;
  const groups: number[] = [];
  /** Where the `::` stands among the groups, or -1. */
  let gap = -1;
  let i = 0;
  if (text.charCodeAt(0) === 0x3a) {
    if (text.charCodeAt(1) !== 0x3a) return undefined;
    gap = 0;
    i = 2;
  }
  while (i < n) {
    let group = 0;
    let digits = 0;
    for (; i < n && digits <= 4; i++, digits++) {
      const h = hexDigit(text.charCodeAt(i));
      if (h < 0) break;
      group = group * 16 + h;
    }
    if (digits === 0 || digits > 4) return undefined;
    groups.push(group);
    if (i === n) break;
    if (text.charCodeAt(i) !== 0x3a) return undefined;
    i++;
    if (i < n && text.charCodeAt(i) === 0x3a) {
      if (gap >= 0) return undefined;
      gap = groups.length;
      i++;
    } else if (i === n) {
      return undefined;
    }
  }
  if (gap < 0 ? groups.length !== 8 : groups.length > 7) return undefined;
  if (gap >= 0) groups.splice(gap, 0, ...new Array<number>(8 - groups.length).fill(0));
  let value = 0n;
  for (let g = 0; g < 8; g += 2) value = (value << 32n) | BigInt(groups[g]! * 0x10000 + groups[g + 1]!);
  return { family: 6, value, text: rfc5952(groups) };
}

/** Eight groups as RFC 5952 writes them: lower-case hex, the leftmost longest run of two or more zero groups as `::`. */
function rfc5952(groups: readonly number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  return best < 0 ? hexGroups(groups, 0, 8) : `${hexGroups(groups, 0, best)}::${hexGroups(groups, best + bestLength, 8)}`;
}

/** Groups [from, to) in lower-case hex, joined by colons. */
function hexGroups(groups: readonly number[], from: number, to: number): string {
  let out = "";
  for (let i = from; i < to; i++) out += (i > from ? ":" : "") + groups[i]!.toString(16);
  return out;
}

/** Parses `addr/len` or a bare address (a host network, /32 or /128); host bits are cleared. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const addr = parseAddress(slash < 0 ? text : text.slice(0, slash));
  if (!addr) return undefined;
  const bits = bitsOf(addr.family);
  const prefix = slash < 0 ? bits : Number(text.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > bits) return undefined;
  const shift = BigInt(bits - prefix);
  return { family: addr.family, network: (addr.value >> shift) << shift, prefix, text: `${addr.text}/${prefix}` };
}

/** Whether `addr` lies in `cidr` (never across families). */
export function cidrContains(cidr: Cidr, addr: Address): boolean {
  if (cidr.family !== addr.family) return false;
  const shift = BigInt(bitsOf(cidr.family) - cidr.prefix);
  return addr.value >> shift === cidr.network >> shift;
}

/** Whether `cidr` is a single host (/32 or /128). */
export function isHostCidr(cidr: Cidr): boolean {
  return cidr.prefix === bitsOf(cidr.family);
}

/** `cidr`'s first address, e.g. a workload endpoint's address from its `ipNetworks` entry. */
export function cidrAddress(cidr: Cidr): Address {
  const bytes: number[] = [];
  let v = cidr.network;
  for (let i = 0; i < bitsOf(cidr.family) / 8; i++) {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  }
  return { family: cidr.family, value: cidr.network, text: ipaddr.fromByteArray(bytes).toString() };
}
