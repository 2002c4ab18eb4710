/**
 * The desired nftables state of a node: the nftables backend's layout
 * (backends/nftables/layout.ts) as the planner reads it. Nothing is rendered or parsed here: a
 * chain's rules are the layout's rule objects printed (`text()`, with their hash), a set's or
 * map's signature and declaration come from the object's type, flags and properties, its
 * elements are the objects' elements in the kernel's spelling (nftState.ts `normalizeElement`,
 * the same spelling `nft -j list` is read into), and a table's creation script is the layout
 * printed.
 *
 * Every set, and every chain that renders one IR chain, carries the digest of that IR object
 * (fingerprint.ts). With `reuse` (a ledger, or an agent's cache), an object whose digest is the
 * one recorded is known as the kernel holds it: the builder is given a stand-in, and the state
 * takes the known object instead, so it is neither rendered nor hashed again. Maps, dispatch
 * roots and base chains depend on several IR objects and are always built (there are few).
 */
import type { NftLayoutReuse } from "../../backends/nftables/buildLayout.js";
import { buildNftLayout } from "../../backends/nftables/buildLayout.js";
import type { NftFamilyLayout } from "../../backends/nftables/layout.js";
import { layoutChains, layoutMaps, printNftFamily } from "../../backends/nftables/layout.js";
import { nftChainName, nftSetName } from "../../backends/nftables/names.js";
import type { NftMap as LayoutMap } from "../../backends/nftables/objects.js";
import { NftChain as LayoutChain, NftSet as LayoutSet } from "../../backends/nftables/objects.js";
import type { Family, Ir } from "../../compiler/ir/types.js";
import { chainFingerprint, setFingerprint } from "../memory/fingerprint.js";
import type { NftChain, NftSet, NftTable } from "./nftState.js";
import { normalizeElement } from "./nftState.js";

/** What a ledger already knows: objects whose IR digest is unchanged, as the kernel holds them. */
export interface NftReuse {
  chain(family: "ip" | "ip6", name: string, fingerprint: string): NftChain | undefined;
  set(family: "ip" | "ip6", name: string, fingerprint: string): NftSet | undefined;
}

export interface NftDesiredOptions {
  readonly reuse?: NftReuse;
  /** Also build each table's whole creation script (needed to re-create a table). */
  readonly script?: boolean;
}

/** Digests of the IR objects the layout was built from, and what the reuse supplied. */
interface Known {
  /** `family name` (nft names) → digest of the IR chain or set. */
  readonly fingerprints: Map<string, string>;
  /** Stand-ins given to the builder → the objects the reuse knows. */
  readonly chains: Map<LayoutChain, NftChain>;
  readonly sets: Map<LayoutSet, NftSet>;
}

function familyName(family: Family): "ip" | "ip6" {
  return family === 4 ? "ip" : "ip6";
}

function layoutReuse(reuse: NftReuse | undefined, known: Known): NftLayoutReuse {
  return {
    chain(family, table, chain) {
      const name = nftChainName(table, chain.name);
      const fingerprint = chainFingerprint(family, chain);
      known.fingerprints.set(`${family} ${name}`, fingerprint);
      const have = reuse?.chain(familyName(family), name, fingerprint);
      if (have === undefined) return undefined;
      const standIn = new LayoutChain(name, [], { kind: "chain", table, logical: chain.name });
      known.chains.set(standIn, have);
      return standIn;
    },
    set(set) {
      const name = nftSetName(set.family, set.id);
      const fingerprint = setFingerprint(set);
      known.fingerprints.set(`${set.family} ${name}`, fingerprint);
      const have = reuse?.set(familyName(set.family), name, fingerprint);
      if (have === undefined) return undefined;
      const standIn = new LayoutSet(name, "", [], "", []);
      known.sets.set(standIn, have);
      return standIn;
    },
  };
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

function desiredTable(fam: NftFamilyLayout, known: Known, script: boolean): NftTable {
  const fingerprint = (name: string): string | undefined => known.fingerprints.get(`${fam.family} ${name}`);
  const sets = [
    ...fam.sets.map((s) => known.sets.get(s) ?? setState(s, fingerprint(s.name))),
    ...layoutMaps(fam).map((m) => setState(m, undefined)),
  ];
  const chains = layoutChains(fam).map((c) => known.chains.get(c) ?? chainState(c, c.origin.kind === "chain" ? fingerprint(c.name) : undefined));
  const table: NftTable = { family: fam.table.family, chains, sets };
  if (!script) return table;
  const lines: string[] = [];
  printNftFamily(fam, lines);
  return { ...table, script: lines };
}

/**
 * Our two tables as `ir` wants them. Pure; throws only on a broken IR invariant. A creation
 * script needs every object printed, so `script` turns `reuse` off.
 */
export function desiredNftTables(ir: Ir, options: NftDesiredOptions = {}): NftTable[] {
  const known: Known = { fingerprints: new Map(), chains: new Map(), sets: new Map() };
  const layout = buildNftLayout(ir, layoutReuse(options.script === true ? undefined : options.reuse, known));
  return [desiredTable(layout.v4, known, options.script === true), desiredTable(layout.v6, known, options.script === true)];
}
