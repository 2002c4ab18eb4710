/**
 * The nftables backend: lowers the backend-neutral IR to one `nft -f` script, `ruleset.nft`, that
 * atomically replaces our tables `ip policyc` and `ip6 policyc` (see renderNftables.ts for the
 * design). It uses what nftables is good at: named sets (interval sets for selector and CIDR
 * sets, `address . protocol . port` concatenations for named ports), verdict maps for
 * interface dispatch, anonymous sets for port lists of any length. Every rule carries
 * `cali:<hash>;` in its comment, Felix's chained rule hash, so an applier can diff.
 */
import type { Ir } from "../../compiler/ir/types.js";
import type { OutputFile } from "../iptables/index.js";
import { renderNftablesScript } from "./renderNftables.js";

/** Renders `ruleset.nft`. Throws only on a broken IR invariant (an internal error). */
export function renderNftables(ir: Ir): readonly OutputFile[] {
  return [{ path: "ruleset.nft", contents: renderNftablesScript(ir) }];
}

export { NFT_TABLE_NAME, nftChainName, nftSetName, nftBaseChainName } from "./names.js";
export { findDispatchMaps, type DispatchMap } from "./dispatchMaps.js";
