/**
 * The sets the rendered chains match on, per family, with their members kept up to date.
 *
 * Chains register sets as lowering meets them (`registry`) and release them when re-rendered or
 * dropped; a set lives while some chain refers to it. Selector sets and named-port sets of one
 * selector share a SELECTION: the member slots the selector matches, evaluated over the member
 * table once (memberTable.ts) and then kept by the member changes that may flip it
 * (selectorIndex.ts): a member's selections are found by its labels' anchors, a relabelled
 * member's by the labels that changed. Each member that joins or leaves a selection adds or
 * removes its contribution (its addresses, or its address-port pairs) to the selection's sets.
 * Service sets follow their EndpointSlices.
 *
 * Members are computed at `flush`: for a set registered since the last flush from scratch, for
 * the others from the contributions collected.
 */
import type { EndpointSlice, Labels, Selector } from "../../model/types.js";
import { selectorMatches } from "../../model/selector/index.js";
import { hostCidr } from "../endpoints.js";
import type { Family, SetType } from "../ir/types.js";
import { flattenLabels } from "../memberLabels.js";
import type { MemberParts, MemberTable } from "../memberTable.js";
import type { PortProtocol, SetRegistry } from "../setBuilder.js";
import { namedPortSetComment, namedPortSetId, selectorIdentity, serviceSetComment, serviceSetId } from "../setIds.js";
import { NO_MEMBERS, serviceSetMembers, sliceService, type ServiceMembers } from "../serviceSets.js";
import { changedLabels, SelectorIndex } from "./selectorIndex.js";
import { addrRanks, countedNetSet, familyNets, namedPortMembers, type AddrPortTexts, type AddrRanks, type Copies } from "../familyNets.js";
import { SetState, type SortedSet } from "./setState.js";

type SetSource =
  | { readonly kind: "selector"; readonly selection: Selection }
  | { readonly kind: "namedPort"; readonly selection: Selection; readonly protocol: PortProtocol | undefined; readonly portName: string }
  | { readonly kind: "service"; readonly service: string; readonly withPorts: boolean };

interface SetRecord {
  readonly family: Family;
  readonly source: SetSource;
  readonly state: SetState;
  /** Chains referring to it. */
  refs: number;
  /** Registered since the last flush: its members are computed from scratch there. */
  fresh: boolean;
  /** Whether it was empty at the last flush. */
  wasEmpty: boolean;
}

/** A new set's members: sorted and counted, or its members' contributions (see `SetTable.freshMembers`). */
type FreshMembers = SortedSet | { readonly texts: string[] };

/**
 * A selector, shared by its sets. The members it matches are not kept: a member matches it as
 * its labels do, before a change and after.
 */
interface Selection {
  readonly id: string;
  readonly selector: Selector;
  /**
   * Whether its sets were computed (at the flush after it was registered): from then on they
   * follow member changes.
   */
  evaluated: boolean;
  readonly sets: Set<SetRecord>;
}

/** What a flush changed, per family: sets whose IR object changed, and sets that became empty or non-empty. */
export interface SetFlush {
  readonly changed: ReadonlyMap<Family, ReadonlySet<string>>;
  readonly flipped: ReadonlyMap<Family, ReadonlySet<string>>;
}

const bare = (cidr: string): string => {
  const slash = cidr.indexOf("/");
  return slash < 0 ? cidr : cidr.slice(0, slash);
};

const familyOf = (cidr: string): Family => (cidr.includes(":") ? 6 : 4);


/** What a member puts into a selector or named-port set (the full compile's familyNets.ts, per member). */
function contributions(rec: SetRecord, m: MemberParts): string[] {
  const out: string[] = [];
  const src = rec.source;
  if (src.kind === "selector") {
    for (const n of m.nets) if (familyOf(n) === rec.family) out.push(hostCidr(n));
  } else if (src.kind === "namedPort") {
    for (const p of m.ports) {
      if (p.name !== src.portName) continue;
      const proto = p.protocol.toLowerCase();
      if (src.protocol !== undefined && proto !== src.protocol) continue;
      for (const n of m.nets) if (familyOf(n) === rec.family) out.push(`${bare(n)},${proto}:${p.port}`);
    }
  }
  return out;
}

