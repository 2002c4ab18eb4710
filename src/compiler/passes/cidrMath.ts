/**
 * CIDR arithmetic on bigints: a list of CIDRs to the minimal list covering exactly the same
 * addresses (contained prefixes removed, adjacent ones merged).
 */
import ipaddr from "ipaddr.js";

interface Interval {
  start: bigint;
  end: bigint;
}

function toBigInt(bytes: readonly number[]): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

function fromBigInt(v: bigint, bits: number): string {
  const n = bits / 8;
  const bytes: number[] = [];
  for (let i = n - 1; i >= 0; i--) bytes.push(Number((v >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

/** Parses a CIDR (or bare address) into an inclusive address interval. */
export function cidrInterval(cidr: string): { interval: Interval; bits: number } {
  const [addr, prefix] = ipaddr.parseCIDR(cidr.includes("/") ? cidr : `${cidr}/${cidr.includes(":") ? 128 : 32}`);
  const bits = addr.kind() === "ipv6" ? 128 : 32;
  const size = 1n << BigInt(bits - prefix);
  const start = (toBigInt(addr.toByteArray()) / size) * size;
  return { interval: { start, end: start + size - 1n }, bits };
}

/** The minimal CIDR list (sorted by address) covering the union of `cidrs`, all of one family. */
export function aggregateCidrs(cidrs: readonly string[]): string[] {
  if (cidrs.length === 0) return [];
  const parsed = cidrs.map(cidrInterval);
  const bits = parsed[0]!.bits;
  const intervals = parsed.map((p) => p.interval).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
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
      // Largest aligned block starting at cur that fits in [cur, end].
      let size = 1n;
      let prefix = bits;
      while (prefix > 0) {
        const next = size << 1n;
        if (cur % next !== 0n || cur + next - 1n > end) break;
        size = next;
        prefix--;
      }
      out.push(`${fromBigInt(cur, bits)}/${prefix}`);
      cur += size;
    }
  }
  return out;
}

/** Whether `addr` (a bare address) lies in `cidr`; false across families. */
export function cidrContains(cidr: string, addr: string): boolean {
  const c = cidrInterval(cidr);
  const a = cidrInterval(addr);
  return c.bits === a.bits && a.interval.start >= c.interval.start && a.interval.start <= c.interval.end;
}
