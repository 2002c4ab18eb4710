/**
 * Every member selectors can match (workload endpoints, network sets, host endpoints) as a
 * SLOT: its own labels and its base (memberLabels.ts), its addresses and its named ports, with
 * its labels indexed by label for selection (selectors/labelColumns.ts). A member is no object
 * of its own: with hundreds of thousands of pods, the garbage collector's work grows with the
 * objects that live through a compile, and a pod's own labels, its base and its port list are
 * already objects of the model or shared.
 *
 * The full compile fills a table once; the incremental compiler keeps one up to date, reusing
 * free slots.
 */
import type { Labels, NamedPort, Selector } from "../model/types.js";
import { selectorLabels } from "../model/selector/index.js";
import { flattenLabels, labelOf, type LabelBase } from "./memberLabels.js";
import { LabelColumns } from "./selectors/labelColumns.js";

/** A member as the table holds it. */
export interface MemberParts {
  readonly own: Labels;
  readonly base: LabelBase;
  /** Its addresses and CIDRs, both families (see `MemberTable.add`). */
  readonly nets: readonly string[];
  readonly ports: readonly NamedPort[];
}

/** The base of a free slot. */
const FREE: LabelBase = { inherited: {}, automatic: {}, strip: false };
const NONE: readonly never[] = [];

export class MemberTable {
  private readonly own: Labels[];
  private readonly bases: LabelBase[];
  private readonly netLists: (readonly string[])[];
  private readonly portLists: (readonly NamedPort[])[];
  private readonly free: number[] = [];
  private readonly columns: LabelColumns;
  private used = 0;

  /**
   * `capacity`: how many members to make room for at once (the lists grow past it, but growing
   * a list of hundreds of thousands copies it into freshly mapped memory, which costs more than
   * filling it).
   */
  constructor(capacity = 0) {
    this.own = new Array<Labels>(capacity);
    this.bases = new Array<LabelBase>(capacity);
    this.netLists = new Array<readonly string[]>(capacity);
    this.portLists = new Array<readonly NamedPort[]>(capacity);
    this.columns = new LabelColumns((slot, label) => labelOf(this.own[slot]!, this.bases[slot]!, label), capacity);
  }

  /** Every slot, live or free, is below this bound. */
  get slots(): number {
    return this.used;
  }

  isLive(slot: number): boolean {
    return this.bases[slot] !== FREE;
  }

  /**
   * A new member; returns its slot. `nets`: its addresses and CIDRs, both families (a pod's
   * addresses as the model has them: `hostCidr` makes each a CIDR).
   */
  add(own: Labels, base: LabelBase, nets: readonly string[], ports: readonly NamedPort[]): number {
    const slot = this.free.pop() ?? this.used++;
    this.own[slot] = own;
    this.bases[slot] = base;
    this.netLists[slot] = nets;
    this.portLists[slot] = ports;
    this.columns.added(slot);
    return slot;
  }

  /** The member of a slot is now as given. */
  set(slot: number, own: Labels, base: LabelBase, nets: readonly string[], ports: readonly NamedPort[]): void {
    const relabelled = own !== this.own[slot] || base !== this.bases[slot];
    this.own[slot] = own;
    this.bases[slot] = base;
    this.netLists[slot] = nets;
    this.portLists[slot] = ports;
    if (relabelled) this.columns.changed(slot);
  }

  /** The slot's member is gone (the slot will be reused). */
  remove(slot: number): void {
    this.columns.removed(slot);
    this.own[slot] = {};
    this.bases[slot] = FREE;
    this.netLists[slot] = NONE;
    this.portLists[slot] = NONE;
    this.free.push(slot);
  }

  /** The slot's member. */
  parts(slot: number): MemberParts {
    return { own: this.own[slot]!, base: this.bases[slot]!, nets: this.netLists[slot]!, ports: this.portLists[slot]! };
  }

  /** One of the member's effective labels. */
  label(slot: number, key: string): string | undefined {
    return labelOf(this.own[slot]!, this.bases[slot]!, key);
  }

  /** The member's effective label set (built on each call). */
  labels(slot: number): Labels {
    return flattenLabels(this.own[slot]!, this.bases[slot]!);
  }

  /** The member's addresses and CIDRs (see `add`). */
  nets(slot: number): readonly string[] {
    return this.netLists[slot]!;
  }

  ports(slot: number): readonly NamedPort[] {
    return this.portLists[slot]!;
  }

  /** Indexes every label the selectors read that is not indexed yet, in one pass over the members. */
  prepare(selectors: Iterable<Selector>): void {
    const labels = new Set<string>();
    for (const s of selectors) for (const l of selectorLabels(s)) labels.add(l);
    this.columns.prepare(labels);
  }

  /** The live slots whose members `selector` matches, ascending. */
  select(selector: Selector): Int32Array {
    return this.columns.select(selector);
  }
}
