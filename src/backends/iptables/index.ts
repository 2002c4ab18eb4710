/**
 * The iptables + ipset backend: lowers the backend-neutral IR to the inputs of `ipset restore`,
 * `iptables-restore --noflush` and `ip6tables-restore --noflush`, in Felix's layout (`cali-`
 * chains, `cali40`/`cali60` sets, `cali:<hash>` rule comments). Pure and deterministic: the same
 * IR always gives the same bytes. Load order: `ipset.restore` first (rules refer to the sets),
 * then the two rules files.
 */
import type { Ir } from "../../compiler/ir/types.js";
import { renderIptablesRestore } from "./renderIptablesRestore.js";
import { renderIpsetRestore } from "./renderIpset.js";

/** A rendered output file. */
export interface OutputFile {
  readonly path: string;
  readonly contents: string;
}

/**
 * Renders `ipset.restore`, `iptables.rules` and `ip6tables.rules`, in that order. Throws only on
 * a broken IR invariant (an internal error), e.g. a jump to a chain the table does not have.
 */
export function renderIptables(ir: Ir): readonly OutputFile[] {
  return [
    { path: "ipset.restore", contents: renderIpsetRestore(ir) },
    { path: "iptables.rules", contents: renderIptablesRestore(ir.v4) },
    { path: "ip6tables.rules", contents: renderIptablesRestore(ir.v6) },
  ];
}

export { iptablesChainName, lengthLimitedId, KNOWN_CHAIN_PREFIXES } from "./chainNames.js";
export { ipsetName } from "./renderIpset.js";
export { ruleHashes } from "./ruleHash.js";
export { escapeComment, escapeLogPrefix } from "./escapeComment.js";
