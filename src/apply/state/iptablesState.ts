/**
 * The iptables side of the applier's world, as plain data, and the parser of `iptables-save`.
 *
 * Ownership: a chain is ours when its name starts with one of Felix's prefixes
 * (`OWNED_CHAIN_PREFIXES`); a rule in a built-in (kernel) chain is ours (a hook) when it carries a
 * `cali:<hash>` comment. Everything else is foreign and is never written.
 */
import type { Family } from "../../compiler/ir/types.js";

/** A rule we own: the text after `-A <chain> ` as iptables-save prints it, and its `cali:` hash. */
export interface OwnedRule {
  /**
   * Rule spec without the `-A <chain>` head, e.g. `-m comment --comment "cali:abc" -j ACCEPT`.
   * Empty for a rule known only by its hash (from the ledger); such a rule is never written.
   */
  readonly spec: string;
  /** The `cali:` hash, or "" when the rule has none. */
  readonly hash: string;
}

export interface ChainRules {
  readonly name: string;
  readonly rules: readonly OwnedRule[];
}

/** One table as the kernel has it. */
export interface KernelTable {
  readonly name: string;
  /** Our chains (owned prefixes), in iptables-save order. */
  readonly chains: readonly ChainRules[];
  /** Built-in chains with ALL their rules (foreign rules have hash ""), to find and place hooks. */
  readonly builtins: readonly ChainRules[];
  /** Names of every chain in the table, ours or not. */
  readonly allChains: readonly string[];
}

/** Our hooks in one kernel chain, in order: the inserted ones sit on top, appended ones last. */
export interface HookRules {
  readonly kernelChain: string;
  readonly insert: readonly OwnedRule[];
  readonly append: readonly OwnedRule[];
}

/** A chain as we want it, with the digest of the IR it was rendered from (see memory/ledger.ts). */
export interface DesiredChain extends ChainRules {
  /** `chainFingerprint` of the IR chain; present when the apply keeps a ledger or a memo. */
  readonly fingerprint?: string;
}

/** One table as we want it: our chains whole, and our hooks. */
export interface DesiredTable {
  readonly name: string;
  readonly chains: readonly DesiredChain[];
  readonly hooks: readonly HookRules[];
}

/** What `ipset create` fixes about a set: its name, type, family and maximum size. */
export interface SetMeta {
  readonly name: string;
  /** ipset type, e.g. `hash:net`. */
  readonly type: string;
  readonly family: "inet" | "inet6";
  readonly maxelem: number;
}

/** An ipset as the kernel has it or as we want it. Members are normalized (see ipsetState.ts). */
export interface SetState extends SetMeta {
  readonly members: readonly string[];
  /** Desired sets: `membersDigest` of the IR members the set was built from. */
  readonly digest?: string;
  /**
   * The members are not listed (`members` is empty) because the set is known, from the ledger,
   * to hold the same members on both sides of the plan; the planner computes no delta for it
   * and refuses to write it.
   */
  readonly opaque?: boolean;
}

/** Everything the iptables backend owns on a node, per family, plus the sets. */
export interface IptablesWorld<T> {
  readonly v4: readonly T[];
  readonly v6: readonly T[];
  readonly sets: readonly SetState[];
}

export type KernelIptablesState = IptablesWorld<KernelTable>;
export type DesiredIptablesState = IptablesWorld<DesiredTable>;

/** The iptables variant: iptables-legacy (x_tables) or iptables-nft (nf_tables underneath). */
export type IptablesMode = "legacy" | "nft";

/** The programs a plan runs, already resolved for the node's iptables variant. */
export interface IptablesTools {
  readonly mode: IptablesMode;
  /** `iptables-legacy-restore`, `iptables-nft-restore` or plain `iptables-restore`. */
  readonly restore4: string;
  readonly restore6: string;
  readonly ipset: string;
  /**
   * Seconds to wait for the xtables lock (`-w`), as Felix's `--wait` (legacy iptables serializes
   * writers with /run/xtables.lock; iptables-nft takes and ignores the option).
   */
  readonly waitSeconds: number;
}

/**
 * The tools of `mode` where the variant's own binaries are installed (Debian, Ubuntu, RHEL and
 * Felix's image all have them): `iptables-nft-restore`, …. An apply that reads the kernel finds
 * the binaries it has, plain `iptables-restore` when those are missing (kernel/readIptablesState.ts).
 */
export function variantTools(mode: IptablesMode, waitSeconds: number): IptablesTools {
  return { mode, restore4: `iptables-${mode}-restore`, restore6: `ip6tables-${mode}-restore`, ipset: "ipset", waitSeconds };
}

