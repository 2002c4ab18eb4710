/**
 * The incremental compiler: a keyed store of the model's resources, and the IR of one node kept
 * up to date as resources are upserted and deleted, each update costing what the change touches.
 *
 *   const compiler = createCompiler({ node: "node-1" });
 *   const first = compiler.load(model);                 // the IR of the whole model
 *   const next = compiler.update([{ upsert: pod }, { delete: policyRef }]);
 *   next.ir;     // what compileModel gives for the store's model, deep-equal
 *   next.delta;  // diffIr(first.ir, next.ir)
 *
 * An update marks what its resources touch, then settles it layer by layer, as the full compile
 * computes it (buildIr.ts), each layer from the layer before:
 *  1. profiles (profileTable.ts): which names resolve differently;
 *  2. members: re-derived where their resource or an inherited profile changed; each member's
 *     selections follow (setTable.ts), and local workload endpoints claim interfaces
 *     (workloads.ts);
 *  3. policies: an edited policy is tried on every workload; a new or relabelled workload tries
 *     the policies its labels may match;
 *  4. endpoint chains of the workloads whose policies or profiles changed, then the dispatch
 *     chains if interfaces came or went, then the policy and profile chains that came into use
 *     or whose rules changed (registering the sets they match on);
 *  5. sets: members of new sets computed, the others changed by what their members did;
 *  6. chains: the chain-local passes on re-rendered chains and on chains whose sets became
 *     empty or not; then reachability and set use (chainTable.ts);
 *  7. the IR and its delta, from what was touched, and the diagnostics when their facts changed;
 *     the host side (pools and nodes, hostSide.ts) is rebuilt whole when one of them changed and
 *     laid over the filter IR, and then the delta is the reference diff (pools and nodes change
 *     rarely, and the host side is small).
 *
 * Resources are validated model resources (loadModel / loadModelFromObjects); a resource replaces
 * the one of the same key (resourceKey.ts), as the cluster has it.
 *
 * The host side (host endpoints and their policy, and Felix settings other than the defaults) is
 * not maintained incrementally: while the store holds a host endpoint of the node
 * (`needsFullCompile`) or FelixConfigurations that change the node's settings
 * (`settingsNeedFullCompile`), every update compiles the whole model (`compileModel`) and diffs
 * the IR; the incremental state is kept up to date all the same, for when the last such resource
 * goes. A FelixConfiguration that leaves the node's settings at the defaults is incremental.
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Model, Resource, Rule as CalicoRule, Origin } from "../../model/types.js";
import { resourceKey, type ResourceRef } from "../../model/resourceKey.js";
import { nodeFelixSettings } from "../../model/felixSettings.js";
import { definedTier, FELIX_DEFAULTS, implicitTier, undefinedTier, type HostInterfaces, type TierFacts } from "../../calico/index.js";
import { compileModel, type CompileOptions } from "../compile.js";
import { compileDiagnostics, type NamedPortUse, type ServiceUse } from "../compileDiagnostics.js";
import type { EndpointInfo, PodBase, PortLists } from "../endpoints.js";
import { isEndpointPod, memberBase, memberSource, podBase, podEndpoint, podPorts, resolveMember } from "../endpoints.js";
import { MemberTable, type MemberParts } from "../memberTable.js";
import { modelPart } from "../modelParts.js";
import { dispatchChains } from "../felixLayout/dispatch.js";
import { endpointChain, type PolicyDirection } from "../felixLayout/endpointChains.js";
import { ruleChain } from "../felixLayout/policyChains.js";
import { staticChains, staticHooks } from "../felixLayout/staticChains.js";
import { FROM_WL_DISPATCH, fromWorkloadChain, policyChain, profileChain, TO_WL_DISPATCH, toWorkloadChain } from "../felixLayout/chainNames.js";
import { diffIr, type IrDelta } from "../ir/delta.js";
import { hostSide, withHostSideFamily, type HostSide, type HostSideFamily } from "../hostSide.js";
import { FELIX_MARKS } from "../ir/marks.js";
import type { Family, FamilyIr, Ir } from "../ir/types.js";
import { policyInfo, policyRules } from "../policies.js";
import { ChainTable } from "./chainTable.js";
import { FamilyView } from "./familyView.js";
import { ProfileTable } from "./profileTable.js";
import { SetTable } from "./setTable.js";
import { BOTH_DIRECTIONS, type ChainInputs, DIRECTION_BIT, directionsOf, orderedTiers, policyOrder, type PolicyState, sameInputs, samePlacement, type Workload, Workloads } from "./workloads.js";

/** One change to the model: a resource added or replaced (by key), or removed. */
export type ModelChange = { readonly upsert: Resource } | { readonly delete: ResourceRef };

