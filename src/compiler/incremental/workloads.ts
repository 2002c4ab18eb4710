/**
 * The node's workloads and the policies that apply to them: the local workload endpoints (one
 * per interface: the first by key claims a duplicated name, as in the full compile), and for
 * each, the policies whose selector matches it. Felix evaluates policy selectors on local
 * endpoints only, so this side of selection is small (hundreds of endpoints) while the policies
 * may be many: a new or relabelled workload finds its policies through the policy selectors'
 * index (selectorIndex.ts), a new or edited policy is tried on every workload.
 */
import type { Labels, Selector } from "../../model/types.js";
import { selectorMatches } from "../../model/selector/index.js";
import { comparePolicySortKeys, compareTierOrder, policySortKey, type PolicySortKey, type TierFacts } from "../../calico/index.js";
import type { EndpointInfo } from "../endpoints.js";
import type { PolicyDirection } from "../felixLayout/endpointChains.js";
import type { OrderedTier, PolicyInfo } from "../policies.js";
import { changedLabels, SelectorIndex } from "./selectorIndex.js";

/** A policy of the model, and the workloads it applies to. */
export interface PolicyState {
  info: PolicyInfo;
  /** `comparePolicyOrder`'s keys of `info`, computed once (a workload sorts hundreds of policies). */
  order: PolicyOrder;
  readonly workloads: Set<Workload>;
}

export type PolicyOrder = PolicySortKey;

/** The keys `comparePolicyOrder` compares (calico/policyOrder.ts). */
export function policyOrder(p: PolicyInfo): PolicyOrder {
  return policySortKey(p);
}

/** A local workload endpoint that owns its interface. */
export interface Workload {
  readonly iface: string;
  /** Which member it is (the member key), and the endpoint as of the last update. */
  owner: string;
  endpoint: EndpointInfo;
  readonly applicable: Set<PolicyState>;
  /** Which of its endpoint chains need rendering (see `directionsOf`). */
  dirty: number;
  /** What its rendered chains jump to: policies per direction, and profiles. */
  rendered: Record<PolicyDirection, readonly PolicyState[]>;
  renderedProfiles: readonly string[];
  /** What each rendered endpoint chain was built from (a chain whose inputs are unchanged is not built again). */
  inputs?: Record<PolicyDirection, ChainInputs>;
}

/** What an endpoint chain is a function of, besides the interface and the marks. */
export interface ChainInputs {
  readonly policies: readonly PolicyInfo[];
  readonly tiers: readonly TierFacts[];
  readonly profiles: readonly string[];
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

export function sameInputs(a: ChainInputs | undefined, b: ChainInputs): boolean {
  return a !== undefined && sameList(a.policies, b.policies) && sameList(a.tiers, b.tiers) && sameList(a.profiles, b.profiles);
}

const TYPE: Record<PolicyDirection, "Ingress" | "Egress"> = { ingress: "Ingress", egress: "Egress" };

/** Directions as bits: which endpoint chains a change touches. */
export const DIRECTION_BIT: Record<PolicyDirection, number> = { ingress: 1, egress: 2 };
export const BOTH_DIRECTIONS = 3;

/** The endpoint chains a policy sits in: those of its types. */
export function directionsOf(p: PolicyInfo): number {
  return (p.types.includes("Ingress") ? 1 : 0) | (p.types.includes("Egress") ? 2 : 0);
}

/** comparePolicyOrder, on the policies' computed keys. */
function comparePolicies(a: PolicyState, b: PolicyState): number {
  return comparePolicySortKeys(a.order, b.order);
}

/** Whether policy info changes where it sits in a workload's chains (not its rules). */
export function samePlacement(a: PolicyInfo, b: PolicyInfo): boolean {
  return a.tier === b.tier && a.order === b.order && a.name === b.name && a.namespace === b.namespace && a.kind === b.kind && a.types.length === b.types.length && a.types.every((t, i) => t === b.types[i]);
}

export class Workloads {
  /** Local workload endpoints by interface, then by member key. */
  private readonly locals = new Map<string, Map<string, EndpointInfo>>();
  private readonly byIface = new Map<string, Workload>();
  private readonly dirtyIfaces = new Set<string>();
  /** Workloads created by the current update (their policies are evaluated all at once). */
  private readonly fresh = new Set<Workload>();
  /** Workloads whose labels changed, with their labels before. */
  private readonly relabelled = new Map<Workload, Labels>();
  readonly policies = new SelectorIndex<PolicyState>();

  get size(): number {
    return this.byIface.size;
  }

  values(): IterableIterator<Workload> {
    return this.byIface.values();
  }

  ifaces(): string[] {
    return [...this.byIface.keys()];
  }

