/**
 * What changed between two IRs: the contract between the incremental compiler (which produces a
 * delta with each update) and the backends and the applier (which render, hash and write only
 * what it names). Plain data; names refer to the NEW IR's chains and sets (removed ones to the
 * old IR's).
 *
 * `diffIr` is the reference: an incremental compiler's delta must equal `diffIr(before, after)`.
 */
import type { Chain, FamilyIr, Family, Hook, IpSet, Ir, Table, TableName } from "./types.js";

export interface TableDelta {
  readonly table: TableName;
  /** Chain names, sorted. */
  readonly chainsAdded: readonly string[];
  readonly chainsChanged: readonly string[];
  readonly chainsRemoved: readonly string[];
  /** The table's hooks differ (added, removed, reordered or changed). */
  readonly hooksChanged: boolean;
}

export interface SetMembersDelta {
  readonly id: string;
  /** Sorted. */
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface FamilyDelta {
  readonly family: Family;
  /** Tables with any change, in the IR's table order; tables added or removed as a whole too. */
  readonly tables: readonly TableDelta[];
  /** Set ids, sorted. A set whose type or family changes is removed and added. */
  readonly setsAdded: readonly string[];
  readonly setsRemoved: readonly string[];
  /** Sets present in both whose members differ (sorted by id). */
  readonly setsChanged: readonly SetMembersDelta[];
  /** Sets present in both whose comment differs, members equal. */
  readonly setsRecommented: readonly string[];
}

export interface IrDelta {
  /** The mark bits changed: everything must be re-rendered. */
  readonly marksChanged: boolean;
  readonly v4: FamilyDelta;
  readonly v6: FamilyDelta;
}

/** Whether a delta changes nothing. */
export function isEmptyDelta(d: IrDelta): boolean {
  const empty = (f: FamilyDelta): boolean =>
    f.tables.length === 0 && f.setsAdded.length === 0 && f.setsRemoved.length === 0 && f.setsChanged.length === 0 && f.setsRecommented.length === 0;
  return !d.marksChanged && empty(d.v4) && empty(d.v6);
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function chainDelta(before: Table | undefined, after: Table | undefined, name: TableName): TableDelta | undefined {
  const oldChains = new Map<string, Chain>((before?.chains ?? []).map((c) => [c.name, c]));
  const newChains = new Map<string, Chain>((after?.chains ?? []).map((c) => [c.name, c]));
  const chainsAdded: string[] = [];
  const chainsChanged: string[] = [];
  const chainsRemoved: string[] = [];
  for (const [n, c] of newChains) {
    const o = oldChains.get(n);
    if (o === undefined) chainsAdded.push(n);
    else if (o !== c && !sameJson(o.rules, c.rules)) chainsChanged.push(n);
  }
  for (const n of oldChains.keys()) if (!newChains.has(n)) chainsRemoved.push(n);
  const hooksChanged = !sameJson(before?.hooks ?? ([] as readonly Hook[]), after?.hooks ?? ([] as readonly Hook[]));
  if (chainsAdded.length + chainsChanged.length + chainsRemoved.length === 0 && !hooksChanged) return undefined;
  const sort = (xs: string[]): string[] => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return { table: name, chainsAdded: sort(chainsAdded), chainsChanged: sort(chainsChanged), chainsRemoved: sort(chainsRemoved), hooksChanged };
}

/** Members of sorted, de-duplicated lists `a` (before) and `b` (after): removed and added. */
function memberDiff(a: readonly string[], b: readonly string[]): { added: string[]; removed: string[] } {
  const before = new Set(a);
  const after = new Set(b);
  return { added: b.filter((m) => !before.has(m)), removed: a.filter((m) => !after.has(m)) };
}

function familyDelta(before: FamilyIr, after: FamilyIr): FamilyDelta {
  const tables: TableDelta[] = [];
  const names = [...new Set([...after.tables.map((t) => t.name), ...before.tables.map((t) => t.name)])];
  for (const name of names) {
    const d = chainDelta(
      before.tables.find((t) => t.name === name),
      after.tables.find((t) => t.name === name),
      name,
    );
    if (d) tables.push(d);
  }
  const oldSets = new Map<string, IpSet>(before.sets.map((s) => [s.id, s]));
  const newSets = new Map<string, IpSet>(after.sets.map((s) => [s.id, s]));
  const setsAdded: string[] = [];
  const setsRemoved: string[] = [];
  const setsChanged: SetMembersDelta[] = [];
  const setsRecommented: string[] = [];
  for (const [id, s] of newSets) {
    const o = oldSets.get(id);
    if (o === undefined || o.type !== s.type || o.family !== s.family) {
      if (o !== undefined) setsRemoved.push(id);
      setsAdded.push(id);
      continue;
    }
    if (o === s) continue;
    const { added, removed } = memberDiff(o.members, s.members);
    if (added.length > 0 || removed.length > 0) setsChanged.push({ id, added, removed });
    else if (o.comment !== s.comment) setsRecommented.push(id);
  }
  for (const id of oldSets.keys()) if (!newSets.has(id)) setsRemoved.push(id);
  const sort = (xs: string[]): string[] => xs.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  setsChanged.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { family: after.family, tables, setsAdded: sort(setsAdded), setsRemoved: sort(setsRemoved), setsChanged, setsRecommented: sort(setsRecommented) };
}

/** The reference delta between two IRs (by value; shared objects are skipped quickly). */
export function diffIr(before: Ir, after: Ir): IrDelta {
  return { marksChanged: !sameJson(before.marks, after.marks), v4: familyDelta(before.v4, after.v4), v6: familyDelta(before.v6, after.v6) };
}