/** What the iptables backend knows of the kernel: our part of it, and the tools that change it. */
export interface IptablesKernel {
  readonly state: KernelIptablesState;
  readonly tools: IptablesTools;
}

/** Felix's prefixes (rule_defs.go / rulesdefs.go): chains starting with one of these are ours. */
export const OWNED_CHAIN_PREFIXES: readonly string[] = ["cali-", "califw-", "calitw-", "califh-", "calith-", "calipi-", "calipo-", "felix-"];

/** Whether a chain name is ours. */
export function isOwnedChain(name: string): boolean {
  return OWNED_CHAIN_PREFIXES.some((p) => name.startsWith(p));
}

/** Felix's hash regex: the comment value may or may not be quoted. */
const HASH_COMMENT = /--comment "?cali:([a-zA-Z0-9_-]+)"?/;

/** The `cali:` hash of a rule spec, or "". */
export function ruleHashOf(spec: string): string {
  return HASH_COMMENT.exec(spec)?.[1] ?? "";
}

/** The iptables tables, in the order the applier visits them. */
export const IPTABLES_TABLES = ["filter", "raw", "mangle", "nat"] as const;

/**
 * Parses `iptables-save` output (one or several tables). `:name POLICY [p:b]` declares a chain
 * (a policy other than `-` marks a built-in chain); `-A chain spec` adds a rule. Comments,
 * `COMMIT` and blank lines are skipped. Tolerant by design: an unknown line is ignored, since
 * the only thing the applier acts on is what it owns.
 */
export function parseIptablesSave(text: string): KernelTable[] {
  const tables: { name: string; order: string[]; builtin: Set<string>; rules: Map<string, OwnedRule[]> }[] = [];
  let current: (typeof tables)[number] | undefined;
  /** The rules of the chain the last `-A` line went to (a dump lists a chain's rules together). */
  let last: { readonly chain: string; readonly rules: OwnedRule[] } | undefined;
  // Line by line without splitting the whole text: a dump of shape L is 12 MB and 90k lines per
  // family, and a split with a copy of every line cost twice this loop.
  for (let at = 0; at < text.length; ) {
    let end = text.indexOf("\n", at);
    if (end < 0) end = text.length;
    // The line is [at, stop): trailing blanks (and a CR) dropped.
    let stop = end;
    while (stop > at && isBlank(text.charCodeAt(stop - 1))) stop--;
    const first = text.charCodeAt(at);
    if (first === STAR) {
      current = { name: text.slice(at + 1, stop), order: [], builtin: new Set(), rules: new Map() };
      tables.push(current);
      last = undefined;
    } else if (current === undefined) {
      // Before the first table: comments.
    } else if (first === COLON) {
      const [name = "", policy = "-"] = text.slice(at + 1, stop).split(" ");
      if (!current.rules.has(name)) current.order.push(name);
      current.rules.set(name, current.rules.get(name) ?? []);
      if (policy !== "-") current.builtin.add(name);
      last = undefined;
    } else if (stop > at + 3 && text.startsWith("-A ", at)) {
      const space = text.indexOf(" ", at + 3);
      const chainEnd = space < 0 || space > stop ? stop : space;
      const chain = text.slice(at + 3, chainEnd);
      const spec = chainEnd >= stop ? "" : text.slice(chainEnd + 1, stop);
      if (last?.chain !== chain) {
        let rules = current.rules.get(chain);
        if (rules === undefined) {
          rules = [];
          current.order.push(chain);
          current.rules.set(chain, rules);
        }
        last = { chain, rules };
      }
      last.rules.push({ spec, hash: ruleHashOf(spec) });
    }
    at = end + 1;
  }
  return tables.map((t) => ({
    name: t.name,
    chains: t.order.filter(isOwnedChain).map((name) => ({ name, rules: t.rules.get(name) ?? [] })),
    builtins: t.order.filter((name) => t.builtin.has(name)).map((name) => ({ name, rules: t.rules.get(name) ?? [] })),
    allChains: t.order,
  }));
}

const STAR = 0x2a;
const COLON = 0x3a;

/** Space, tab, CR: what may trail a line of a dump. */
function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0d;
}

/** The family of a set name: `cali4…` is IPv4, `cali6…` IPv6; anything else is not ours. */
export function ownedSetFamily(name: string): Family | undefined {
  return name.startsWith("cali4") ? 4 : name.startsWith("cali6") ? 6 : undefined;
}
