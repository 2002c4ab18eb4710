/**
 * The nftables backend's layout: what it writes, as nft objects (objects.ts), per family one of
 * our tables (`ip policyc`, `ip6 policyc`) holding named sets, and per logical table of the IR
 * (filter, raw, mangle, nat) its verdict maps and its chains, base chains first.
 *
 * Built once from the IR (buildLayout.ts, also from an IR delta), then read by everything that
 * needs the backend's output: ruleset.nft (`renderNftables`), the applier's desired state and
 * `explain --rules`. Every rule is rendered and hashed once, here; nobody parses our output
 * back. A layout built from a delta shares every object that did not change with the layout it
 * was built from, so identity (`===`) means "unchanged".
 *
 * Design of the script (`printNftLayout`)
 * - Tables: one `ip policyc` and one `ip6 policyc`, not one `inet` table. `nft -f` applies a
 *   whole file as one transaction whatever it declares, so an `inet` table would not make the
 *   load more atomic; per-family tables mirror the IR (a FamilyIr per family, with v4 and v6
 *   chains of the same name but different rules and sets), keep Felix's layout (table `calico`
 *   per family, felix/nftables/table.go, so people who know Calico can read ours), and keep every
 *   `ip saddr` / `ip6 saddr` from needing an implicit `meta nfproto` check. The name `policyc`
 *   keeps us off Felix's `calico` tables on a node that runs both.
 * - Logical tables become chain-name prefixes, as Felix's `tableLayer` does
 *   (felix/nftables/table_layer.go): `filter-cali-FORWARD`. Each IR hook's kernel chain becomes
 *   one of our base chains (`filter-FORWARD`: `type filter hook forward priority 0; policy
 *   accept;`) holding the hook rules (`jump filter-cali-FORWARD`), inserts first, then appends,
 *   each in IR order. Policy is accept: we must not drop what we do not own.
 * - Reload: `table ip policyc {}` (creates it if missing), `delete table ip policyc`, then the
 *   full table. Inside the one transaction, loading twice gives the same ruleset and a fresh
 *   namespace loads too; no other table is named, so foreign tables are never touched.
 * - Inside a table: sets (IR order, by id), verdict maps, then chains (per logical table, base
 *   chains in hook order, then ours in IR order). nft resolves references within the
 *   transaction, so order is only for reading.
 * - Dispatch trees become verdict maps (dispatchMaps.ts); the vmap rule's hash covers its text,
 *   not the map's elements (as in Felix, where map elements are diffed on their own).
 * - A port list of any length is one anonymous set (`th dport { 80, 443, 1000-2000 }`): the IR
 *   keeps port lists whole; only the iptables backend splits them for multiport.
 * - Semantics differ from iptables in one inherent way: `accept` ends only our base chain, so
 *   other tables' chains on the same hook still see the packet (a drop anywhere is final).
 * - Deterministic: the output depends on the IR alone.
 */
import type { Family, TableName } from "../../compiler/ir/types.js";
import type { NftChain, NftMap, NftSet, NftTable } from "./objects.js";

/** One logical table of the IR inside our nft table: its verdict maps and chains. */
export interface NftTablePart {
  readonly name: TableName;
  readonly maps: readonly NftMap[];
  /** Base chains (in hook order), then ours (in IR order, dispatch children folded away). */
  readonly chains: readonly NftChain[];
}

/** Our table of one family. */
export interface NftFamilyLayout {
  readonly family: Family;
  readonly table: NftTable;
  /** In IR order (by id). */
  readonly sets: readonly NftSet[];
  /** In IR order (filter, raw, mangle, nat; only tables we have chains in). */
  readonly parts: readonly NftTablePart[];
}

/** Everything the nftables backend writes on a node. */
export interface NftLayout {
  readonly v4: NftFamilyLayout;
  readonly v6: NftFamilyLayout;
}

/** The table's verdict maps, in script order. */
export function layoutMaps(fam: NftFamilyLayout): NftMap[] {
  return fam.parts.flatMap((p) => p.maps);
}

/** The table's chains, in script order. */
export function layoutChains(fam: NftFamilyLayout): NftChain[] {
  return fam.parts.flatMap((p) => p.chains);
}

/** Appends the script lines that (re)create our table of one family to `out`. */
export function printNftFamily(fam: NftFamilyLayout, out: string[]): void {
  for (const line of fam.table.recreate()) out.push(line);
  for (const set of fam.sets) set.printBlock(out);
  for (const map of layoutMaps(fam)) map.printBlock(out);
  for (const chain of layoutChains(fam)) chain.printBlock(out);
  out.push("}");
}

/** The whole `nft -f` script: both families' tables, v4 first. */
export function printNftLayout(layout: NftLayout): string {
  const lines = [
    "# policyc: nftables ruleset. Load with `nft -f ruleset.nft`; the file is one atomic transaction.",
    `# It replaces the tables ${layout.v4.table.ref()} and ${layout.v6.table.ref()} and touches no other table.`,
  ];
  printNftFamily(layout.v4, lines);
  printNftFamily(layout.v6, lines);
  return `${lines.join("\n")}\n`;
}
