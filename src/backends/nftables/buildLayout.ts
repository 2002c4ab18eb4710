/**
 * Building the nftables layout (layout.ts) from the IR, whole or from an IR delta.
 *
 * Per family: set names (names.ts) and elements (elements.ts: minimal prefix lists for `net`
 * sets, `address . protocol . port` concatenations for named ports). Per logical table: chain
 * names, the dispatch trees that become verdict maps (dispatchMaps.ts), one base chain per
 * kernel chain the IR hooks into, then each IR chain rule for rule (renderRule.ts), hashed with
 * Felix's chained hash seeded by the nft chain name.
 *
 * Incremental (`nftLayoutFromDelta`): a set depends on the IR set alone, a chain rendered rule
 * for rule on its IR chain alone, a base chain on its table's hooks alone; a verdict map and
 * its root chain depend on the dispatch tree (the root and its children) and on which chains
 * refer to the children, so the dispatch trees of a changed table are found again (a walk
 * over its rules that renders nothing) and a map is taken from the previous layout only when
 * its tree is unchanged and flattens to the same map. Everything else the delta does not name
 * is taken from the previous layout as it is; only what it names is rendered and hashed.
 */
import type { FamilyDelta, IrDelta, TableDelta } from "../../compiler/ir/delta.js";
import type { Chain, Family, FamilyIr, Hook, IpSet, Ir, KernelChain, Rule, Table, TableName } from "../../compiler/ir/types.js";
import type { DispatchMap } from "./dispatchMaps.js";
import { findDispatchMaps } from "./dispatchMaps.js";
import { needsInterval, setElements } from "./elements.js";
import type { NftFamilyLayout, NftLayout, NftTablePart } from "./layout.js";
import { MAX_COMMENT_LENGTH } from "./limits.js";
import { NFT_TABLE_NAME, nftBaseChainName, nftChainName, nftFamily, nftSetName, uniqueNames } from "./names.js";
import type { NftHook } from "./objects.js";
import { NftChain, NftElement, NftMap, NftSet, NftTable } from "./objects.js";
import type { BareRule, RenderContext } from "./renderRule.js";
import { hashRules, ifaceString, nftText, renderBareRule } from "./renderRule.js";

/**
 * Hook, chain type and priority of each kernel chain's base chain, as Felix's nft tables.
 * Priorities (nft(8), "Standard priority names"): raw −300, mangle −150, dstnat −100, filter 0,
 * srcnat 100. Felix puts nat OUTPUT and POSTROUTING at srcnat + 10, after kube-proxy's nat.
 * Written as numbers, since nft accepts a priority keyword only on some hooks (`srcnat` on
 * output is an error).
 */
const BASE_CHAINS: Readonly<Record<TableName, Partial<Readonly<Record<KernelChain, Pick<NftHook, "type" | "priority">>>>>> = {
  filter: { INPUT: { type: "filter", priority: 0 }, FORWARD: { type: "filter", priority: 0 }, OUTPUT: { type: "filter", priority: 0 } },
  raw: { PREROUTING: { type: "filter", priority: -300 }, OUTPUT: { type: "filter", priority: -300 } },
  mangle: {
    PREROUTING: { type: "filter", priority: -150 },
    INPUT: { type: "filter", priority: -150 },
    FORWARD: { type: "filter", priority: -150 },
    OUTPUT: { type: "route", priority: -150 },
    POSTROUTING: { type: "filter", priority: -150 },
  },
  nat: {
    PREROUTING: { type: "nat", priority: -100 },
    INPUT: { type: "nat", priority: -100 },
    OUTPUT: { type: "nat", priority: 110 },
    POSTROUTING: { type: "nat", priority: 110 },
  },
};

const KERNEL_CHAIN_ORDER: readonly KernelChain[] = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"];

function internal(message: string): Error {
  return new Error(`internal error (nftables backend): ${message}`);
}

/**
 * Objects built earlier that a build may take instead of building them again. Each answer must
 * be what the build would produce for the IR object it is asked about (the caller vouches for
 * it, e.g. by a digest of the IR object, as the applier does); undefined means build it.
 */
export interface NftLayoutReuse {
  /** The chain rendering IR chain `chain` of logical table `table` rule for rule (not a dispatch root). */
  chain?(family: Family, table: TableName, chain: Chain): NftChain | undefined;
  /** Set `set`. */
  set?(set: IpSet): NftSet | undefined;
}

/** What a delta build may also take whole: a logical table, a base chain, a map and its root. */
interface Reuse extends NftLayoutReuse {
  table?(): NftTable | undefined;
  part?(table: Table): NftTablePart | undefined;
  baseChain?(table: Table, kernelChain: KernelChain): NftChain | undefined;
  dispatch?(table: Table, map: DispatchMap): { readonly map: NftMap; readonly root: NftChain } | undefined;
}

