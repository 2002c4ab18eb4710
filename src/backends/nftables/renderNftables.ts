/**
 * The `nft -f` script for both families.
 *
 * Design
 * - Tables: one `ip policyc` and one `ip6 policyc`, not one `inet` table. `nft -f` applies a
 *   whole file as one transaction whatever it declares, so an `inet` table would not make the
 *   load more atomic; per-family tables mirror the IR (a FamilyIr per family, with v4 and v6
 *   chains of the same name but different rules and sets), keep Felix's layout (table `calico`
 *   per family, so people who know Calico can read ours), and keep every `ip saddr` /
 *   `ip6 saddr` from needing an implicit `meta nfproto` check. The name `policyc` keeps us off
 *   Felix's `calico` tables on a node that runs both.
 * - Logical tables (filter, raw, mangle, nat) become chain-name prefixes, as Felix's `tableLayer`
 *   does: `filter-cali-FORWARD`. Each IR hook's kernel chain becomes one of our base chains
 *   (`filter-FORWARD`: `type filter hook forward priority 0; policy accept;`) holding the hook
 *   rules (`jump filter-cali-FORWARD`), inserts first, then appends, each in IR order. Policy is
 *   accept: we must not drop what we do not own.
 * - Reload: `table ip policyc {}` (creates it if missing), `delete table ip policyc`, then the
 *   full table. Inside the one transaction, loading twice gives the same ruleset and a fresh
 *   namespace loads too; no other table is named, so foreign tables are never touched.
 * - Inside a table: sets (IR order, by id), verdict maps, base chains, then our chains in IR
 *   order. nft resolves references within the transaction, so order is only for reading.
 * - Dispatch trees become verdict maps (dispatchMaps.ts); the vmap rule's hash covers its text,
 *   not the map's elements (as in Felix, where map elements are diffed on their own).
 * - A port list of any length is one anonymous set (`th dport { 80, 443, 1000-2000 }`): the IR
 *   keeps port lists whole; only the iptables backend splits them for multiport.
 * - Semantics differ from iptables in one inherent way: `accept` ends only our base chain, so
 *   other tables' chains on the same hook still see the packet (a drop anywhere is final).
 * - Deterministic: the output depends on the IR alone.
 */
import type { Chain, FamilyIr, Hook, Ir, IpSet, KernelChain, Rule, Table, TableName } from "../../compiler/ir/types.js";
import type { DispatchMap } from "./dispatchMaps.js";
import { findDispatchMaps } from "./dispatchMaps.js";
import { setElements } from "./elements.js";
import { MAX_COMMENT_LENGTH } from "./limits.js";
import { NFT_TABLE_NAME, nftBaseChainName, nftChainName, nftFamily, nftSetName, uniqueNames } from "./names.js";
import type { BareRule, RenderContext } from "./renderRule.js";
import { ifaceString, nftText, renderBareRule, renderRuleLines } from "./renderRule.js";

/** Hook, chain type and priority of each kernel chain's base chain, as Felix's nft tables. */
interface BaseChainSpec {
  readonly type: "filter" | "nat" | "route";
  readonly priority: number;
}

/**
 * Priorities (nft(8), "Standard priority names"): raw −300, mangle −150, dstnat −100, filter 0,
 * srcnat 100. Felix puts nat OUTPUT and POSTROUTING at srcnat + 10, after kube-proxy's nat.
 * Written as numbers, since nft accepts a priority keyword only on some hooks (`srcnat` on
 * output is an error).
 */
