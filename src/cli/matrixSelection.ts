/**
 * `matrixSelection`: which endpoints of a matrix are its rows (sources) and its columns
 * (destinations), after the `--in-namespace`/`--selector` filters (both ends) and the
 * `--from-…`/`--to-…` ones (one end), grouped by namespace.
 */
import type { Selector } from "../model/selector/index.js";
import { parseSelector, printSelector, selectorMatches } from "../model/selector/index.js";
import type { PreparedMember } from "../semantics/index.js";
import { UsageError } from "./usageError.js";

/** What one end of the matrix keeps; every list given must hold (a namespace list: any of its names). */
export interface EndFilter {
  /** Namespace lists (`--in-namespace`, `--from-namespace`): the endpoint's namespace is in each. */
  readonly namespaces: readonly (readonly string[])[];
  /** Calico selectors on the endpoint's effective labels (its own and its profiles'). */
  readonly selectors: readonly Selector[];
}

/** A namespace group: a run of consecutive positions in `MatrixSelection.rows` or `cols`. */
export interface NamespaceGroup {
  /** The namespace; "" for endpoints without one (v1 workload endpoints). */
  readonly namespace: string;
  /** Index in the row or column list of the group's first endpoint. */
  readonly start: number;
  readonly count: number;
}

export interface MatrixSelection {
  /** Positions in `CompactMatrix.endpoints`, grouped by namespace (namespaces in name order, id order within). */
  readonly rows: readonly number[];
  readonly cols: readonly number[];
  readonly rowGroups: readonly NamespaceGroup[];
  readonly colGroups: readonly NamespaceGroup[];
  /** Rows and columns are the same endpoints (no one-end filter told them apart). */
  readonly square: boolean;
}

/** The namespace an endpoint is grouped under ("" when it has none). */
export function namespaceOf(m: PreparedMember): string {
  return m.namespace ?? "";
}

/** Parses a `--selector`-like flag's value (Calico selector syntax); a syntax error is a usage error. */
export function parseSelectorFlag(flag: string, text: string): Selector {
  const r = parseSelector(text);
  if (!r.ok) throw new UsageError(`--${flag} '${text}': ${r.diagnostics.map((d) => d.message).join("; ")}`);
  return r.selector;
}

function keeps(filter: EndFilter, m: PreparedMember): boolean {
  return filter.namespaces.every((list) => list.includes(namespaceOf(m))) && filter.selectors.every((s) => selectorMatches(s, m.labels));
}

/** Endpoints without a namespace sort after every namespace. */
function compareNamespace(a: string, b: string): number {
  if (a === b) return 0;
  if (a === "") return 1;
  if (b === "") return -1;
  return a < b ? -1 : 1;
}

function grouped(members: readonly PreparedMember[], filter: EndFilter): { positions: number[]; groups: NamespaceGroup[] } {
  const positions: number[] = [];
  members.forEach((m, i) => {
    if (keeps(filter, m)) positions.push(i);
  });
  // Stable: id order within a namespace (ids are `ns/name`, so this rarely moves anything).
  positions.sort((x, y) => compareNamespace(namespaceOf(members[x]!), namespaceOf(members[y]!)) || x - y);
  const groups: NamespaceGroup[] = [];
  positions.forEach((p, i) => {
    const ns = namespaceOf(members[p]!);
    const last = groups[groups.length - 1];
    if (last && last.namespace === ns) groups[groups.length - 1] = { ...last, count: last.count + 1 };
    else groups.push({ namespace: ns, start: i, count: 1 });
  });
  return { positions, groups };
}

/** The rows and columns; `both` applies to each end, `from` to rows only, `to` to columns only. */
export function matrixSelection(members: readonly PreparedMember[], both: EndFilter, from: EndFilter, to: EndFilter): MatrixSelection {
  const join = (a: EndFilter, b: EndFilter): EndFilter => ({ namespaces: [...a.namespaces, ...b.namespaces], selectors: [...a.selectors, ...b.selectors] });
  const rows = grouped(members, join(both, from));
  const cols = grouped(members, join(both, to));
  const square = rows.positions.length === cols.positions.length && rows.positions.every((p, i) => cols.positions[i] === p);
  return { rows: rows.positions, cols: cols.positions, rowGroups: rows.groups, colGroups: cols.groups, square };
}

/**
 * Notes for filters that keep nothing of what they could: a namespace no endpoint is in, a
 * selector no endpoint matches (both are likely typos; the matrix is then empty or smaller).
 */
export function filterWarnings(members: readonly PreparedMember[], flags: readonly { flag: string; filter: EndFilter }[]): string[] {
  const present = new Set(members.map(namespaceOf));
  const out: string[] = [];
  for (const { flag, filter } of flags) {
    for (const ns of filter.namespaces.flat()) if (!present.has(ns)) out.push(`--${flag}-namespace ${ns}: no endpoint is in this namespace`);
    for (const s of filter.selectors) if (!members.some((m) => selectorMatches(s, m.labels))) out.push(`--${flag === "in" ? "" : `${flag}-`}selector ${printSelector(s)}: matches no endpoint`);
  }
  return out;
}