function buildSet(set: IpSet, name: string): NftSet {
  const addr = set.family === 4 ? "ipv4_addr" : "ipv6_addr";
  const elements = setElements(set).map((e) => new NftElement(e));
  const comment = nftText(set.comment, MAX_COMMENT_LENGTH);
  return set.type === "net"
    ? new NftSet(name, addr, needsInterval(set) ? ["interval"] : [], comment, elements)
    : new NftSet(name, `${addr} . inet_proto . inet_service`, [], comment, elements);
}

function chainName(ctx: RenderContext, logical: string): string {
  const name = ctx.chainNames.get(logical);
  if (name === undefined) throw internal(`dispatch goes to ${logical}, which is not a chain of this table`);
  return name;
}

/** The verdict map of a dispatch tree: `"<iface>" : goto <chain>` per entry. */
function buildMap(map: DispatchMap, table: TableName, ctx: RenderContext): NftMap {
  const elements = map.entries.map((e) => new NftElement(ifaceString(e.iface, false), `goto ${chainName(ctx, e.target)}`));
  return new NftMap(chainName(ctx, map.root), "ifname : verdict", elements, { ...map, table });
}

/** The root of a dispatch tree: the vmap lookup, then the tree's final rule. */
function buildDispatchRoot(root: Chain, map: DispatchMap, table: TableName, ctx: RenderContext): NftChain {
  const name = chainName(ctx, root.name);
  const lookup: BareRule = { text: `counter ${map.dir === "in" ? "iifname" : "oifname"} vmap @${name}`, comments: [] };
  const rules = hashRules(name, [lookup, renderBareRule(map.final, ctx)], [-1, root.rules.length - 1]);
  return new NftChain(name, rules, { kind: "dispatch", table, logical: root.name });
}

function buildChain(chain: Chain, table: TableName, ctx: RenderContext): NftChain {
  const name = chainName(ctx, chain.name);
  const rules = hashRules(name, chain.rules.map((r) => renderBareRule(r, ctx)), chain.rules.map((_, i) => i));
  return new NftChain(name, rules, { kind: "chain", table, logical: chain.name });
}

/** The base chain of `kernelChain`: the hooks into it, inserts first, then appends. */
function buildBaseChain(table: TableName, kernelChain: KernelChain, hooks: readonly Hook[], ctx: RenderContext): NftChain {
  const spec = BASE_CHAINS[table][kernelChain];
  if (spec === undefined) throw internal(`table ${table} has no ${kernelChain} hook`);
  const name = nftBaseChainName(table, kernelChain);
  const indexed = hooks.map((hook, index) => ({ hook, index }));
  const ordered = [...indexed.filter((h) => h.hook.position === "insert"), ...indexed.filter((h) => h.hook.position === "append")];
  const bare = ordered.map(({ hook }) => renderBareRule({ matches: hook.matches, action: { kind: "jump", chain: hook.target }, comments: [] } satisfies Rule, ctx));
  const rules = hashRules(name, bare, ordered.map((h) => h.index));
  const hook: NftHook = { ...spec, hook: kernelChain.toLowerCase() as NftHook["hook"], policy: "accept" };
  return new NftChain(name, rules, { kind: "hooks", table, kernelChain }, hook);
}

type SetContext = Omit<RenderContext, "chainNames">;

function buildPart(table: Table, base: SetContext, reuse: Reuse): NftTablePart {
  const whole = reuse.part?.(table);
  if (whole !== undefined) return whole;
  const chainNames = uniqueNames(table.chains.map((c) => c.name), (logical) => nftChainName(table.name, logical), "chains");
  const ctx: RenderContext = { ...base, chainNames };
  const dispatch = findDispatchMaps(table);
  const maps = new Map(dispatch.map((m) => [m.root, reuse.dispatch?.(table, m) ?? { map: buildMap(m, table.name, ctx), root: undefined }]));
  const folded = new Set(dispatch.flatMap((m) => m.children));
  const chains: NftChain[] = [];
  for (const kernelChain of KERNEL_CHAIN_ORDER) {
    const hooks = table.hooks.filter((h) => h.kernelChain === kernelChain);
    if (hooks.length > 0) chains.push(reuse.baseChain?.(table, kernelChain) ?? buildBaseChain(table.name, kernelChain, hooks, ctx));
  }
  for (const chain of table.chains) {
    if (folded.has(chain.name)) continue;
    const map = maps.get(chain.name);
    if (map !== undefined) chains.push(map.root ?? buildDispatchRoot(chain, map.map.dispatch, table.name, ctx));
    else chains.push(reuse.chain?.(base.family, table.name, chain) ?? buildChain(chain, table.name, ctx));
  }
  return { name: table.name, maps: [...maps.values()].map((m) => m.map), chains };
}

