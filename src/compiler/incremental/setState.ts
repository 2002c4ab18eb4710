/**
 * One IR set kept by the incremental compiler: its members as a sorted multiset, for an
 * aggregated `net` set also their cover (cidrCover.ts), the IR object last handed out, and what
 * changed in it since. Members change by count deltas (`change`), collected until `flush`.
 */
import type { Family, IpSet, SetType } from "../ir/types.js";
import { aggregateCidrs } from "../passes/cidrMath.js";
import { CidrCover, type CoverLog } from "./cidrCover.js";
import { addressOrder, memberOrder, sortMembers } from "./memberOrder.js";
import { SortedMembers } from "./sortedMembers.js";
import { ListVersions, type MembersView } from "./listVersions.js";

export interface SetDefinition {
  readonly id: string;
  readonly type: SetType;
  readonly family: Family;
  readonly comment: string;
}

/** What changed in a set's IR members since the IR object handed out before, in IR order. */
export interface MembersDelta {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/**
 * The IR set (keys in the order the full compile writes them). Its members are read through a
 * getter, built from the version on first read (listVersions.ts): to everyone reading it, a
 * plain readonly array.
 */
function withMembers(d: SetDefinition, members: MembersView): IpSet {
  return {
    id: d.id,
    type: d.type,
    family: d.family,
    get members() {
      return members();
    },
    comment: d.comment,
  };
}

const NO_MEMBERS: MembersView = () => [];

/** Whether a CIDR is wider than one address. */
function isWide(cidr: string, family: Family): boolean {
  return !cidr.endsWith(family === 4 ? "/32" : "/128");
}

/** How many of a family's CIDRs are wider than one address. */
function countWide(cidrs: readonly string[], family: Family): number {
  let n = 0;
  for (let i = 0; i < cidrs.length; i++) if (isWide(cidrs[i]!, family)) n++;
  return n;
}

/** Members of `before` missing from `after` and the other way round, each in its list's order. */
export function diffMembers(before: readonly string[], after: readonly string[]): MembersDelta {
  if (before.length === 0 || after.length === 0) return { added: after, removed: before };
  const a = new Set(before);
  const b = new Set(after);
  return { added: after.filter((m) => !a.has(m)), removed: before.filter((m) => !b.has(m)) };
}

/** A set's members already sorted and counted (familyNets.ts computes them in bulk). */
export interface SortedSet {
  /** In the order of the unaggregated IR set, each once. */
  readonly members: string[];
  /** Copies beyond the first. */
  readonly copies: ReadonlyMap<string, number>;
  /** How many members are wider than one address, when known. */
  readonly wide: number | undefined;
  /** `aggregateCidrs` of the members, when known. */
  readonly aggregated: readonly string[] | undefined;
}

export class SetState {
  private readonly raw: SortedMembers;
  private readonly cover: CidrCover | undefined;
  /** The IR's members, version by version. */
  private readonly versions: ListVersions;
  /** Members wider than one address (aggregated sets only: they may cover others). */
  private wide = 0;
  private pending = new Map<string, number>();
  private current: IpSet;
  private prior: IpSet;
  private delta: MembersDelta | undefined;

  constructor(
    readonly definition: SetDefinition,
    aggregated: boolean,
  ) {
    const { type, family } = definition;
    const agg = aggregated && type === "net";
    this.raw = new SortedMembers(agg ? addressOrder(family) : memberOrder(type, family, false));
    this.cover = agg ? new CidrCover(family, this.raw) : undefined;
    this.versions = new ListVersions(memberOrder(type, family, agg));
    this.current = withMembers(definition, NO_MEMBERS);
    this.prior = this.current;
  }

  get isEmpty(): boolean {
    return this.raw.list.length === 0;
  }

  /** The IR set as of the last flush. */
  get ir(): IpSet {
    return this.current;
  }

  /** The IR set before the last flush (`ir` itself when that flush changed nothing). */
  get previous(): IpSet {
    return this.prior;
  }

  /** What the last flush changed, relative to `previous`. */
  get lastDelta(): MembersDelta | undefined {
    return this.delta;
  }

  /** Adds (`count` > 0) or removes copies of a member, applied at the next flush. */
  change(member: string, count: number): void {
    this.pending.set(member, (this.pending.get(member) ?? 0) + count);
  }

  /** Replaces every member (pending changes are dropped); returns whether the IR set changed. */
  reset(members: readonly string[]): boolean {
    this.prior = this.current;
    this.pending.clear();
    this.raw.reset(members);
    if (this.cover) {
      this.wide = countWide(this.raw.list, this.definition.family);
      this.cover.reset(this.aggregate());
    }
    return this.publish(undefined);
  }

  /** `reset` with the members already sorted and counted (see `SortedSet`; its lists are taken as they are). */
  resetSorted(set: SortedSet): boolean {
    this.prior = this.current;
    this.pending.clear();
    // Aggregation reads IPv6 members by address, not text.
    const { family } = this.definition;
    this.raw.resetSorted(this.cover && family === 6 ? sortMembers(set.members, addressOrder(6)) : set.members, set.copies);
    if (this.cover) {
      this.wide = set.wide ?? countWide(this.raw.list, family);
      this.cover.reset(set.aggregated ?? this.aggregate());
    }
    return this.publish(undefined);
  }

  /** Applies the pending changes; returns whether the IR set changed. */
  flush(): boolean {
    this.prior = this.current;
    if (this.pending.size === 0) {
      this.delta = { added: [], removed: [] };
      return false;
    }
    const deltas = this.pending;
    this.pending = new Map();
    const { entered, left } = this.raw.apply(deltas);
    if (entered.length === 0 && left.length === 0) {
      this.delta = { added: [], removed: [] };
      return false;
    }
    if (!this.cover) return this.publish({ added: entered, removed: left });
    this.wide += countWide(entered, this.definition.family) - countWide(left, this.definition.family);
    // Many changes at once: one pass over the members is cheaper than one step per change.
    if ((entered.length + left.length) * 16 > this.raw.list.length && entered.length + left.length > 64) {
      this.cover.reset(this.aggregate());
      return this.publish(undefined);
    }
    const log: CoverLog = new Map();
    for (const m of left) this.cover.removed(m, log, this.wide > 0);
    for (const m of entered) this.cover.added(m, log);
    const added: string[] = [];
    const removed: string[] = [];
    for (const [b, n] of log) {
      if (n > 0) added.push(b);
      else if (n < 0) removed.push(b);
    }
    if (added.length === 0 && removed.length === 0) {
      this.delta = { added: [], removed: [] };
      return false;
    }
    const order = memberOrder("net", this.definition.family, true);
    return this.publish({ added: sortMembers(added, order), removed: sortMembers(removed, order) });
  }

  /** aggregateCidrs of the members, as a list of its own (it may hand back its input). */
  private aggregate(): string[] {
    const out = aggregateCidrs(this.raw.list);
    return out === this.raw.list ? [...out] : (out as string[]);
  }

  /** The IR's members as they now are (changed in place). */
  private get live(): readonly string[] {
    return this.cover ? this.cover.blocks : this.raw.list;
  }

  /** A new IR object with the current members; `delta` undefined means "compare the lists". */
  private publish(delta: MembersDelta | undefined): boolean {
    if (delta) this.versions.change(delta.added, delta.removed, this.live);
    else {
      const before = this.current.members;
      const after = this.live.slice();
      delta = diffMembers(before, after);
      this.versions.reset(after);
    }
    this.delta = delta;
    if (delta.added.length === 0 && delta.removed.length === 0) return false;
    this.current = withMembers(this.definition, this.versions.view());
    return true;
  }
}
