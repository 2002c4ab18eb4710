/**
 * Building the iptables layout (layout.ts) from the IR, whole or from an IR delta.
 *
 * Per table: chain names shortened to 28 characters (chainNames.ts), each IR rule legalized for
 * multiport (multiport.ts: a port list over 15 slots split into several rules or matches),
 * rendered (renderRule.ts) and hashed with Felix's chained hash seeded by the chain name
 * (ruleHash.ts); hooks grouped per kernel chain and hashed with the kernel chain as seed. Per
 * family: ipset names (`cali40…`, cut to 31 characters) and sorted members.
 *
 * Incremental (`iptablesLayoutFromDelta`): an object's content is a function of the IR object
 * it renders alone (a chain's rules of the chain, since jump targets and set names are fixed
 * functions of the names it mentions; a table's hooks of its hooks; a set of the set), so
 * everything the delta does not name is taken from the previous layout as it is, and only the
 * chains and hooks it names are rendered and hashed, only the sets it names built. Names are
 * worked out again for every chain and set of a changed table or family (cheap), so that a
 * collision is caught exactly as in a whole build.
 */
import type { FamilyDelta, IrDelta, TableDelta } from "../../compiler/ir/delta.js";
import type { Chain, Family, FamilyIr, Hook, IpSet, Ir, KernelChain, Table, TableName } from "../../compiler/ir/types.js";
import { chainNameMap } from "./chainNames.js";
import { escapeComment } from "./escapeComment.js";
import type { IptablesFamilyLayout, IptablesLayout, PortsMatch } from "./layout.js";
import { IptablesChain, IptablesHookRule, IptablesHooks, IptablesRule, IptablesTable, Ipset } from "./layout.js";
import { MAX_IPSET_SIZE } from "./limits.js";
import { splitForMultiport } from "./multiport.js";
import { ipsetName, ipsetNameMap, ipsetType } from "./renderIpset.js";
import type { RenderContext, RenderedRule } from "./renderRule.js";
import { hashRules, renderRuleParts } from "./renderRule.js";

/** Kernel chains of each table (iptables(8), TABLES). */
const KERNEL_CHAINS: Readonly<Record<TableName, readonly KernelChain[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
};

function internal(message: string): Error {
  return new Error(`internal error (iptables backend): ${message}`);
}

/**
 * Objects built earlier that a build may take instead of building them again. Each answer must
 * be what the build would produce for the IR object it is asked about (the caller vouches for
 * it, e.g. by a digest of the IR object, as the applier does); undefined means build it.
 */
export interface IptablesLayoutReuse {
  /** Chain `chain` of table `table` in `family`. */
  chain?(family: Family, table: TableName, chain: Chain): IptablesChain | undefined;
  /** Set `set`. */
  set?(set: IpSet): Ipset | undefined;
}

/** What a delta build may also take whole: a table, or a table's hooks. */
interface Reuse extends IptablesLayoutReuse {
  table?(table: Table): IptablesTable | undefined;
  hooks?(table: Table): readonly IptablesHooks[] | undefined;
}

/** A chain's rules: each IR rule split for multiport, rendered, then the chain hashed. */
function buildChain(chain: Chain, name: string, ctx: RenderContext): IptablesChain {
  const parts: RenderedRule[] = [];
  const origins: { source: number; split?: readonly PortsMatch[] }[] = [];
  chain.rules.forEach((rule, source) => {
    const copies = splitForMultiport(rule);
    for (const copy of copies) {
      parts.push(renderRuleParts(copy, ctx));
      origins.push(copies.length === 1 ? { source } : { source, split: copy.matches.filter((m): m is PortsMatch => m.kind === "ports") });
    }
  });
  const rules = hashRules(name, name, parts).map(({ hash, spec }, i) => {
    const origin = origins[i] ?? { source: -1 };
    return origin.split === undefined ? new IptablesRule(hash, spec, origin.source) : new IptablesRule(hash, spec, origin.source, origin.split);
  });
  return new IptablesChain(name, chain.name, rules);
}

/** The table's hooks, per kernel chain in the order the IR first names each one. */
function buildHooks(table: Table, ctx: RenderContext): IptablesHooks[] {
  const byKernelChain = new Map<KernelChain, Hook[]>();
  for (const hook of table.hooks) {
    if (!KERNEL_CHAINS[table.name].includes(hook.kernelChain)) throw internal(`table ${table.name} has no ${hook.kernelChain} chain`);
    const hooks = byKernelChain.get(hook.kernelChain) ?? [];
    hooks.push(hook);
    byKernelChain.set(hook.kernelChain, hooks);
  }
  return [...byKernelChain].map(([kernelChain, hooks]) => {
    const parts = hooks.map((hook) => renderRuleParts({ matches: hook.matches, action: { kind: "jump", chain: hook.target }, comments: [] }, ctx));
    const rules = hashRules(kernelChain, kernelChain, parts).map(({ hash, spec }, i) => new IptablesHookRule(hash, spec, i, hooks[i]?.position ?? "insert"));
    return new IptablesHooks(kernelChain, rules);
  });
}

type SetContext = Omit<RenderContext, "chainNames">;

function buildTable(table: Table, base: SetContext, reuse: Reuse): IptablesTable {
  const whole = reuse.table?.(table);
  if (whole !== undefined) return whole;
  const chainNames = chainNameMap(table.chains.map((c) => c.name));
  const ctx: RenderContext = { ...base, chainNames };
  const chains = table.chains.map((chain) => reuse.chain?.(base.family, table.name, chain) ?? buildChain(chain, chainNames.get(chain.name) ?? chain.name, ctx));
  return new IptablesTable(table.name, chains, reuse.hooks?.(table) ?? buildHooks(table, ctx));
}

