/**
 * The nftables side: our tables (`ip policyc`, `ip6 policyc`) as plain data, as the planner
 * compares them: what we want (desiredNftables.ts, from the backend's layout) and what the
 * kernel has (`parseNftJson`, from `nft -j list table`). Elements of both sides are brought to
 * one spelling (`normalizeElement`) so they compare equal.
 */
import { normalizeMember } from "./ipsetState.js";

export interface NftRule {
  /**
   * The rule as `add rule` takes it, e.g. `ip saddr @s counter accept comment "cali:x;"`. Empty
   * for a rule known only by its hash (from the ledger); such a rule is never written.
   */
  readonly text: string;
  /** The `cali:` hash from the comment, or "". */
  readonly hash: string;
}

export interface NftChain {
  readonly name: string;
  /** Base chains: `type filter hook input priority 0; policy accept;`. */
  readonly header?: string;
  readonly rules: readonly NftRule[];
  /** Desired side: the digest of the IR chain it was rendered from, when it has one (ledger). */
  readonly fingerprint?: string;
}

export interface NftSet {
  readonly kind: "set" | "map";
  readonly name: string;
  /** Type and flags, normalized: `ipv4_addr|interval`, `ifname : verdict|`. */
  readonly signature: string;
  /** Declaration lines (`type …`, `flags …`, `comment …`) for `add set`; desired side only. */
  readonly declaration: readonly string[];
  /** Normalized elements, sorted. */
  readonly elements: readonly string[];
  /** Desired side: the digest of the IR set it was rendered from (ledger). */
  readonly fingerprint?: string;
}

export interface NftTable {
  readonly family: "ip" | "ip6";
  readonly chains: readonly NftChain[];
  readonly sets: readonly NftSet[];
  /** Desired side only: the script lines that create the whole table from scratch. */
  readonly script?: readonly string[];
}

/** The hash in a `cali:<hash>;…` comment. */
export function nftRuleHash(comment: string): string {
  return /^cali:([A-Za-z0-9_-]+)/.exec(comment)?.[1] ?? "";
}

/**
 * One element spelling for both sides: `a . b . c` parts with addresses canonical (full-length
 * prefixes dropped), map keys unquoted: `cali1 : goto filter-cali-fw-cali1`.
 */
export function normalizeElement(element: string): string {
  const colon = element.indexOf(" : ");
  if (colon >= 0) return `${unquote(element.slice(0, colon).trim())} : ${element.slice(colon + 3).trim()}`;
  return element
    .split(" . ")
    .map((p) => normalizeMember(unquote(p.trim())))
    .join(" . ");
}

function unquote(text: string): string {
  return text.startsWith('"') && text.endsWith('"') && text.length >= 2 ? text.slice(1, -1) : text;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function jsonElement(value: Json): string {
  if (value === null || typeof value !== "object") return String(value);
  if (Array.isArray(value)) return `${jsonElement(value[0] ?? null)} : ${jsonVerdict(value[1] ?? null)}`;
  if ("prefix" in value) {
    const p = value.prefix as { addr: Json; len: Json };
    return `${jsonElement(p.addr)}/${jsonElement(p.len)}`;
  }
  if ("range" in value && Array.isArray(value.range)) return `${jsonElement(value.range[0] ?? null)}-${jsonElement(value.range[1] ?? null)}`;
  if ("concat" in value && Array.isArray(value.concat)) return value.concat.map(jsonElement).join(" . ");
  if ("elem" in value && value.elem !== null && typeof value.elem === "object" && !Array.isArray(value.elem)) return jsonElement(value.elem.val ?? null);
  return JSON.stringify(value);
}

function jsonVerdict(value: Json): string {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    for (const verb of ["goto", "jump"]) {
      const target = value[verb];
      if (target !== null && typeof target === "object" && !Array.isArray(target)) return `${verb} ${String(target.target)}`;
    }
    const key = Object.keys(value)[0];
    if (key !== undefined) return key;
  }
  return String(value);
}

/**
 * Parses `nft -j list table <family> <table>` output into our table. Rules are listed per
 * chain in order; the hash is read from each rule's comment.
 */
export function parseNftJson(text: string, family: "ip" | "ip6"): NftTable {
  const root = JSON.parse(text) as { nftables?: Record<string, Record<string, Json>>[] };
  const chains = new Map<string, { name: string; header?: string; rules: NftRule[] }>();
  const sets: NftSet[] = [];
  for (const item of root.nftables ?? []) {
    if (item.chain !== undefined) {
      const c = item.chain;
      const name = String(c.name);
      const header = c.hook === undefined ? undefined : `type ${String(c.type)} hook ${String(c.hook)} priority ${String(c.prio)}; policy ${String(c.policy ?? "accept")};`;
      chains.set(name, header === undefined ? { name, rules: [] } : { name, header, rules: [] });
    } else if (item.rule !== undefined) {
      const r = item.rule;
      const comment = typeof r.comment === "string" ? r.comment : "";
      chains.get(String(r.chain))?.rules.push({ text: `handle ${String(r.handle)}`, hash: nftRuleHash(comment) });
    } else if (item.set !== undefined || item.map !== undefined) {
      const kind = item.set !== undefined ? "set" : "map";
      const s = (item.set ?? item.map) as Record<string, Json>;
      const typeText = Array.isArray(s.type) ? s.type.map(String).join(" . ") : String(s.type);
      const type = kind === "map" ? `${typeText} : ${String(s.map)}` : typeText;
      const flags = Array.isArray(s.flags) ? s.flags.map(String) : typeof s.flags === "string" ? [s.flags] : [];
      const elems = Array.isArray(s.elem) ? s.elem : [];
      sets.push({
        kind,
        name: String(s.name),
        signature: `${kind}:${type}|${[...flags].sort().join(",")}`,
        declaration: [],
        elements: [...new Set(elems.map((e) => normalizeElement(jsonElement(e))))].sort(),
      });
    }
  }
  return { family, chains: [...chains.values()], sets };
}
