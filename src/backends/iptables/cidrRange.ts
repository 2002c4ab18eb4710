/**
 * A CIDR as the inclusive address range `first-last` that `-m iprange --src-range/--dst-range`
 * takes (iptables-extensions(8), iprange). A CIDR is exactly such a range, so this is lossless.
 */
import ipaddr from "ipaddr.js";

function toBigInt(bytes: readonly number[]): bigint {
  return bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

function toBytes(value: bigint, length: number): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < length; i++) bytes.unshift(Number((value >> BigInt(8 * i)) & 0xffn));
  return bytes;
}

/** `10.0.1.0/24` → `10.0.1.0-10.0.1.255`; host bits in the CIDR are ignored. Throws on a non-CIDR. */
export function cidrRange(cidr: string): string {
  const [address, prefixLength] = ipaddr.parseCIDR(cidr);
  const bytes = address.toByteArray();
  const hostBits = BigInt(bytes.length * 8 - prefixLength);
  const first = (toBigInt(bytes) >> hostBits) << hostBits;
  const last = first | ((1n << hostBits) - 1n);
  const text = (n: bigint): string => ipaddr.fromByteArray(toBytes(n, bytes.length)).toString();
  return `${text(first)}-${text(last)}`;
}
