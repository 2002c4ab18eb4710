/**
 * The desired nftables state of a node: the nftables backend's layout
 * (backends/nftables/layout.ts) as the planner reads it. Nothing is rendered or parsed here: a
 * chain's rules are the layout's rule objects printed (`text()`, with their hash), a set's or
 * map's signature and declaration come from the object's type, flags and properties, its
 * elements are the objects' elements in the kernel's spelling (nftState.ts `normalizeElement`,
 * the same spelling `nft -j list` is read into), and a table's creation script is the layout
 * printed (`withScripts`, only for a table that must be created or re-created).
 *
 * Built in one of two ways, each rendering only what it must (see desiredIptables.ts):
 * - `buildDesiredNft`: from the IR whole, or from an earlier build (what an agent's cache
 *   keeps) and the IR delta since (`nftLayoutFromDelta`; the state of every layout object the
 *   delta leaves alone is the earlier build's own), or without a delta by digests.
 * - `desiredNftTables` with a ledger's reuse: an object whose IR digest (fingerprint.ts) is the
 *   one recorded is known as the kernel holds it; the builder is given a stand-in, and the state
 *   takes the known object instead. Maps, dispatch roots and base chains depend on several IR
 *   objects and are always built (there are few).
 * With `fingerprints`, every set, and every chain that renders one IR chain, carries the digest
 * of that IR object, which a new ledger records.
 */
import type { NftLayoutReuse } from "../../backends/nftables/buildLayout.js";
import { buildNftLayout, nftLayoutFromDelta } from "../../backends/nftables/buildLayout.js";
import type { NftFamilyLayout, NftLayout } from "../../backends/nftables/layout.js";
import { layoutChains, layoutMaps, printNftFamily } from "../../backends/nftables/layout.js";
import { nftChainName, nftSetName } from "../../backends/nftables/names.js";
import type { NftMap as LayoutMap } from "../../backends/nftables/objects.js";
import { NftChain as LayoutChain, NftSet as LayoutSet } from "../../backends/nftables/objects.js";
import type { IrDelta } from "../../compiler/ir/delta.js";
import type { Chain, Family, IpSet, Ir } from "../../compiler/ir/types.js";
import type { IrDigests } from "./digestIr.js";
import { chainFingerprint, setFingerprint } from "./fingerprint.js";
import type { NftChain, NftSet, NftTable } from "./nftState.js";
import { normalizeElement } from "./nftState.js";

/** What a ledger already knows: objects whose IR digest is unchanged, as the kernel holds them. */
export interface NftReuse {
  chain(family: "ip" | "ip6", name: string, fingerprint: string): NftChain | undefined;
  set(family: "ip" | "ip6", name: string, fingerprint: string): NftSet | undefined;
}

/** The state made of each layout object, by the object. */
interface Parts {
  readonly chains: Map<LayoutChain, NftChain>;
  readonly sets: Map<LayoutSet | LayoutMap, NftSet>;
}

/** Desired tables with the layout and the IR they were made from: what the next build's delta is against. */
export interface NftBuild {
  readonly ir: Ir;
  readonly layout: NftLayout;
  /** v4 then v6, without creation scripts (see `withScripts`). */
  readonly tables: readonly NftTable[];
  readonly parts: Parts;
  /** Whether its chains and sets carry their IR digests. */
  readonly fingerprints: boolean;
}

/** How the state of each layout object is found, when it is not made anew. */
interface Known {
  chain(chain: LayoutChain): NftChain | undefined;
  set(set: LayoutSet | LayoutMap): NftSet | undefined;
  /** The IR digest of a chain or set made anew (undefined: not wanted, or none). */
  fingerprint(family: Family, object: LayoutChain | LayoutSet): string | undefined;
}

function chainState(chain: LayoutChain, fingerprint: string | undefined): NftChain {
  const header = chain.header();
  return {
    name: chain.name,
    ...(header === undefined ? {} : { header }),
    rules: chain.rules.map((r) => ({ text: r.text(), hash: r.hash })),
    ...(fingerprint === undefined ? {} : { fingerprint }),
  };
}

