/**
 * nft names for our tables, chains, sets and maps.
 *
 * Design
 * - nft 1.0.x accepts only bare identifiers as chain names (a quoted name is a syntax error), and
 *   an identifier is a letter followed by letters, digits and `/ \ _ . -` (nft(8), "Identifiers";
 *   the scanner's `string` token). Logical IR names (`cali-pi-gnp/default.foo`) fit that as
 *   they are, so a chain keeps its Felix name behind a logical-table prefix, as Felix's
 *   `tableLayer` does: `filter-cali-pi-gnp/default.foo`. A name with any other character (or
 *   one over 255 bytes) keeps its readable Felix prefix and has the rest replaced by a hash,
 *   with Felix's `GetLengthLimitedID` scheme (exported by the iptables backend).
 * - Sets: Felix's ipset name `cali4` / `cali6` + version token `0` + the set id, with `:`
 *   (not allowed in an identifier) replaced by `-`, as Felix's nft dataplane does:
 *   `s:rV61…` → `cali40s-rV61…`. No 31-character cut: nft names go up to 255 bytes.
 * - A verdict map is named after the dispatch chain it replaces (`filter-cali-from-wl-dispatch`);
 *   maps share a namespace with sets, which all start with `cali`, so they cannot clash.
 * Two logical names that end up with one nft name are an internal error (they would merge).
 */
import { createHash } from "node:crypto";
import type { Family, KernelChain, TableName } from "../../compiler/ir/types.js";
import { KNOWN_CHAIN_PREFIXES, lengthLimitedId } from "../iptables/index.js";
import { MAX_NAME_LENGTH } from "./limits.js";

/** Our table in each family: `ip policyc` and `ip6 policyc`. */
export const NFT_TABLE_NAME = "policyc";

/** The nft family keyword of an IR family. */
export function nftFamily(family: Family): "ip" | "ip6" {
  return family === 4 ? "ip" : "ip6";
}

/** What may follow the first letter of an nft identifier (we never use the backslash). */
const IDENTIFIER_TAIL = /^[A-Za-z0-9/_.-]*$/;

/** Whether `name` can be written as a bare nft identifier. */
export function isNftIdentifier(name: string): boolean {
  return /^[A-Za-z]/.test(name) && IDENTIFIER_TAIL.test(name.slice(1)) && name.length <= MAX_NAME_LENGTH;
}

function hashed(prefix: string, suffix: string): string {
  return `${prefix}_${createHash("sha256").update(suffix, "utf8").digest("base64url")}`;
}

/** The base chain that a kernel hook of a logical table becomes: `filter-FORWARD`. */
export function nftBaseChainName(table: TableName, kernelChain: KernelChain): string {
  return `${table}-${kernelChain}`;
}

/**
 * The nft name of logical chain `logical` of logical table `table`: `<table>-<logical>` when
 * that is a valid identifier of at most 255 bytes, otherwise `<table>-<Felix prefix>_<hash>`.
 * Throws (an internal error) for a name outside the `cali-` namespace.
 */
export function nftChainName(table: TableName, logical: string): string {
  const known = KNOWN_CHAIN_PREFIXES.find((p) => logical.startsWith(p));
  if (known === undefined) throw new Error(`internal error (nftables backend): chain ${JSON.stringify(logical)} does not start with cali-`);
  const prefix = `${table}-${known}`;
  const suffix = logical.slice(known.length);
  if (!IDENTIFIER_TAIL.test(suffix)) return hashed(prefix, suffix);
  return lengthLimitedId(prefix, suffix, MAX_NAME_LENGTH);
}

/** The nft name of set `id` of `family`: `cali40` + id with `:` → `-` (hashed if still invalid). */
export function nftSetName(family: Family, id: string): string {
  const prefix = `cali${family}0`;
  const name = prefix + id.replace(/:/g, "-");
  return isNftIdentifier(name) ? name : hashed(prefix, id);
}

/**
 * A map from each logical name to its nft name via `name`. Throws (an internal error) if two
 * logical names get the same nft name.
 */
export function uniqueNames(logicalNames: readonly string[], name: (logical: string) => string, what: string): ReadonlyMap<string, string> {
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const logical of logicalNames) {
    const nft = name(logical);
    const owner = owners.get(nft);
    if (owner !== undefined && owner !== logical) {
      throw new Error(`internal error (nftables backend): ${what} ${owner} and ${logical} both get the nft name ${nft}`);
    }
    owners.set(nft, logical);
    names.set(logical, nft);
  }
  return names;
}
