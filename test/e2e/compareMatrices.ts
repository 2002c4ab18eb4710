/**
 * Comparing an observed reachability matrix with the expected one, and printing the difference
 * as a table a person can read.
 */
import type { Matrices } from "./probe.js";

export interface Mismatch {
  /** Matrix key, e.g. `v4 tcp/80`. */
  readonly key: string;
  readonly from: string;
  readonly to: string;
  readonly expected: boolean;
  /** Undefined when the pair was not observed at all. */
  readonly actual: boolean | undefined;
}

/** Every pair of `expected` whose value in `actual` differs (or is missing). */
export function compareMatrices(actual: Matrices, expected: Matrices): Mismatch[] {
  const out: Mismatch[] = [];
  for (const key of Object.keys(expected).sort()) {
    const rows = expected[key]!;
    for (const from of Object.keys(rows).sort()) {
      for (const [to, want] of Object.entries(rows[from]!).sort(([a], [b]) => (a < b ? -1 : 1))) {
        const got = actual[key]?.[from]?.[to];
        if (got !== want) out.push({ key, from, to, expected: want, actual: got });
      }
    }
  }
  return out;
}

/**
 * One table per matrix key that has a mismatch: rows are sources, columns destinations.
 * Cells: `ok` allowed as expected, `.` denied as expected, `ALLOWED!` allowed but expected
 * denied, `DENIED!` denied but expected allowed, `?` not observed, blank for self.
 */
export function formatMismatches(label: string, actual: Matrices, expected: Matrices, mismatches: readonly Mismatch[]): string {
  if (mismatches.length === 0) return "";
  const lines: string[] = [`${label}: ${mismatches.length} mismatch(es) (rows: from, columns: to)`];
  for (const key of [...new Set(mismatches.map((m) => m.key))]) {
    const rows = expected[key]!;
    const ids = [...new Set([...Object.keys(rows), ...Object.values(rows).flatMap((r) => Object.keys(r))])].sort();
    const cell = (from: string, to: string): string => {
      const want = rows[from]?.[to];
      if (want === undefined) return "";
      const got = actual[key]?.[from]?.[to];
      if (got === undefined) return "?";
      if (got === want) return got ? "ok" : ".";
      return got ? "ALLOWED!" : "DENIED!";
    };
    const table = [["", ...ids], ...ids.map((from) => [from, ...ids.map((to) => cell(from, to))])];
    const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
    lines.push(`  ${key}:`);
    for (const r of table) lines.push("    " + r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd());
  }
  return lines.join("\n");
}