function setState(set: LayoutSet | LayoutMap, fingerprint: string | undefined): NftSet {
  const flags = set.kind === "set" ? [...set.flags].sort() : [];
  return {
    kind: set.kind,
    name: set.name,
    signature: `${set.kind}:${set.type}|${flags.join(",")}`,
    declaration: set.properties(),
    elements: [...new Set(set.elements.map((e) => normalizeElement(e.text())))].sort(),
    ...(fingerprint === undefined ? {} : { fingerprint }),
  };
}

function desiredTable(fam: NftFamilyLayout, known: Known, parts: Parts): NftTable {
  const set = (s: LayoutSet | LayoutMap): NftSet => {
    const state = known.set(s) ?? setState(s, s.kind === "set" ? known.fingerprint(fam.family, s) : undefined);
    parts.sets.set(s, state);
    return state;
  };
  const chains = layoutChains(fam).map((c) => {
    const state = known.chain(c) ?? chainState(c, c.origin.kind === "chain" ? known.fingerprint(fam.family, c) : undefined);
    parts.chains.set(c, state);
    return state;
  });
  return { family: fam.table.family, chains, sets: [...fam.sets.map(set), ...layoutMaps(fam).map(set)] };
}

function stateOf(layout: NftLayout, known: Known): { tables: NftTable[]; parts: Parts } {
  const parts: Parts = { chains: new Map(), sets: new Map() };
  return { tables: [desiredTable(layout.v4, known, parts), desiredTable(layout.v6, known, parts)], parts };
}

/** The IR objects by the layout names they get, looked up only when a digest is wanted. */
function irDigests(ir: Ir): Known["fingerprint"] {
  type Source = { readonly kind: "chain"; readonly chain: Chain } | { readonly kind: "set"; readonly set: IpSet };
  let byName: Map<string, Source> | undefined;
  return (family, object) => {
    byName ??= new Map<string, Source>([
      ...[ir.v4, ir.v6].flatMap((fam) => fam.tables.flatMap((t) => t.chains.map((chain): [string, Source] => [`${fam.family} ${nftChainName(t.name, chain.name)}`, { kind: "chain", chain }]))),
      ...[...ir.v4.sets, ...ir.v6.sets].map((set): [string, Source] => [`${set.family} ${nftSetName(set.family, set.id)}`, { kind: "set", set }]),
    ]);
    const found = byName.get(`${family} ${object.name}`);
    if (found === undefined) return undefined;
    return found.kind === "chain" ? chainFingerprint(family, found.chain) : setFingerprint(found.set);
  };
}

/**
 * Our two tables as `ir` wants them, with what they were built from. Given `from`, an earlier
 * build: with `delta` = `diffIr(from.build.ir, ir)`, built from the delta; without, by digests
 * (and then with them) when the earlier build recorded them. Pure; throws only on a broken IR
 * invariant.
 */
export function buildDesiredNft(ir: Ir, options: { readonly fingerprints?: boolean; readonly from?: { readonly build: NftBuild; readonly delta?: IrDelta } } = {}): NftBuild {
  const { from } = options;
  if (from !== undefined && from.delta === undefined && from.build.fingerprints) return buildByDigests(ir, from.build);
  const fingerprints = options.fingerprints === true;
  const delta = from !== undefined && (from.build.fingerprints || !fingerprints) ? from.delta : undefined;
  const previous = delta === undefined ? undefined : from?.build;
  const layout = previous === undefined || delta === undefined ? buildNftLayout(ir) : nftLayoutFromDelta(previous.layout, ir, delta);
  const kept = previous?.parts;
  const digest = fingerprints ? irDigests(ir) : undefined;
  const known: Known = {
    chain: (chain) => kept?.chains.get(chain),
    set: (set) => kept?.sets.get(set),
    fingerprint: (family, object) => digest?.(family, object),
  };
  return { ir, layout, ...stateOf(layout, known), fingerprints };
}

/**
 * `ir`'s build, taking from `previous` (built with digests) every chain that renders one IR chain
 * and every set whose IR digest it recorded (each depends on that IR object alone, and its name
 * on the IR object's name).
 */