function buildFamily(fam: FamilyIr, reuse: Reuse): NftFamilyLayout {
  for (const set of fam.sets) {
    if (set.family !== fam.family) throw internal(`IPv${set.family} set ${set.id} listed under IPv${fam.family}`);
  }
  const setNames = uniqueNames(fam.sets.map((s) => s.id), (id) => nftSetName(fam.family, id), "sets");
  const base: SetContext = { family: fam.family, setNames, setTypes: new Map(fam.sets.map((s) => [s.id, s.type] as const)) };
  return {
    family: fam.family,
    table: reuse.table?.() ?? new NftTable(nftFamily(fam.family), NFT_TABLE_NAME),
    sets: fam.sets.map((set) => reuse.set?.(set) ?? buildSet(set, setNames.get(set.id) ?? set.id)),
    parts: fam.tables.map((table) => buildPart(table, base, reuse)),
  };
}

/**
 * The layout of `ir`. With `reuse`, objects it supplies are taken as they are. Throws only on a
 * broken IR invariant (an internal error).
 */
export function buildNftLayout(ir: Ir, reuse: NftLayoutReuse = {}): NftLayout {
  return { v4: buildFamily(ir.v4, reuse), v6: buildFamily(ir.v6, reuse) };
}

function isEmpty(d: FamilyDelta): boolean {
  return d.tables.length === 0 && d.setsAdded.length === 0 && d.setsRemoved.length === 0 && d.setsChanged.length === 0 && d.setsRecommented.length === 0;
}

/** A logical table of the previous layout, its objects by what they render. */
interface PreviousPart {
  readonly touched: ReadonlySet<string>;
  readonly hooksChanged: boolean;
  readonly base: ReadonlyMap<KernelChain, NftChain>;
  readonly plain: ReadonlyMap<string, NftChain>;
  readonly roots: ReadonlyMap<string, NftChain>;
  readonly maps: ReadonlyMap<string, NftMap>;
}

function previousPart(part: NftTablePart | undefined, delta: TableDelta): PreviousPart {
  const base = new Map<KernelChain, NftChain>();
  const plain = new Map<string, NftChain>();
  const roots = new Map<string, NftChain>();
  for (const chain of part?.chains ?? []) {
    const o = chain.origin;
    if (o.kind === "hooks") base.set(o.kernelChain, chain);
    else (o.kind === "chain" ? plain : roots).set(o.logical, chain);
  }
  const maps = new Map((part?.maps ?? []).map((m) => [m.dispatch.root, m]));
  return { touched: new Set([...delta.chainsAdded, ...delta.chainsChanged]), hooksChanged: delta.hooksChanged, base, plain, roots, maps };
}

/** The same dispatch tree flattened to the same map (the previous map's record of it). */
function sameDispatch(before: NftMap, map: DispatchMap, table: TableName): boolean {
  return JSON.stringify(before.dispatch) === JSON.stringify({ ...map, table });
}

/** What the previous layout of a family offers for what `delta` leaves unchanged. */
function deltaReuse(previous: NftFamilyLayout, delta: FamilyDelta): Reuse {
  const parts = new Map(previous.parts.map((p) => [p.name, p]));
  const changed = new Map(delta.tables.map((d) => [d.table, previousPart(parts.get(d.table), d)]));
  const changedSets = new Set([...delta.setsAdded, ...delta.setsChanged.map((s) => s.id), ...delta.setsRecommented]);
  const sets = new Map(previous.sets.map((s) => [s.name, s]));
  return {
    table: () => previous.table,
    part: (table) => (changed.has(table.name) ? undefined : parts.get(table.name)),
    baseChain: (table, kernelChain) => {
      const p = changed.get(table.name);
      return p === undefined || p.hooksChanged ? undefined : p.base.get(kernelChain);
    },
    dispatch: (table, map) => {
      const p = changed.get(table.name);
      const before = p?.maps.get(map.root);
      const root = p?.roots.get(map.root);
      if (p === undefined || before === undefined || root === undefined) return undefined;
      if ([map.root, ...map.children].some((name) => p.touched.has(name)) || !sameDispatch(before, map, table.name)) return undefined;
      return { map: before, root };
    },
    chain: (_family, table, chain) => {
      const p = changed.get(table);
      return p === undefined || p.touched.has(chain.name) ? undefined : p.plain.get(chain.name);
    },
    set: (set) => (changedSets.has(set.id) ? undefined : sets.get(nftSetName(set.family, set.id))),
  };
}

/**
 * The layout of `ir`, given the layout `previous` of the IR that `delta` was computed from
 * (`delta` = `diffIr(before, ir)`, or an incremental compiler's equal delta). Equal to
 * `buildNftLayout(ir)`; everything the delta leaves unchanged is the previous layout's own
 * object (a family or logical table without changes too), and only what it changes is rendered
 * and hashed. New mark bits change every rule: then everything is built again.
 */
export function nftLayoutFromDelta(previous: NftLayout, ir: Ir, delta: IrDelta): NftLayout {
  if (delta.marksChanged) return buildNftLayout(ir);
  const family = (before: NftFamilyLayout, fam: FamilyIr, d: FamilyDelta): NftFamilyLayout => (isEmpty(d) ? before : buildFamily(fam, deltaReuse(before, d)));
  return { v4: family(previous.v4, ir.v4, delta.v4), v6: family(previous.v6, ir.v6, delta.v6) };
}
