/** Port-range arithmetic of the port passes (and of the iptables backend's multiport split). */
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
