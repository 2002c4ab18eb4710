/**
 * Building the nftables layout (layout.ts) from the IR.
 *
 * Per family: set names (names.ts) and elements (elements.ts: minimal prefix lists for `net`
 * sets, `address . protocol . port` concatenations for named ports). Per logical table: chain
 * names, the dispatch trees that become verdict maps (dispatchMaps.ts), one base chain per
 * kernel chain the IR hooks into, then each IR chain rule for rule (renderRule.ts), hashed with
 * Felix's chained hash seeded by the nft chain name.
 */
import type { Chain, Family, FamilyIr, Hook, IpSet, Ir, KernelChain, Rule, Table, TableName } from "../../compiler/ir/types.js";
import type { DispatchMap } from "./dispatchMaps.js";
import { findDispatchMaps } from "./dispatchMaps.js";
import { setElements } from "./elements.js";
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

function buildSet(set: IpSet, name: string): NftSet {
  const addr = set.family === 4 ? "ipv4_addr" : "ipv6_addr";
  const elements = setElements(set).map((e) => new NftElement(e));
  const comment = nftText(set.comment, MAX_COMMENT_LENGTH);
  return set.type === "net"
    ? new NftSet(name, addr, ["interval"], comment, elements)
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

function buildPart(table: Table, base: SetContext, reuse: NftLayoutReuse): NftTablePart {
  const chainNames = uniqueNames(table.chains.map((c) => c.name), (logical) => nftChainName(table.name, logical), "chains");
  const ctx: RenderContext = { ...base, chainNames };
  const dispatch = findDispatchMaps(table);
  const byRoot = new Map(dispatch.map((m) => [m.root, m]));
  const folded = new Set(dispatch.flatMap((m) => m.children));
  const chains: NftChain[] = [];
  for (const kernelChain of KERNEL_CHAIN_ORDER) {
    const hooks = table.hooks.filter((h) => h.kernelChain === kernelChain);
    if (hooks.length > 0) chains.push(buildBaseChain(table.name, kernelChain, hooks, ctx));
  }
  for (const chain of table.chains) {
    if (folded.has(chain.name)) continue;
    const map = byRoot.get(chain.name);
    chains.push(map !== undefined ? buildDispatchRoot(chain, map, table.name, ctx) : (reuse.chain?.(base.family, table.name, chain) ?? buildChain(chain, table.name, ctx)));
  }
  return { name: table.name, maps: dispatch.map((m) => buildMap(m, table.name, ctx)), chains };
}

function buildFamily(fam: FamilyIr, reuse: NftLayoutReuse): NftFamilyLayout {
  for (const set of fam.sets) {
    if (set.family !== fam.family) throw internal(`IPv${set.family} set ${set.id} listed under IPv${fam.family}`);
  }
  const setNames = uniqueNames(fam.sets.map((s) => s.id), (id) => nftSetName(fam.family, id), "sets");
  const base: SetContext = { family: fam.family, setNames, setTypes: new Map(fam.sets.map((s) => [s.id, s.type] as const)) };
  return {
    family: fam.family,
    table: new NftTable(nftFamily(fam.family), NFT_TABLE_NAME),
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