export interface UpdateResult {
  /** The node's IR: what `compileModel` gives for the compiler's model. */
  readonly ir: Ir;
  /** What changed since the IR before the update (`diffIr(before, ir)`). */
  readonly delta: IrDelta;
  /** The compile diagnostics of the model (as `compileModel` reports them). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface IncrementalCompiler {
  /** The IR of the current model. */
  readonly ir: Ir;
  readonly diagnostics: readonly Diagnostic[];
  /** The current model: every resource held, in the order first added. */
  readonly model: Model;
  /** Applies changes in order (a later change of one key wins). */
  update(changes: Iterable<ModelChange>): UpdateResult;
  /** Makes the model exactly `model`: its resources upserted, every other one deleted. */
  load(model: Model): UpdateResult;
  /** Whether a host endpoint of the node is bound by address only (it needs the node's interfaces). */
  readonly needsHostInterfaces: boolean;
  /**
   * The node's interfaces from the next update on (`CompileOptions.hostInterfaces`). Only host
   * endpoints use them, and their models are compiled whole, so nothing else is recomputed.
   */
  setHostInterfaces(interfaces: HostInterfaces | undefined): void;
}

/** What lowering a policy or profile chain found, for the diagnostics. */
interface ChainUses {
  readonly namedPorts: readonly NamedPortUse[];
  readonly services: readonly ServiceUse[];
}

const DIRECTIONS: readonly PolicyDirection[] = ["ingress", "egress"];

/**
 * A resource of the host side, which the incremental compiler leaves to a full compile: the
 * node's host endpoints (`node` undefined: every one). FelixConfiguration forces one only while
 * the node's resolved settings differ from Felix's defaults (`settingsNeedFullCompile`).
 */
export function needsFullCompile(r: Resource, node: string | undefined): boolean {
  return (r.kind === "HostEndpoint" || r.kind === "V1HostEndpoint") && (node === undefined || r.node === node);
}

/** Structural equality of plain data (an undefined property is an absent one). */
function sameData(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const kx = Object.keys(x).filter((k) => x[k] !== undefined);
  const ky = Object.keys(y).filter((k) => y[k] !== undefined);
  return kx.length === ky.length && kx.every((k) => Object.hasOwn(y, k) && sameData(x[k], y[k]));
}

/**
 * Whether the FelixConfigurations held make the node's settings differ from Felix's defaults,
 * which the incremental state is built with (marks, static chains, the workload chains' VXLAN
 * port, log prefixes, the host side's encapsulation). Most clusters have a `default`
 * configuration that sets none of the fields that shape the ruleset (log levels, reporting
 * intervals): it leaves the settings at the defaults, and changes stay incremental.
 */
export function settingsNeedFullCompile(configs: Iterable<Resource>, node: string | undefined): boolean {
  return !sameData(nodeFelixSettings(configs, node), FELIX_DEFAULTS);
}
const FAMILIES: readonly Family[] = [4, 6];
function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a === b || (a.length === b.length && a.every((x, i) => x === b[i]));
}

/** A member as a resource derives it: its parts, the profiles it inherits labels from, and, for a local workload, its endpoint. */
interface Derived extends MemberParts {
  readonly inherits: readonly string[];
  readonly endpoint: EndpointInfo | undefined;
}

/** A policy or profile chain in use: `pi|<id>`, `po|<id>` or `pr|<name>`. */
type RuleChainKey = string;
const policyKey = (d: PolicyDirection, id: string): RuleChainKey => `${d === "ingress" ? "pi" : "po"}|${id}`;
const profileKey = (name: string): RuleChainKey => `pr|${name}`;

