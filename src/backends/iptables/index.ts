/**
 * The iptables + ipset backend: lowers the backend-neutral IR to a layout (layout.ts: tables of
 * chains of hashed rules, hooks, ipsets, in Felix's layout: `cali-` chains, `cali40`/`cali60`
 * sets, `cali:<hash>` rule comments) and prints it as the inputs of `ipset restore`,
 * `iptables-restore --noflush` and `ip6tables-restore --noflush`. Pure and deterministic: the
 * same IR always gives the same bytes. Load order: `ipset.restore` first (rules refer to the
 * sets), then the two rules files.
 */
import type { Ir } from "../../compiler/ir/types.js";
import { buildIptablesLayout } from "./buildLayout.js";
import type { IptablesLayout } from "./layout.js";
import { printIptablesRestore } from "./renderIptablesRestore.js";
import { printIpsetRestore } from "./renderIpset.js";

/** A rendered output file. */
export interface OutputFile {
  readonly path: string;
  readonly contents: string;
}

/** `ipset.restore`, `iptables.rules` and `ip6tables.rules` of a layout, in that order. */
export function printIptablesLayout(layout: IptablesLayout): readonly OutputFile[] {
  return [
    { path: "ipset.restore", contents: printIpsetRestore(layout) },
    { path: "iptables.rules", contents: printIptablesRestore(layout.v4) },
    { path: "ip6tables.rules", contents: printIptablesRestore(layout.v6) },
  ];
}

/**
 * Renders `ipset.restore`, `iptables.rules` and `ip6tables.rules`, in that order. Throws only on
 * a broken IR invariant (an internal error), e.g. a jump to a chain the table does not have.
 */
export function renderIptables(ir: Ir): readonly OutputFile[] {
  return printIptablesLayout(buildIptablesLayout(ir));
}

export { buildIptablesLayout, iptablesLayoutFromDelta, type IptablesLayoutReuse } from "./buildLayout.js";
export { IptablesChain, IptablesHookRule, IptablesHooks, IptablesRule, IptablesTable, Ipset } from "./layout.js";
export type { IptablesFamilyLayout, IptablesLayout, PortsMatch } from "./layout.js";
export { iptablesChainName, lengthLimitedId, KNOWN_CHAIN_PREFIXES } from "./chainNames.js";
export { ipsetName } from "./renderIpset.js";
export { ruleHashes } from "./ruleHash.js";
export { escapeComment, escapeLogPrefix } from "./escapeComment.js";