function serviceContributions(rec: SetRecord, members: ServiceMembers): readonly string[] {
  const src = rec.source;
  if (src.kind !== "service") return [];
  return src.withPorts ? members.addrPorts[rec.family] : members.nets[rec.family];
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

export class SetTable {
  private readonly records: Record<Family, Map<string, SetRecord>> = { 4: new Map(), 6: new Map() };
  private readonly selections = new SelectorIndex<Selection>();
  private readonly slices = new Map<string, Map<string, EndpointSlice>>();
  private readonly serviceMembers = new Map<string, ServiceMembers>();
  private readonly serviceSets = new Map<string, Set<SetRecord>>();
  private readonly dirtyServices = new Set<string>();
  /** Records whose members may have changed since the last flush. */
  private readonly touched = new Set<SetRecord>();

  constructor(
    private readonly aggregated: boolean,
    /** The members as they now are (sets registered since the last flush are computed from it). */
    private readonly members: MemberTable,
  ) {}

  /** The set's state, while some chain refers to it. */
  get(family: Family, id: string): SetState | undefined {
    return this.records[family].get(id)?.state;
  }

  /** Whether the set is empty (an unregistered set counts as empty, as for dropNeverMatching). */
  isEmpty(family: Family, id: string): boolean {
    return this.records[family].get(id)?.state.isEmpty ?? true;
  }

  /** Whether a service has some EndpointSlice. */
  knownService(service: string): boolean {
    return this.slices.has(service);
  }

  private record(family: Family, id: string, type: SetType, comment: string, source: () => SetSource): SetRecord {
    let rec = this.records[family].get(id);
    if (!rec) {
      rec = { family, source: source(), state: new SetState({ id, type, family, comment }, this.aggregated), refs: 0, fresh: true, wasEmpty: true };
      this.records[family].set(id, rec);
      this.touched.add(rec);
      const src = rec.source;
      if (src.kind === "service") {
        let recs = this.serviceSets.get(src.service);
        if (!recs) this.serviceSets.set(src.service, (recs = new Set()));
        recs.add(rec);
      } else src.selection.sets.add(rec);
    }
    rec.refs++;
    return rec;
  }

  private selection(selector: Selector): Selection {
    const { id } = selectorIdentity(selector);
    const found = this.selections.get(id);
    if (found) return found.value;
    return this.selections.add(id, selector, { id, selector, evaluated: false, sets: new Set() }).value;
  }

  /** A registry that refers to sets for one chain, calling `onRef` with each set id it refers to. */
  registry(onRef: (family: Family, id: string) => void): SetRegistry {
    return {
      selectorSet: (selector, family) => {
        const { id, text } = selectorIdentity(selector);
        this.record(family, id, "net", text, () => ({ kind: "selector", selection: this.selection(selector) }));
        onRef(family, id);
        return { id };
      },
      namedPortSet: (selector, protocol, portName, family) => {
        const { id: selId, text } = selectorIdentity(selector);
        const id = namedPortSetId(selId, protocol, portName);
        this.record(family, id, "addrPort", namedPortSetComment(text, protocol, portName), () => ({ kind: "namedPort", selection: this.selection(selector), protocol, portName }));
        onRef(family, id);
        return { id };
      },
      serviceSet: (service, withPorts, family) => {
        const id = serviceSetId(service, withPorts);
        this.record(family, id, withPorts ? "addrPort" : "net", serviceSetComment(service, withPorts), () => ({ kind: "service", service, withPorts }));
        onRef(family, id);
        return { id };
      },
    };
  }

  /** A chain no longer refers to the set (it goes at the next flush unless referred to again). */
  release(family: Family, id: string): void {
    const rec = this.records[family].get(id);
    if (!rec || rec.refs <= 0) throw new Error(`set ${id} released more often than referred to`);
    rec.refs--;
    this.touched.add(rec);
  }

  private contribute(sel: Selection, m: MemberParts, sign: number): void {
    for (const rec of sel.sets) {
      if (rec.fresh) continue;
      for (const text of contributions(rec, m)) rec.state.change(text, sign);
      this.touched.add(rec);
    }
  }

  /**
   * The member of a slot came (`before` undefined), went (`after` undefined) or changed. The
   * member table must already hold `after`.
   */
  memberChanged(slot: number, before: MemberParts | undefined, after: MemberParts | undefined): void {
    // Nothing to follow before some chain matches on a selection (a first load fills the table).
    if (this.selections.size === 0) return;
    let beforeLabels: Labels | undefined;
    let afterLabels: Labels | undefined;
    const labelsBefore = (): Labels => (beforeLabels ??= flattenLabels(before!.own, before!.base));
    const labelsAfter = (): Labels => (afterLabels ??= flattenLabels(after!.own, after!.base));
    const sameAddresses = before !== undefined && after !== undefined && sameList(before.nets, after.nets) && sameList(before.ports, after.ports);
    const visit = (sel: Selection): void => {
      if (!sel.evaluated) return;
      const was = before !== undefined && selectorMatches(sel.selector, labelsBefore());
      const now = after !== undefined && selectorMatches(sel.selector, labelsAfter());
      if (was && now && sameAddresses) return;
      if (was) this.contribute(sel, before, -1);
      if (now) this.contribute(sel, after, +1);
    };
    if (sameAddresses) {
      // Only labels changed: only the selections reading them may flip.
      if (before.own === after.own && before.base === after.base) return;
      const changed = changedLabels(labelsBefore(), labelsAfter());
      if (changed.length > 0) this.selections.readersOf(changed, (e) => visit(e.value));
      return;
    }
    const seen = new Set<Selection>();
    const collect = (e: { value: Selection }): void => {
      seen.add(e.value);
    };
    if (before) this.selections.candidates(labelsBefore(), collect);
    if (after) this.selections.candidates(labelsAfter(), collect);
    for (const sel of seen) visit(sel);
  }

  /** An EndpointSlice came, went or changed. */
  sliceChanged(key: string, before: EndpointSlice | undefined, after: EndpointSlice | undefined): void {
    for (const s of [before, after]) {
      if (!s) continue;
      const service = sliceService(s);
      const slices = this.slices.get(service);
      if (s === before) {
        slices?.delete(key);
        if (slices?.size === 0) this.slices.delete(service);
      } else if (slices) slices.set(key, s);
      else this.slices.set(service, new Map([[key, s]]));
      this.dirtyServices.add(service);
    }
  }

  private membersOfService(service: string): ServiceMembers {
    let m = this.serviceMembers.get(service);
    if (!m) {
      const slices = this.slices.get(service);
      m = slices ? serviceSetMembers(slices.values()) : NO_MEMBERS;
      this.serviceMembers.set(service, m);
    }
    return m;
  }

  /** Computes the members of every set changed since the last flush, and drops released sets. */
  flush(): SetFlush {
    const changed = new Map<Family, Set<string>>([
      [4, new Set()],
      [6, new Set()],
    ]);
    const flipped = new Map<Family, Set<string>>([
      [4, new Set()],
      [6, new Set()],
    ]);
    for (const service of this.dirtyServices) {
      this.serviceMembers.delete(service);
      for (const rec of this.serviceSets.get(service) ?? []) this.touched.add(rec);
    }
    const dirtyServices = new Set(this.dirtyServices);
    this.dirtyServices.clear();
    const fresh = this.freshMembers();
    for (const rec of this.touched) {
      const id = rec.state.definition.id;
      if (rec.refs === 0) {
        this.drop(rec);
        continue;
      }
      let moved: boolean;
      const src = rec.source;
      if (src.kind === "service") {
        moved = rec.fresh || dirtyServices.has(src.service) ? rec.state.reset(serviceContributions(rec, this.membersOfService(src.service))) : rec.state.flush();
      } else if (rec.fresh) {
        const built = fresh.get(rec)!;
        moved = "copies" in built ? rec.state.resetSorted(built) : rec.state.reset(built.texts);
      } else moved = rec.state.flush();
      rec.fresh = false;
      if (moved) changed.get(rec.family)!.add(id);
      if (rec.state.isEmpty !== rec.wasEmpty) {
        flipped.get(rec.family)!.add(id);
        rec.wasEmpty = rec.state.isEmpty;
      }
    }
    this.touched.clear();
    return { changed, flipped };
  }

  /**
   * The members of the selector and named-port sets registered since the last flush: with
   * `copies`, sorted and counted, computed together as the full compile computes its sets
   * (familyNets.ts: every member's nets ranked once, each set sorted as numbers) when their
   * selections hold many of the members, as after a first load; otherwise each set's members'
   * contributions (`texts`).
   */
  private freshMembers(): Map<SetRecord, FreshMembers> {
    const out = new Map<SetRecord, FreshMembers>();
    const fresh: SetRecord[] = [];
    for (const rec of this.touched) if (rec.fresh && rec.refs > 0 && rec.source.kind !== "service") fresh.push(rec);
    if (fresh.length === 0) return out;
    // Every label the new selections read, indexed in one pass over the members.
    const selections = new Set(fresh.map((rec) => (rec.source as { selection: Selection }).selection));
    this.members.prepare([...selections].map((sel) => sel.selector));
    const slots = new Map<Selection, Int32Array>();
    let size = 0;
    for (const sel of selections) {
      const matched = this.members.select(sel.selector);
      slots.set(sel, matched);
      size += matched.length;
      sel.evaluated = true;
    }
    // Ranking every member's nets costs about what a set of a quarter of them does from contributions.
    if (size * 4 < this.members.slots) {
      for (const rec of fresh) {
        const texts: string[] = [];
        for (const slot of slots.get((rec.source as { selection: Selection }).selection)!) for (const t of contributions(rec, this.members.parts(slot))) texts.push(t);
        out.set(rec, { texts });
      }
      return out;
    }
    const nets = familyNets(this.members);
    const ranks: Partial<Record<Family, AddrRanks>> = {};
    const texts: AddrPortTexts = new Map();
    for (const rec of fresh) {
      const src = rec.source;
      if (src.kind === "service") continue;
      const list = slots.get(src.selection)!;
      const fn = nets[rec.family];
      if (src.kind === "selector") out.set(rec, countedNetSet(fn, list));
      else {
        const copies: Copies = new Map();
        const members = namedPortMembers(fn, (ranks[rec.family] ??= addrRanks(fn, rec.family)), list, this.members, src.protocol, src.portName, texts, rec.family, copies);
        out.set(rec, { members, copies, wide: undefined, aggregated: undefined });
      }
    }
    return out;
  }

  private drop(rec: SetRecord): void {
    this.records[rec.family].delete(rec.state.definition.id);
    const src = rec.source;
    if (src.kind === "service") {
      const recs = this.serviceSets.get(src.service);
      recs?.delete(rec);
      if (recs?.size === 0) this.serviceSets.delete(src.service);
      return;
    }
    src.selection.sets.delete(rec);
    if (src.selection.sets.size === 0) this.selections.remove(src.selection.id);
  }
}
