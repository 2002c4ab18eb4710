/**
 * iptables chain names: logical IR names (`cali-pi-gnp/default.foo`) shortened to the 28
 * characters iptables allows, the way Felix does it, so people who know Calico can read them.
 */
import { createHash } from "node:crypto";
import { MAX_CHAIN_NAME_LENGTH } from "./limits.js";

/** Every chain this backend writes starts with this; it is what marks a chain as ours. */
export const CHAIN_PREFIX = "cali-";

/**
 * Felix's chain-name prefixes (rule_defs.go), longest first. The prefix of a logical name stays
 * readable when the name is shortened; only the part after it (policy ID, profile, interface,
 * dispatch suffix) is hashed. A name that matches none of them uses the bare `cali-` prefix.
 */
export const KNOWN_CHAIN_PREFIXES: readonly string[] = [
  "cali-from-host-endpoint-",
  "cali-to-host-endpoint-",
  "cali-from-wl-dispatch-",
  "cali-from-hep-forward-",
  "cali-to-wl-dispatch-",
  "cali-to-hep-forward-",
  "cali-fhfw-",
  "cali-thfw-",
  "cali-pri-",
  "cali-pro-",
  "cali-pi-",
  "cali-po-",
  "cali-gi-",
  "cali-go-",
  "cali-fw-",
  "cali-tw-",
  "cali-sm-",
  "cali-fh-",
  "cali-th-",
  CHAIN_PREFIX,
].sort((a, b) => b.length - a.length || (a < b ? -1 : 1));

/**
 * Felix's `GetLengthLimitedID(prefix, suffix, max)`: `prefix + suffix` when it fits; otherwise
 * (or when it is exactly `max` long and the suffix starts with `_`, so it could be mistaken for a
 * hashed name) `prefix + "_" +` the first `max - 1 - prefix.length` characters of
 * base64url-without-padding(SHA-256(suffix)).
 */
export function lengthLimitedId(prefix: string, suffix: string, max: number): string {
  const length = prefix.length + suffix.length;
  if (length < max || (length === max && !suffix.startsWith("_"))) return prefix + suffix;
  const digest = createHash("sha256").update(suffix, "utf8").digest("base64url");
  return `${prefix}_${digest.slice(0, max - 1 - prefix.length)}`;
}

/** Splits a logical chain name into its known prefix and the rest. */
export function splitChainName(logical: string): { readonly prefix: string; readonly suffix: string } {
  const prefix = KNOWN_CHAIN_PREFIXES.find((p) => logical.startsWith(p));
  if (prefix === undefined) {
    throw new Error(`internal error: chain ${JSON.stringify(logical)} does not start with ${CHAIN_PREFIX}`);
  }
  return { prefix, suffix: logical.slice(prefix.length) };
}

/**
 * The iptables name of a logical chain: at most 28 characters, starting with `cali-`. Throws (an
 * internal error) for a name outside the `cali-` namespace: loading with `--noflush` is only safe
 * because every chain we declare is ours.
 */
export function iptablesChainName(logical: string): string {
  const known = shortNames.get(logical);
  if (known !== undefined) return known;
  const { prefix, suffix } = splitChainName(logical);
  const short = lengthLimitedId(prefix, suffix, MAX_CHAIN_NAME_LENGTH);
  if (shortNames.size >= MAX_REMEMBERED_NAMES) shortNames.clear();
  shortNames.set(logical, short);
  return short;
}

/**
 * Names already shortened. A pure function of the logical name, remembered because an agent
 * names every chain of a changed table again on each change (`chainNameMap`), and shortening
 * hashes most names; bounded, and started again past the bound.
 */
const shortNames = new Map<string, string>();
const MAX_REMEMBERED_NAMES = 1 << 18;

/**
 * iptables names for a set of logical chain names. Throws (an internal error) if two logical
 * names shorten to the same iptables name, which would merge two chains.
 */
export function chainNameMap(logicalNames: readonly string[]): ReadonlyMap<string, string> {
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const logical of logicalNames) {
    const short = iptablesChainName(logical);
    const owner = owners.get(short);
    if (owner !== undefined && owner !== logical) {
      throw new Error(`internal error: chains ${owner} and ${logical} both shorten to ${short}`);
    }
    owners.set(short, logical);
    names.set(logical, short);
  }
  return names;
}