export function createCompiler(options: CompileOptions = {}): IncrementalCompiler {
  const node = options.node;
  const optimize = options.optimize !== false;
  const marks = FELIX_MARKS;
  const isLocal = (n: string | undefined): boolean => node === undefined || n === node;

  const store = new Map<string, Resource>();
  const profiles = new ProfileTable();
  const lookup = profiles.resolve.bind(profiles);

  // Members are slots of a member table; per slot, its key and the profiles it inherits labels
  // from; local workloads' endpoints by slot.
  const table = new MemberTable();
  const slots = new Map<string, number>();
  const keyOf: string[] = [];
  const inheritsOf: (readonly string[])[] = [];
  const endpoints = new Map<number, EndpointInfo>();
  const sets = new SetTable(optimize, table);
  // Namespace -> service account -> base.
  const bases = new Map<string, Map<string, PodBase>>();
  const portLists: PortLists = new Map();
  const dirtyMembers = new Set<string>();

  const workloads = new Workloads();
  const policies = new Map<string, PolicyState>();
  const dirtyPolicies = new Set<string>();
  const tierResources = new Map<string, TierFacts>();
  let tiersDirty = false;
  // Undefined tiers' facts are kept, so that an unchanged tier is the same object (see sameInputs).
  const undefinedTiers = new Map<string, TierFacts>();
  const tierOf = (name: string): TierFacts => {
    const defined = tierResources.get(name) ?? implicitTier(name);
    if (defined) return defined;
    let t = undefinedTiers.get(name);
    if (!t) undefinedTiers.set(name, (t = undefinedTier(name)));
    return t;
  };

  const usedPolicies = new Map<RuleChainKey, { count: number; policy: PolicyState; direction: PolicyDirection }>();
  const usedProfiles = new Map<string, number>();
  const dirtyRuleChains = new Set<RuleChainKey>();
  let dispatchNames: readonly string[] = [];
  let dispatchDirty = true;
  let diagnosticsDirty = true;

  const hooks = staticHooks(FELIX_DEFAULTS);
  const chains: Record<Family, ChainTable<ChainUses>> = { 4: new ChainTable(4, optimize, hooks), 6: new ChainTable(6, optimize, hooks) };
  const views: Record<Family, FamilyView> = { 4: new FamilyView(4, hooks), 6: new FamilyView(6, hooks) };
  /** The sets each lowered chain refers to, to release when it is rendered again or dropped. */
  const chainSets = new Map<string, { family: Family; ids: string[] }>();
  for (const f of FAMILIES) for (const c of staticChains(f, marks, FELIX_DEFAULTS)) chains[f].set(c.name, c, []);

  // Pools and nodes by key, and the host side they make.
  const hostResources = new Map<string, Resource>();
  let hosts: HostSide = hostSide({ resources: [] });
  let hostsDirty = false;
  /** Per family, the last view IR and host side laid over each other, and the result. */
  const overlays: Record<Family, { view?: FamilyIr; side?: HostSideFamily; ir?: FamilyIr }> = { 4: {}, 6: {} };
  const overlay = (f: Family, view: FamilyIr): FamilyIr => {
    const o = overlays[f];
    const side = f === 4 ? hosts.v4 : hosts.v6;
    if (o.view !== view || o.side !== side || o.ir === undefined) overlays[f] = { view, side, ir: withHostSideFamily(view, side) };
    return overlays[f].ir!;
  };

  let ir: Ir = { marks, v4: views[4].ir, v6: views[6].ir };
  let diagnostics: readonly Diagnostic[] = [];

  // ------------------------------------------------------------------------------------------
  // 1. Store

  function applyChange(key: string, old: Resource | undefined, now: Resource | undefined): void {
    profiles.resourceChanged(old, now);
    const kind = (now ?? old)!.kind;
    const part = modelPart(kind);
    if (part === "members") dirtyMembers.add(key);
    else if (part === "policies") dirtyPolicies.add(key);
    else if (part === "hosts") {
      if (now) hostResources.set(key, now);
      else hostResources.delete(key);
      hostsDirty = true;
    }
    else if (kind === "Tier") {
      if (old) tierResources.delete(old.metadata.name);
      if (now?.kind === "Tier") tierResources.set(now.metadata.name, definedTier(now.metadata.name, now.order, now.defaultAction));
      tiersDirty = true;
    } else if (kind === "EndpointSlice") {
      sets.sliceChanged(key, old?.kind === "EndpointSlice" ? old : undefined, now?.kind === "EndpointSlice" ? now : undefined);
      diagnosticsDirty = true;
    }
  }

  // ------------------------------------------------------------------------------------------
  // 2. Profiles and members

  function settleProfiles(): void {
    const relabelled = new Set<string>();
    for (const c of profiles.takeChanges()) {
      if (c.labelsChanged) relabelled.add(c.name);
      if (c.rulesChanged && usedProfiles.has(c.name)) dirtyRuleChains.add(profileKey(c.name));
    }
    if (relabelled.size === 0) return;
    // The members inheriting from a relabelled profile, and the pod bases that include one.
    const inherits = (names: readonly string[]): boolean => names.some((n) => relabelled.has(n));
    for (let slot = 0; slot < table.slots; slot++) if (table.isLive(slot) && inherits(inheritsOf[slot]!)) dirtyMembers.add(keyOf[slot]!);
    for (const [ns, inNs] of bases) {
      for (const [sa, base] of inNs) if (inherits(base.profiles)) inNs.delete(sa);
      if (inNs.size === 0) bases.delete(ns);
    }
  }

  function derive(r: Resource | undefined): Derived | undefined {
    if (!r) return undefined;
    if (r.kind === "Pod") {
      if (!isEndpointPod(r)) return undefined;
      const ns = r.metadata.namespace ?? "default";
      const sa = r.serviceAccountName;
      let inNs = bases.get(ns);
      if (!inNs) bases.set(ns, (inNs = new Map()));
      let base = inNs.get(sa);
      if (!base) inNs.set(sa, (base = podBase(ns, sa, lookup)));
      const local = isLocal(r.nodeName);
      return {
        own: r.metadata.labels,
        base: base.labels,
        nets: r.ips,
        ports: podPorts(r, portLists),
        inherits: base.profiles,
        endpoint: local ? podEndpoint(r, base, true, portLists) : undefined,
      };
    }
    const src = memberSource(r);
    if (!src) return undefined;
    const local = src.workload !== undefined && isLocal(src.workload.node);
    return {
      own: src.own,
      base: memberBase(src, lookup),
      nets: src.nets,
      ports: src.ports,
      inherits: src.profiles,
      endpoint: local ? (resolveMember(src, lookup, isLocal) as EndpointInfo) : undefined,
    };
  }

  function settleMembers(): void {
    for (const key of dirtyMembers) {
      const slot = slots.get(key);
      const next = derive(store.get(key));
      if (slot === undefined) {
        if (!next) continue;
        const fresh = table.add(next.own, next.base, next.nets, next.ports);
        slots.set(key, fresh);
        keyOf[fresh] = key;
        inheritsOf[fresh] = next.inherits;
        if (next.endpoint) endpoints.set(fresh, next.endpoint);
        sets.memberChanged(fresh, undefined, next);
        workloads.endpointChanged(undefined, next.endpoint);
        continue;
      }
      const before = table.parts(slot);
      const endpoint = endpoints.get(slot);
      if (!next) {
        table.remove(slot);
        slots.delete(key);
        keyOf[slot] = "";
        inheritsOf[slot] = [];
        endpoints.delete(slot);
        sets.memberChanged(slot, before, undefined);
        workloads.endpointChanged(endpoint, undefined);
        continue;
      }
      table.set(slot, next.own, next.base, next.nets, next.ports);
      inheritsOf[slot] = next.inherits;
      if (next.endpoint) endpoints.set(slot, next.endpoint);
      else endpoints.delete(slot);
      sets.memberChanged(slot, before, next);
      workloads.endpointChanged(endpoint, next.endpoint);
    }
    dirtyMembers.clear();
  }

  // ------------------------------------------------------------------------------------------
  // 3. Policies

  function settlePolicies(): void {
    for (const key of dirtyPolicies) {
      const state = policies.get(key);
      const r = store.get(key);
      const info = r ? policyInfo(r) : undefined;
      if (!info) {
        if (!state) continue;
        workloads.policies.remove(state.info.id);
        workloads.dropPolicy(state);
        policies.delete(key);
        for (const d of DIRECTIONS) if (usedPolicies.has(policyKey(d, state.info.id))) dirtyRuleChains.add(policyKey(d, state.info.id));
        continue;
      }
      if (!state) {
        const fresh: PolicyState = { info, order: policyOrder(info), workloads: new Set() };
        policies.set(key, fresh);
        workloads.policies.add(info.id, info.selector, fresh);
        workloads.evaluatePolicy(fresh, info.selector);
        continue;
      }
      const before = state.info;
      if (before === info) continue;
      state.info = info;
      state.order = policyOrder(info);
      // Where it sat before and where it sits now, in the workloads it applied to before.
      if (!samePlacement(before, info)) for (const w of state.workloads) w.dirty |= directionsOf(before) | directionsOf(info);
      if (before.selector !== info.selector) {
        workloads.policies.add(info.id, info.selector, state);
        workloads.evaluatePolicy(state, info.selector);
      }
      for (const d of DIRECTIONS) if (usedPolicies.has(policyKey(d, info.id))) dirtyRuleChains.add(policyKey(d, info.id));
    }
    dirtyPolicies.clear();
  }

  // ------------------------------------------------------------------------------------------
  // 4. Chains

  function usePolicy(d: PolicyDirection, p: PolicyState, sign: number): void {
    const key = policyKey(d, p.info.id);
    const used = usedPolicies.get(key);
    if (sign > 0) {
      if (used) used.count++;
      else {
        usedPolicies.set(key, { count: 1, policy: p, direction: d });
        dirtyRuleChains.add(key);
      }
    } else if (used && --used.count === 0) {
      usedPolicies.delete(key);
      dirtyRuleChains.add(key);
    }
  }

  function useProfile(name: string, sign: number): void {
    const n = (usedProfiles.get(name) ?? 0) + sign;
    if (n > 0) usedProfiles.set(name, n);
    else usedProfiles.delete(name);
    if (n === 0 || (n === 1 && sign > 0)) dirtyRuleChains.add(profileKey(name));
  }

  function unrender(w: Workload): void {
    for (const d of DIRECTIONS) for (const p of w.rendered[d]) usePolicy(d, p, -1);
    for (const name of w.renderedProfiles) useProfile(name, -1);
    w.rendered = { ingress: [], egress: [] };
    w.renderedProfiles = [];
  }

  function renderWorkload(w: Workload): void {
    const rendered: Record<PolicyDirection, readonly PolicyState[]> = { ...w.rendered };
    const inputs = { ...w.inputs } as Record<PolicyDirection, ChainInputs>;
    for (const d of DIRECTIONS) {
      if ((w.dirty & DIRECTION_BIT[d]) === 0 && w.inputs) continue;
      const { tiers, policies: used } = orderedTiers(w.applicable, d, tierOf);
      rendered[d] = used;
      inputs[d] = { policies: used.map((p) => p.info), tiers: tiers.map((t) => t.tier), profiles: w.endpoint.profiles };
      if (sameInputs(w.inputs?.[d], inputs[d])) continue;
      const chain = endpointChain(w.iface, d, tiers, w.endpoint.profiles, marks);
      for (const f of FAMILIES) chains[f].set(chain.name, chain, []);
    }
    w.inputs = inputs;
    // Only what the chains stopped or started jumping to moves the counts.
    const move = <T>(before: readonly T[], after: readonly T[], use: (x: T, sign: number) => void): void => {
      const old = new Set(before);
      const now = new Set(after);
      for (const x of after) if (!old.has(x)) use(x, +1);
      for (const x of before) if (!now.has(x)) use(x, -1);
    };
    for (const d of DIRECTIONS) if (!sameList(w.rendered[d], rendered[d])) move(w.rendered[d], rendered[d], (p, sign) => usePolicy(d, p, sign));
    if (!sameList(w.renderedProfiles, w.endpoint.profiles)) move(w.renderedProfiles, w.endpoint.profiles, useProfile);
    w.rendered = rendered;
    w.renderedProfiles = w.endpoint.profiles;
    w.dirty = 0;
  }

  function renderDispatch(): void {
    const ifaces = workloads.ifaces();
    const next = [...dispatchChains(FROM_WL_DISPATCH, ifaces, "in", fromWorkloadChain), ...dispatchChains(TO_WL_DISPATCH, ifaces, "out", toWorkloadChain)];
    const names = new Set(next.map((c) => c.name));
    for (const f of FAMILIES) {
      for (const name of dispatchNames) if (!names.has(name)) chains[f].delete(name);
      for (const c of next) chains[f].set(c.name, c, []);
    }
    dispatchNames = [...names];
  }

  /** Whether lowering facts bear on the diagnostics. */
  const reported = (uses: ChainUses | undefined): boolean => uses !== undefined && (uses.namedPorts.length > 0 || uses.services.length > 0);

  function dropLowered(f: Family, name: string): void {
    if (reported(chains[f].usesOf(name))) diagnosticsDirty = true;
    const held = chainSets.get(`${f}|${name}`);
    if (held) for (const id of held.ids) sets.release(f, id);
    chainSets.delete(`${f}|${name}`);
    chains[f].delete(name);
  }

  function renderLowered(f: Family, name: string, comment: string, rules: readonly CalicoRule[], namespace: string | undefined, origin: Origin | undefined): void {
    const ids = new Set<string>();
    const namedPorts: NamedPortUse[] = [];
    const services: ServiceUse[] = [];
    const registry = sets.registry((_, id) => ids.add(id));
    const chain = ruleChain(name, comment, rules, {
      namespace,
      family: f,
      marks,
      sets: registry,
      onNamedPort: (setId, portName, rule) => namedPorts.push({ setId, name: portName, origin, path: rule.path }),
      onService: (service, side, rule) => services.push({ service, origin, path: `${rule.path}.${side}.services` }),
    });
    // Refer to the new sets before releasing the old ones, so that a set in use stays.
    const held = chainSets.get(`${f}|${name}`);
    chainSets.set(`${f}|${name}`, { family: f, ids: [...ids] });
    if (held) for (const id of held.ids) sets.release(f, id);
    const uses: ChainUses = { namedPorts, services };
    if (reported(uses) || reported(chains[f].usesOf(name))) diagnosticsDirty = true;
    chains[f].set(name, chain, [...ids], uses);
  }

  function renderRuleChain(key: RuleChainKey): void {
    const [kind, id] = [key.slice(0, 2), key.slice(3)];
    if (kind === "pr") {
      const used = usedProfiles.has(id);
      const prof = used ? (lookup(id) ?? { name: id, labels: {}, ingress: [], egress: [] }) : undefined;
      for (const d of DIRECTIONS) {
        const name = profileChain(d, id);
        for (const f of FAMILIES) {
          if (!prof) dropLowered(f, name);
          else renderLowered(f, name, `Profile ${id} ${d}`, d === "ingress" ? prof.ingress : prof.egress, undefined, prof.origin);
        }
      }
      return;
    }
    const d: PolicyDirection = kind === "pi" ? "ingress" : "egress";
    const name = policyChain(d, id);
    const used = usedPolicies.get(key);
    for (const f of FAMILIES) {
      if (!used) {
        dropLowered(f, name);
        continue;
      }
      const p = used.policy.info;
      const display = p.namespace !== undefined ? `${p.namespace}/${p.name}` : p.name;
      renderLowered(f, name, `${p.kind} ${display} ${d}`, policyRules(p, d), p.namespace, p.origin);
    }
  }

  function settleChains(): void {
    const hadWorkloads = workloads.size > 0;
    const { removed, ifacesChanged } = workloads.settle();
    if (hadWorkloads !== workloads.size > 0) diagnosticsDirty = true;
    settlePolicies();
    workloads.evaluateWorkloads();
    for (const w of removed) {
      unrender(w);
      for (const f of FAMILIES) {
        chains[f].delete(toWorkloadChain(w.iface));
        chains[f].delete(fromWorkloadChain(w.iface));
      }
    }
    for (const w of workloads.values()) {
      if (tiersDirty) w.dirty = BOTH_DIRECTIONS;
      if (w.dirty !== 0) renderWorkload(w);
    }
    tiersDirty = false;
    if (ifacesChanged || dispatchDirty) renderDispatch();
    dispatchDirty = false;
    for (const key of dirtyRuleChains) renderRuleChain(key);
    dirtyRuleChains.clear();
  }

  // ------------------------------------------------------------------------------------------
  // 5-7. Sets, passes, IR

  function settleIr(): IrDelta {
    const setFlush = sets.flush();
    for (const f of FAMILIES) {
      const flipped = setFlush.flipped.get(f)!;
      // Named-port sets' emptiness is reported (unresolved-named-port).
      for (const id of flipped) if (id.startsWith("n:")) diagnosticsDirty = true;
      chains[f].emptinessChanged(flipped);
      chains[f].flush((id) => sets.isEmpty(f, id));
    }
    const v4 = views[4].settle(chains[4], sets, setFlush.changed.get(4)!);
    const v6 = views[6].settle(chains[6], sets, setFlush.changed.get(6)!);
    const hostsChanged = hostsDirty;
    if (hostsDirty) hosts = hostSide({ resources: [...hostResources.values()] });
    hostsDirty = false;
    const before = ir;
    const [o4, o6] = [overlay(4, v4.ir), overlay(6, v6.ir)];
    ir = o4 === ir.v4 && o6 === ir.v6 ? ir : { marks, v4: o4, v6: o6 };
    if (diagnosticsDirty) {
      diagnostics = compileDiagnostics({
        node,
        localEndpoints: workloads.size,
        namedPortUses: FAMILIES.flatMap((f) => [...chains[f].uses()].flatMap((u) => u.namedPorts)),
        namedPortSetEmpty: (id) => FAMILIES.every((f) => sets.isEmpty(f, id)),
        serviceUses: FAMILIES.flatMap((f) => [...chains[f].uses()].flatMap((u) => u.services)),
        knownService: (service) => sets.knownService(service),
      });
      diagnosticsDirty = false;
    }
    return hostsChanged ? diffIr(before, ir) : { marksChanged: false, v4: v4.delta, v6: v6.delta };
  }

  /** The resource of a key is now `now` (undefined: deleted). */
  function put(key: string, now: Resource | undefined): void {
    const old = store.get(key);
    if (old === now) return;
    if (now && needsFullCompile(now, node)) fullKeys.add(key);
    else fullKeys.delete(key);
    if (now?.kind === "FelixConfiguration" || old?.kind === "FelixConfiguration") settingsDirty = true;
    if (now?.kind === "FelixConfiguration") felixConfigs.set(key, now);
    else felixConfigs.delete(key);
    if (now) store.set(key, now);
    else store.delete(key);
    applyChange(key, old, now);
  }

  /** Keys of the host-side resources held (`needsFullCompile`); the IR given out last. */
  const fullKeys = new Set<string>();
  /** The options of the full compiles: `options` with the interfaces last set. */
  let fullOptions = options;
  /** FelixConfigurations by key, and whether the node's settings differ from the defaults. */
  const felixConfigs = new Map<string, Resource>();
  let settingsDirty = false;
  let settingsFull = false;
  let given: UpdateResult | undefined;
  let givenFull = false;

  function settle(): UpdateResult {
    settleProfiles();
    settleMembers();
    settleChains();
    const delta = settleIr();
    if (settingsDirty) {
      settingsFull = felixConfigs.size > 0 && settingsNeedFullCompile(felixConfigs.values(), node);
      settingsDirty = false;
    }
    if (fullKeys.size > 0 || settingsFull) {
      const full = compileModel({ resources: [...store.values()] }, fullOptions);
      given = { ir: full.ir, delta: diffIr(given?.ir ?? full.ir, full.ir), diagnostics: full.diagnostics };
      givenFull = true;
      return given;
    }
    given = { ir, delta: givenFull && given ? diffIr(given.ir, ir) : delta, diagnostics };
    givenFull = false;
    return given;
  }

  function update(changes: Iterable<ModelChange>): UpdateResult {
    for (const change of changes) {
      if ("upsert" in change) put(resourceKey(change.upsert), change.upsert);
      else put(resourceKey(change.delete), undefined);
    }
    return settle();
  }

  // The IR of the empty model.
  update([]);

  return {
    get ir() {
      return given?.ir ?? ir;
    },
    get diagnostics() {
      return given?.diagnostics ?? diagnostics;
    },
    get model() {
      return { resources: [...store.values()] };
    },
    get needsHostInterfaces() {
      for (const key of fullKeys) {
        const r = store.get(key);
        if ((r?.kind === "HostEndpoint" || r?.kind === "V1HostEndpoint") && r.interfaceName === undefined) return true;
      }
      return false;
    },
    setHostInterfaces(interfaces) {
      const { hostInterfaces: _, ...rest } = options;
      fullOptions = interfaces === undefined ? rest : { ...rest, hostInterfaces: interfaces };
    },
    update,
    load(model) {
      // One update: the resources gone, then every resource (each key computed once).
      const { resources } = model;
      const keys = resources.map(resourceKey);
      if (store.size > 0) {
        const keep = new Set(keys);
        for (const key of [...store.keys()]) if (!keep.has(key)) put(key, undefined);
      }
      for (let i = 0; i < resources.length; i++) put(keys[i]!, resources[i]);
      return settle();
    },
  };
}
