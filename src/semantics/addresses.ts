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

/** Dotted decimal with no leading zero in an octet (ipaddr.js reads `010` as octal): already canonical. */
const PLAIN_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

/** Parses a bare address; undefined when it is not one. */
export function parseAddress(text: string): Address | undefined {
  // The common case without ipaddr.js (the same result; clusters hold hundreds of thousands of these).
  const plain = PLAIN_IPV4.exec(text);
  if (plain) {
    const value = ((Number(plain[1]) << 24) | (Number(plain[2]) << 16) | (Number(plain[3]) << 8) | Number(plain[4])) >>> 0;
    return { family: 4, value: BigInt(value), text };
  }
  if (!ipaddr.isValid(text)) return undefined;
  const parsed = ipaddr.parse(text);
  const family: Family = parsed.kind() === "ipv4" ? 4 : 6;
  return { family, value: toBigInt(parsed.toByteArray()), text: parsed.toString() };
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