function buildByDigests(ir: Ir, previous: NftBuild): NftBuild {
  const earlier = new Map<string, LayoutChain | LayoutSet>();
  for (const [chain, state] of previous.parts.chains) {
    if (state.fingerprint !== undefined && chain.origin.kind === "chain") earlier.set(`${state.fingerprint} ${chain.name}`, chain);
  }
  for (const [set, state] of previous.parts.sets) {
    if (state.fingerprint !== undefined && set.kind === "set") earlier.set(`${state.fingerprint} ${set.name}`, set);
  }
  const fingerprints = new Map<string, string>();
  const reuse: NftLayoutReuse = {
    chain(fam, table, chain) {
      const name = nftChainName(table, chain.name);
      const fingerprint = chainFingerprint(fam, chain);
      fingerprints.set(`${fam} ${name}`, fingerprint);
      const found = earlier.get(`${fingerprint} ${name}`);
      return found instanceof LayoutChain ? found : undefined;
    },
    set(set) {
      const name = nftSetName(set.family, set.id);
      const fingerprint = setFingerprint(set);
      fingerprints.set(`${set.family} ${name}`, fingerprint);
      const found = earlier.get(`${fingerprint} ${name}`);
      return found instanceof LayoutSet ? found : undefined;
    },
  };
  const layout = buildNftLayout(ir, reuse);
  const known: Known = {
    chain: (chain) => previous.parts.chains.get(chain),
    set: (set) => previous.parts.sets.get(set),
    fingerprint: (fam, object) => fingerprints.get(`${fam} ${object.name}`),
  };
  return { ir, layout, ...stateOf(layout, known), fingerprints: true };
}

/** `tables` with the creation script of each family `needed` says must be (re-)created. */
export function withScripts(layout: NftLayout, tables: readonly NftTable[], needed: (table: NftTable) => boolean): NftTable[] {
  return tables.map((table) => {
    if (!needed(table)) return table;
    const lines: string[] = [];
    printNftFamily(table.family === "ip" ? layout.v4 : layout.v6, lines);
    return { ...table, script: lines };
  });
}

/**
 * Our two tables as `ir` wants them, knowing what a ledger recorded (`reuse`; `digests`, from
 * `digestIr(ir, setFingerprint)`, when they were worked out already), or with each
 * table's whole creation script (`script`, which needs every object printed, so it turns `reuse`
 * off). Pure; throws only on a broken IR invariant.
 */
export function desiredNftTables(ir: Ir, options: { readonly reuse?: NftReuse; readonly script?: boolean; readonly fingerprints?: boolean; readonly digests?: IrDigests } = {}): NftTable[] {
  const reuse = options.script === true ? undefined : options.reuse;
  if (reuse === undefined) {
    const build = buildDesiredNft(ir, options);
    return options.script === true ? withScripts(build.layout, build.tables, () => true) : [...build.tables];
  }
  const fingerprints = new Map<string, string>();
  const standIns = { chains: new Map<LayoutChain, NftChain>(), sets: new Map<LayoutSet, NftSet>() };
  const family = (f: Family): "ip" | "ip6" => (f === 4 ? "ip" : "ip6");
  const layoutReuse: NftLayoutReuse = {
    chain(fam, table, chain) {
      const name = nftChainName(table, chain.name);
      const fingerprint = options.digests?.chain(fam, chain) ?? chainFingerprint(fam, chain);
      fingerprints.set(`${fam} ${name}`, fingerprint);
      const have = reuse.chain(family(fam), name, fingerprint);
      if (have === undefined) return undefined;
      const standIn = new LayoutChain(name, [], { kind: "chain", table, logical: chain.name });
      standIns.chains.set(standIn, have);
      return standIn;
    },
    set(set) {
      const name = nftSetName(set.family, set.id);
      const fingerprint = options.digests?.set(set) ?? setFingerprint(set);
      fingerprints.set(`${set.family} ${name}`, fingerprint);
      const have = reuse.set(family(set.family), name, fingerprint);
      if (have === undefined) return undefined;
      const standIn = new LayoutSet(name, "", [], "", []);
      standIns.sets.set(standIn, have);
      return standIn;
    },
  };
  const layout = buildNftLayout(ir, layoutReuse);
  const known: Known = {
    chain: (chain) => standIns.chains.get(chain),
    set: (set) => (set.kind === "set" ? standIns.sets.get(set) : undefined),
    fingerprint: (fam, object) => fingerprints.get(`${fam} ${object.name}`),
  };
  return stateOf(layout, known).tables;
}
