/** Port-range arithmetic shared by the port passes. */
import type { PortRange } from "../ir/types.js";

/** Sorted, with overlapping and adjacent ranges merged (so the result is disjoint). */
export function mergeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first || a.last - b.last);
  const out: { first: number; last: number }[] = [];
  for (const r of sorted) {
    const top = out[out.length - 1];
    if (top && r.first <= top.last + 1) top.last = Math.max(top.last, r.last);
    else out.push({ first: r.first, last: r.last });
  }
  return out;
}

/**
 * multiport accepts "up to 15 ports ... A port range (port:port) counts as two ports"
 * (iptables-extensions(8), multiport); Felix's SplitPortList uses the same costs.
 */
export const MULTIPORT_SLOTS = 15;

export function portCost(r: PortRange): number {
  return r.first === r.last ? 1 : 2;
}

/** Splits a list into consecutive chunks of at most 15 multiport slots each. */
export function splitRanges(ranges: readonly PortRange[]): PortRange[][] {
  const chunks: PortRange[][] = [];
  let cur: PortRange[] = [];
  let used = 0;
  for (const r of ranges) {
    const c = portCost(r);
    if (used + c > MULTIPORT_SLOTS) {
      chunks.push(cur);
      cur = [];
      used = 0;
    }
    cur.push(r);
    used += c;
  }
  if (cur.length > 0) chunks.push(cur);
  return chunks;
}

export function slots(ranges: readonly PortRange[]): number {
  return ranges.reduce((n, r) => n + portCost(r), 0);
}