  /** A workload endpoint came, went or changed (only local ones matter). */
  endpointChanged(before: EndpointInfo | undefined, after: EndpointInfo | undefined): void {
    const b = before?.local ? before : undefined;
    const a = after?.local ? after : undefined;
    if (b && b.iface !== a?.iface) {
      const onIface = this.locals.get(b.iface);
      onIface?.delete(b.key);
      if (onIface?.size === 0) this.locals.delete(b.iface);
      this.dirtyIfaces.add(b.iface);
    }
    if (a) {
      let onIface = this.locals.get(a.iface);
      if (!onIface) this.locals.set(a.iface, (onIface = new Map()));
      onIface.set(a.key, a);
      this.dirtyIfaces.add(a.iface);
    }
  }

  /**
   * Settles which endpoint owns each interface touched since the last call. Returns the
   * workloads removed (their chains go) and whether the set of interfaces changed.
   */
  settle(): { removed: Workload[]; ifacesChanged: boolean } {
    const removed: Workload[] = [];
    let ifacesChanged = false;
    for (const iface of this.dirtyIfaces) {
      let owner: EndpointInfo | undefined;
      for (const e of this.locals.get(iface)?.values() ?? []) if (!owner || e.key < owner.key) owner = e;
      const w = this.byIface.get(iface);
      if (!owner) {
        if (w) {
          removed.push(w);
          for (const p of w.applicable) p.workloads.delete(w);
          this.byIface.delete(iface);
          this.fresh.delete(w);
          this.relabelled.delete(w);
          ifacesChanged = true;
        }
        continue;
      }
      if (!w || w.owner !== owner.key) {
        if (w) for (const p of w.applicable) p.workloads.delete(w);
        const fresh: Workload = { iface, owner: owner.key, endpoint: owner, applicable: new Set(), dirty: BOTH_DIRECTIONS, rendered: w?.rendered ?? { ingress: [], egress: [] }, renderedProfiles: w?.renderedProfiles ?? [] };
        this.byIface.set(iface, fresh);
        this.fresh.add(fresh);
        if (w) this.relabelled.delete(w);
        if (!w) ifacesChanged = true;
        continue;
      }
      if (w.endpoint === owner) continue;
      if (!this.fresh.has(w) && !this.relabelled.has(w)) this.relabelled.set(w, w.endpoint.labels);
      if (w.endpoint.profiles.length !== owner.profiles.length || w.endpoint.profiles.some((p, i) => p !== owner.profiles[i])) w.dirty = BOTH_DIRECTIONS;
      w.endpoint = owner;
    }
    this.dirtyIfaces.clear();
    return { removed, ifacesChanged };
  }

  private apply(w: Workload, p: PolicyState, matches: boolean): void {
    if (matches === w.applicable.has(p)) return;
    if (matches) {
      w.applicable.add(p);
      p.workloads.add(w);
    } else {
      w.applicable.delete(p);
      p.workloads.delete(w);
    }
    w.dirty |= directionsOf(p.info);
  }

  /** A policy is new or its selector may have changed: tries it on every workload but the fresh ones. */
  evaluatePolicy(p: PolicyState, selector: Selector): void {
    for (const w of this.byIface.values()) if (!this.fresh.has(w)) this.apply(w, p, selectorMatches(selector, w.endpoint.labels));
  }

  /** A policy is gone. */
  dropPolicy(p: PolicyState): void {
    for (const w of p.workloads) {
      w.applicable.delete(p);
      w.dirty |= directionsOf(p.info);
    }
    p.workloads.clear();
  }

  /** Evaluates the policies of fresh and relabelled workloads (after the policy index is current). */
  evaluateWorkloads(): void {
    for (const w of this.fresh) {
      const labels = w.endpoint.labels;
      this.policies.candidates(labels, (e) => this.apply(w, e.value, selectorMatches(e.selector, labels)));
    }
    for (const [w, before] of this.relabelled) {
      const labels = w.endpoint.labels;
      this.policies.readersOf(changedLabels(before, labels), (e) => this.apply(w, e.value, selectorMatches(e.selector, labels)));
    }
    this.fresh.clear();
    this.relabelled.clear();
  }
}

/** The policies of a workload in one direction, grouped by tier, both in evaluation order. */
export function orderedTiers(applicable: Iterable<PolicyState>, direction: PolicyDirection, tierOf: (name: string) => TierFacts): { tiers: OrderedTier[]; policies: PolicyState[] } {
  const byTier = new Map<string, PolicyState[]>();
  for (const p of applicable) {
    if (!p.info.types.includes(TYPE[direction])) continue;
    const list = byTier.get(p.info.tier);
    if (list) list.push(p);
    else byTier.set(p.info.tier, [p]);
  }
  const groups = [...byTier].map(([name, ps]) => ({ tier: tierOf(name), states: ps.sort(comparePolicies) }));
  groups.sort((a, b) => compareTierOrder(a.tier, b.tier));
  return {
    tiers: groups.map((g) => ({ tier: g.tier, policies: g.states.map((s) => s.info) })),
    policies: groups.flatMap((g) => g.states),
  };
}
