/**
 * CIDR and address parsing with ipaddr.js, in the forms Calico accepts.
 */
import ipaddr from "ipaddr.js";

/** A parsed CIDR in canonical text. */
export interface ParsedCidr {
  readonly ok: true;
  /** Network address (host bits cleared) and prefix, IPv6 in ipaddr.js's compact (RFC 5952) form. */
  readonly canonical: string;
  readonly family: 4 | 6;
  /** True when the text had host bits set (they were cleared). */
  readonly hostBits: boolean;
  readonly address: readonly number[];
  readonly prefix: number;
}

export type CidrResult = ParsedCidr | { readonly ok: false; readonly reason: string };

/**
 * Parses a CIDR or a bare address (which becomes /32 or /128). IPv4 must be four decimal parts:
 * ipaddr.js would otherwise accept legacy forms such as `10.1` or hex octets, which Go's
 * net.ParseCIDR (Calico's parser) rejects.
 */
export function parseCidr(text: string): CidrResult {
  const slash = text.indexOf("/");
  const addrText = slash < 0 ? text : text.slice(0, slash);
  const prefixText = slash < 0 ? undefined : text.slice(slash + 1);
  const addr = parseAddress(addrText);
  if (!addr) return { ok: false, reason: `"${text}" is not a valid IP address or CIDR` };
  const bits = addr.kind() === "ipv4" ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
      return { ok: false, reason: `"${text}" has an invalid prefix length (0-${bits})` };
    }
    prefix = Number(prefixText);
  }
  const bytes = addr.toByteArray();
  const masked = bytes.map((b, i) => b & byteMask(prefix - i * 8));
  const hostBits = masked.some((b, i) => b !== bytes[i]);
  const network = ipaddr.fromByteArray(masked);
  return {
    ok: true,
    canonical: `${network.toString()}/${prefix}`,
    family: bits === 32 ? 4 : 6,
    hostBits,
    address: masked,
    prefix,
  };
}

/**
 * `text` when it is a single address's CIDR (/32 or /128) already in the canonical text
 * `parseCidr` gives, else undefined: every endpoint address of a cluster is written so, and this
 * answers without ipaddr.js and the arrays and strings `parseCidr` makes (`buildEndpointNets`).
 */
export function canonicalHostCidr(text: string): string | undefined {
  const slash = text.indexOf("/");
  if (slash < 0) return undefined;
  const prefix = text.slice(slash + 1);
  if (prefix === "32") return canonicalV4.test(text.slice(0, slash)) ? text : undefined;
  if (prefix === "128") return isCanonicalV6(text.slice(0, slash)) ? text : undefined;
  return undefined;
}

/** An IPv4 address already in canonical form: four decimal parts 0-255 without leading zeros. */
const canonicalV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses a single address to its canonical text, or undefined. */
export function canonicalAddress(text: string): { text: string; family: 4 | 6 } | undefined {
  // The common case, without ipaddr.js (every pod address goes through here): such an address
  // is valid, and ipaddr.js prints it as written.
  if (canonicalV4.test(text)) return { text, family: 4 };
  if (isCanonicalV6(text)) return { text, family: 6 };
  const addr = parseAddress(text);
  if (!addr) return undefined;
  return { text: addr.toString(), family: addr.kind() === "ipv4" ? 4 : 6 };
}

/** A group of an IPv6 address as RFC 5952 writes it: lower case, no leading zeros. */
const canonicalGroup = /^(?:0|[1-9a-f][0-9a-f]{0,3})$/;

/**
 * Whether `text` is an IPv6 address exactly as ipaddr.js prints it (RFC 5952: lower-case groups
 * without leading zeros, the leftmost longest run of two or more zero groups written `::`).
 * Such a text is valid, and canonical as it is; any other text is left to ipaddr.js.
 */
function isCanonicalV6(text: string): boolean {
  if (text.length < 2 || text.length > 39 || !text.includes(":")) return false;
  const halves = text.split("::");
  if (halves.length > 2) return false;
  const left = hexGroups(halves[0]!);
  const right = halves.length === 2 ? hexGroups(halves[1]!) : [];
  if (left === undefined || right === undefined) return false;
  let groups: number[];
  if (halves.length === 2) {
    const zeros = 8 - left.length - right.length;
    if (zeros < 1) return false;
    groups = [...left, ...new Array<number>(zeros).fill(0), ...right];
  } else {
    if (left.length !== 8) return false;
    groups = left;
  }
  return printRfc5952(groups) === text;
}

function hexGroups(part: string): number[] | undefined {
  if (part === "") return [];
  const groups: number[] = [];
  for (const g of part.split(":")) {
    if (!canonicalGroup.test(g)) return undefined;
    groups.push(Number.parseInt(g, 16));
  }
  return groups;
}

/** Eight groups written as RFC 5952 (and ipaddr.js's `toRFC5952String`) writes them. */
function printRfc5952(groups: readonly number[]): string {
  let best = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) {
      best = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  return best < 0 ? hex.join(":") : `${hex.slice(0, best).join(":")}::${hex.slice(best + bestLength).join(":")}`;
}

/** Whether `inner` lies inside `outer` and is strictly smaller (same family). */
export function isStrictSubnet(inner: ParsedCidr, outer: ParsedCidr): boolean {
  if (inner.family !== outer.family || inner.prefix <= outer.prefix) return false;
  return inner.address.every((b, i) => (b & byteMask(outer.prefix - i * 8)) === outer.address[i]);
}

/** Whether a canonical CIDR covers a whole address family (0.0.0.0/0 or ::/0). */
export function isCatchAll(canonical: string): boolean {
  return canonical.endsWith("/0");
}

/** The family of a canonical CIDR or address. */
export function familyOf(canonical: string): 4 | 6 {
  return canonical.includes(":") ? 6 : 4;
}

function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  // Four decimal parts never hold a colon; asking ipaddr.js anyway costs an exception per
  // IPv6 address.
  if (!text.includes(":") && ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text);
  if (text.includes(":") && ipaddr.IPv6.isValid(text)) {
    // Zone indices (fe80::1%eth0) are not part of a CIDR.
    if (text.includes("%")) return undefined;
    return ipaddr.IPv6.parse(text);
  }
  return undefined;
}

/** The mask of one byte whose first `bits` bits (clamped to 0-8) are network bits. */
function byteMask(bits: number): number {
  if (bits >= 8) return 0xff;
  if (bits <= 0) return 0;
  return (0xff << (8 - bits)) & 0xff;
}
