/**
 * The nftables backend: lowers the backend-neutral IR to a layout of nft objects (layout.ts,
 * objects.ts) and prints it as one `nft -f` script, `ruleset.nft`, that atomically replaces our
 * tables `ip policyc` and `ip6 policyc`. It uses what nftables is good at: named sets (interval
 * sets for selector and CIDR sets, `address . protocol . port` concatenations for named ports),
 * verdict maps for interface dispatch, anonymous sets for port lists of any length. Every rule
 * carries `cali:<hash>;` in its comment, Felix's chained rule hash, so an applier can diff.
 */
import type { Ir } from "../../compiler/ir/types.js";
import type { OutputFile } from "../iptables/index.js";
import { buildNftLayout } from "./buildLayout.js";
import type { NftLayout } from "./layout.js";
import { printNftLayout } from "./layout.js";

/** `ruleset.nft` of a layout. */
export function printNftablesLayout(layout: NftLayout): readonly OutputFile[] {
  return [{ path: "ruleset.nft", contents: printNftLayout(layout) }];
}

/** Renders `ruleset.nft`. Throws only on a broken IR invariant (an internal error). */
export function renderNftables(ir: Ir): readonly OutputFile[] {
  return printNftablesLayout(buildNftLayout(ir));
}

export { buildNftLayout, nftLayoutFromDelta, type NftLayoutReuse } from "./buildLayout.js";
export { layoutChains, layoutMaps, printNftFamily, type NftFamilyLayout, type NftLayout, type NftTablePart } from "./layout.js";
export { NftChain, NftElement, NftMap, NftRule, NftSet, NftTable, type NftChainOrigin, type NftFamily, type NftHook, type NftMapDispatch } from "./objects.js";
export { NFT_TABLE_NAME, nftChainName, nftSetName, nftBaseChainName } from "./names.js";
export { findDispatchMaps, type DispatchMap } from "./dispatchMaps.js";