/** A member must be one token on an `add` line; anything else is a bug upstream. */
function checkedMember(set: IpSet, member: string): string {
  if (member === "" || (!printableAscii(member) && /\s/.test(member))) throw internal(`set ${set.id} has a malformed member ${JSON.stringify(member)}`);
  return member;
}

/** Whether every character is printable ASCII (then none is white space; sets hold a million members). */
function printableAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c >= 0x7f) return false;
  }
  return true;
}

/** The members sorted and de-duplicated; the IR's own array when it already is (the usual case). */
function sortedMembers(set: IpSet): readonly string[] {
  let ordered = true;
  for (let i = 0; i < set.members.length; i++) {
    const member = checkedMember(set, set.members[i] ?? "");
    if (i > 0 && !((set.members[i - 1] ?? "") < member)) ordered = false;
  }
  if (ordered) return set.members;
  // Sorted, then equal neighbours dropped: as `[...new Set(members)].sort()`, without hashing a
  // million members first (an IR set is ordered by address, not as text, so this is the usual
  // path for large IPv4 sets).
  const sorted = set.members.slice().sort();
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[kept - 1]) sorted[kept++] = sorted[i]!;
  sorted.length = kept;
  return sorted;
}

function buildSet(set: IpSet, name: string): Ipset {
  return new Ipset(name, ipsetType(set.type), set.family, MAX_IPSET_SIZE, escapeComment(set.comment), sortedMembers(set));
}

function buildFamily(fam: FamilyIr, reuse: Reuse): IptablesFamilyLayout {
  const setNames = ipsetNameMap(fam);
  const base: SetContext = { family: fam.family, setNames, setTypes: new Map(fam.sets.map((s) => [s.id, s.type] as const)) };
  return {
    family: fam.family,
    tables: fam.tables.map((table) => buildTable(table, base, reuse)),
    sets: fam.sets.map((set) => reuse.set?.(set) ?? buildSet(set, setNames.get(set.id) ?? set.id)),
  };
}

/**
 * The layout of `ir`. With `reuse`, objects it supplies are taken as they are. Throws only on a
 * broken IR invariant (an internal error), e.g. a jump to a chain the table does not have.
 */
export function buildIptablesLayout(ir: Ir, reuse: IptablesLayoutReuse = {}): IptablesLayout {
  return { v4: buildFamily(ir.v4, reuse), v6: buildFamily(ir.v6, reuse) };
}

function isEmpty(d: FamilyDelta): boolean {
  return d.tables.length === 0 && d.setsAdded.length === 0 && d.setsRemoved.length === 0 && d.setsChanged.length === 0 && d.setsRecommented.length === 0;
}

/** What the previous layout of a family offers for what `delta` leaves unchanged. */
function deltaReuse(previous: IptablesFamilyLayout, delta: FamilyDelta): Reuse {
  const tableDeltas = new Map<TableName, TableDelta>(delta.tables.map((t) => [t.table, t]));
  const tables = new Map(previous.tables.map((t) => [t.name, t]));
  const chains = new Map<TableName, { readonly touched: ReadonlySet<string>; readonly before: ReadonlyMap<string, IptablesChain> }>();
  for (const d of delta.tables) {
    chains.set(d.table, { touched: new Set([...d.chainsAdded, ...d.chainsChanged]), before: new Map((tables.get(d.table)?.chains ?? []).map((c) => [c.logical, c])) });
  }
  const changedSets = new Set([...delta.setsAdded, ...delta.setsChanged.map((s) => s.id), ...delta.setsRecommented]);
  const sets = new Map(previous.sets.map((s) => [s.name, s]));
  return {
    table: (table) => (tableDeltas.has(table.name) ? undefined : tables.get(table.name)),
    hooks: (table) => (tableDeltas.get(table.name)?.hooksChanged === false ? tables.get(table.name)?.hooks : undefined),
    chain: (_family, table, chain) => {
      const c = chains.get(table);
      return c === undefined || c.touched.has(chain.name) ? undefined : c.before.get(chain.name);
    },
    set: (set) => (changedSets.has(set.id) ? undefined : sets.get(ipsetName(set.family, set.id))),
  };
}

/**
 * The layout of `ir`, given the layout `previous` of the IR that `delta` was computed from
 * (`delta` = `diffIr(before, ir)`, or an incremental compiler's equal delta). Equal to
 * `buildIptablesLayout(ir)`; everything the delta does not name is the previous layout's own
 * object (a family or table without changes too), and only chains and hooks the delta names
 * are rendered and hashed, only sets it names are built. New mark bits change every rule: then
 * everything is built again.
 */
export function iptablesLayoutFromDelta(previous: IptablesLayout, ir: Ir, delta: IrDelta): IptablesLayout {
  if (delta.marksChanged) return buildIptablesLayout(ir);
  const family = (before: IptablesFamilyLayout, fam: FamilyIr, d: FamilyDelta): IptablesFamilyLayout => (isEmpty(d) ? before : buildFamily(fam, deltaReuse(before, d)));
  return { v4: family(previous.v4, ir.v4, delta.v4), v6: family(previous.v6, ir.v6, delta.v6) };
}