const BASE_CHAINS: Readonly<Record<TableName, Partial<Readonly<Record<KernelChain, BaseChainSpec>>>>> = {
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

const INDENT = "\t";

function internal(message: string): Error {
  return new Error(`internal error (nftables backend): ${message}`);
}

/** `{ a, b }` as an indented block, one element a line (readable diffs for big sets). */
function elementsBlock(elements: readonly string[], depth: number): string[] {
  if (elements.length === 0) return [];
  const pad = INDENT.repeat(depth);
  return [`${pad}elements = {`, ...elements.map((e, i) => `${pad}${INDENT}${e}${i < elements.length - 1 ? "," : ""}`), `${pad}}`];
}

function renderSet(set: IpSet, name: string): string[] {
  const addr = set.family === 4 ? "ipv4_addr" : "ipv6_addr";
  const lines = [`${INDENT}set ${name} {`];
  if (set.type === "net") lines.push(`${INDENT}${INDENT}type ${addr}`, `${INDENT}${INDENT}flags interval`);
  else lines.push(`${INDENT}${INDENT}type ${addr} . inet_proto . inet_service`);
  const comment = nftText(set.comment, MAX_COMMENT_LENGTH);
  if (comment !== "") lines.push(`${INDENT}${INDENT}comment "${comment}"`);
  // Appended line by line: a set of a million elements spread as arguments would overflow the stack.
  for (const line of elementsBlock(setElements(set), 2)) lines.push(line);
  lines.push(`${INDENT}}`);
  return lines;
}

function renderChain(name: string, header: string | undefined, ruleLines: readonly string[]): string[] {
  return [
    `${INDENT}chain ${name} {`,
    ...(header === undefined ? [] : [`${INDENT}${INDENT}${header}`]),
    ...ruleLines.map((l) => `${INDENT}${INDENT}${l}`),
    `${INDENT}}`,
  ];
}

function renderMap(map: DispatchMap, ctx: RenderContext): string[] {
  const name = ctx.chainNames.get(map.root) ?? "";
  const elements = map.entries.map((e) => `${ifaceString(e.iface, false)} : goto ${ctx.chainNames.get(e.target) ?? missing(e.target)}`);
  return [`${INDENT}map ${name} {`, `${INDENT}${INDENT}type ifname : verdict`, ...elementsBlock(elements, 2), `${INDENT}}`];
}

function missing(chain: string): never {
  throw internal(`dispatch goes to ${chain}, which is not a chain of this table`);
}

/** The rules of one of our chains: the vmap rule + final rule for a dispatch root. */
function chainRules(chain: Chain, map: DispatchMap | undefined, ctx: RenderContext): BareRule[] {
  if (map === undefined) return chain.rules.map((r) => renderBareRule(r, ctx));
  const mapName = ctx.chainNames.get(map.root) ?? "";
  const key = map.dir === "in" ? "iifname" : "oifname";
  return [{ text: `counter ${key} vmap @${mapName}`, comments: [] }, renderBareRule(map.final, ctx)];
}

function hookRules(hooks: readonly Hook[], ctx: RenderContext): BareRule[] {
  const ordered = [...hooks.filter((h) => h.position === "insert"), ...hooks.filter((h) => h.position === "append")];
  return ordered.map((h) => renderBareRule({ matches: h.matches, action: { kind: "jump", chain: h.target }, comments: [] } satisfies Rule, ctx));
}

/**
 * One object of our table in the script (a set, a verdict map, a chain), rendered on demand as
 * its tab-indented lines. `source` is the one IR object the lines are a function of (with the
 * names the table gives it), for callers that keep renderings between runs (the applier's
 * ledger); maps, dispatch roots and base chains have none: they depend on several chains or
 * hooks, and there are few of them.
 */
export interface NftPiece {
  readonly kind: "set" | "map" | "chain";
  /** The object's name in the table. */
  readonly name: string;
  readonly source?: { readonly set: IpSet } | { readonly chain: Chain };
  render(): string[];
}

/** Our table of one family (`ip policyc`) as pieces, in script order. */
export interface FamilyPieces {
  readonly table: string;
  readonly pieces: readonly NftPiece[];
}

function tablePieces(table: Table, familyIr: FamilyIr, setNames: ReadonlyMap<string, string>): { maps: NftPiece[]; chains: NftPiece[] } {
  const chainNames = uniqueNames(table.chains.map((c) => c.name), (logical) => nftChainName(table.name, logical), "chains");
  const ctx: RenderContext = {
    family: familyIr.family,
    chainNames,
    setNames,
    setTypes: new Map(familyIr.sets.map((s) => [s.id, s.type])),
  };
  const maps = findDispatchMaps(table);
  const mapByRoot = new Map(maps.map((m) => [m.root, m]));
  const folded = new Set(maps.flatMap((m) => m.children));

  const chains: NftPiece[] = [];
  for (const kernelChain of KERNEL_CHAIN_ORDER) {
    const hooks = table.hooks.filter((h) => h.kernelChain === kernelChain);
    if (hooks.length === 0) continue;
    const spec = BASE_CHAINS[table.name][kernelChain];
    if (spec === undefined) throw internal(`table ${table.name} has no ${kernelChain} hook`);
    const name = nftBaseChainName(table.name, kernelChain);
    const header = `type ${spec.type} hook ${kernelChain.toLowerCase()} priority ${spec.priority}; policy accept;`;
    chains.push({ kind: "chain", name, render: () => renderChain(name, header, renderRuleLines(name, hookRules(hooks, ctx))) });
  }
  for (const chain of table.chains) {
    if (folded.has(chain.name)) continue;
    const name = chainNames.get(chain.name) ?? "";
    const map = mapByRoot.get(chain.name);
    const render = (): string[] => renderChain(name, undefined, renderRuleLines(name, chainRules(chain, map, ctx)));
    chains.push(map === undefined ? { kind: "chain", name, source: { chain }, render } : { kind: "chain", name, render });
  }
  const mapPieces = maps.map((m): NftPiece => ({ kind: "map", name: chainNames.get(m.root) ?? "", render: () => renderMap(m, ctx) }));
  return { maps: mapPieces, chains };
}

/** The pieces of our table of one family, in the order the script lists them. */
export function familyPieces(familyIr: FamilyIr): FamilyPieces {
  const table = `${nftFamily(familyIr.family)} ${NFT_TABLE_NAME}`;
  for (const set of familyIr.sets) {
    if (set.family !== familyIr.family) throw internal(`IPv${set.family} set ${set.id} listed under IPv${familyIr.family}`);
  }
  const setNames = uniqueNames(familyIr.sets.map((s) => s.id), (id) => nftSetName(familyIr.family, id), "sets");
  const sets = familyIr.sets.map((set): NftPiece => {
    const name = setNames.get(set.id) ?? "";
    return { kind: "set", name, source: { set }, render: () => renderSet(set, name) };
  });
  const tables = familyIr.tables.map((t) => tablePieces(t, familyIr, setNames));
  return { table, pieces: [...sets, ...tables.flatMap((t) => t.maps), ...tables.flatMap((t) => t.chains)] };
}

/** The script lines that (re)create our table of one family. */
export function renderFamily(familyIr: FamilyIr): string[] {
  const { table, pieces } = familyPieces(familyIr);
  const lines = [`table ${table} {}`, `delete table ${table}`, `table ${table} {`];
  // Appended line by line: a set of a million elements spread as arguments would overflow the stack.
  for (const piece of pieces) for (const line of piece.render()) lines.push(line);
  lines.push("}");
  return lines;
}

/**
 * The whole `nft -f` script: both families' tables, v4 first. Pure and deterministic; throws
 * only on a broken IR invariant (an internal error).
 */
export function renderNftablesScript(ir: Ir): string {
  const header = [
    "# policyc: nftables ruleset. Load with `nft -f ruleset.nft`; the file is one atomic transaction.",
    `# It replaces the tables ip ${NFT_TABLE_NAME} and ip6 ${NFT_TABLE_NAME} and touches no other table.`,
  ];
  return `${[...header, ...renderFamily(ir.v4), ...renderFamily(ir.v6)].join("\n")}\n`;
}
