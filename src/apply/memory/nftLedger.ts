/**
 * The nftables backend's ledger (see ledger.ts for the iptables one and the general idea): what
 * the last successful apply left in our tables `ip policyc` and `ip6 policyc`, so the next apply
 * needs neither `nft -j list table` (10 to 20 s per family on shape L, for a million set
 * elements) nor a rendering of every chain and set.
 *
 * Recorded per table: each chain's rule hashes (and the digest of the IR chain), each set's and
 * map's signature and elements (and the digest of the IR set). Elements are kept, so that the
 * sets a plan changes need not be listed back from the kernel; each set's as one string, one
 * element a line, which parses and prints far faster than an array of a million strings.
 *
 * Trusted when it was written for this network namespace, the kernel was last read whole less
 * than its maximum age ago, and the nf_tables generation is the one read right after our last
 * write: every committed transaction moves it, so our tables are then exactly as recorded.
 */
import type { NftReuse } from "../state/desiredNftables.js";
import type { NftChain, NftSet, NftTable } from "../state/nftState.js";

export const NFT_LEDGER_VERSION = 2;

export interface NftLedgerChain {
  readonly name: string;
  readonly header?: string;
  readonly fingerprint?: string;
  readonly hashes: readonly string[];
}

export interface NftLedgerSet {
  readonly kind: "set" | "map";
  readonly name: string;
  readonly signature: string;
  readonly fingerprint?: string;
  /** Normalized elements, sorted, one a line. */
  readonly elements: string;
}

export interface NftLedger {
  readonly version: typeof NFT_LEDGER_VERSION;
  readonly backend: "nftables";
  readonly netns: string;
  readonly generation: number;
  /** When the kernel was last read whole (ms since the epoch). */
  readonly writtenAt: number;
  readonly tables: readonly { readonly family: "ip" | "ip6"; readonly chains: readonly NftLedgerChain[]; readonly sets: readonly NftLedgerSet[] }[];
}

/**
 * The ledger for our tables as `desired` (just written) holds them. A set whose IR digest
 * `previous` recorded keeps the elements recorded there (the same, not joined again).
 */
export function nftLedgerAfter(desired: readonly NftTable[], context: { readonly netns: string; readonly generation: number; readonly writtenAt: number }, previous?: NftLedger): NftLedger {
  const recorded = new Map<string, NftLedgerSet>((previous?.tables ?? []).flatMap((t) => t.sets.map((s) => [`${t.family} ${s.name}`, s] as const)));
  const elements = (family: string, s: NftSet): string => {
    const before = recorded.get(`${family} ${s.name}`);
    return before !== undefined && s.fingerprint !== undefined && before.fingerprint === s.fingerprint && before.signature === s.signature ? before.elements : s.elements.join("\n");
  };
  return {
    version: NFT_LEDGER_VERSION,
    backend: "nftables",
    ...context,
    tables: desired.map((t) => ({
      family: t.family,
      chains: t.chains.map((c) => ({ name: c.name, ...(c.header === undefined ? {} : { header: c.header }), ...(c.fingerprint === undefined ? {} : { fingerprint: c.fingerprint }), hashes: c.rules.map((r) => r.hash) })),
      sets: t.sets.map((s) => ({ kind: s.kind, name: s.name, signature: s.signature, ...(s.fingerprint === undefined ? {} : { fingerprint: s.fingerprint }), elements: elements(t.family, s) })),
    })),
  };
}

/** The ledger in `text`, or undefined when it is not one this version wrote. */
export function parseNftLedger(text: string): NftLedger | undefined {
  try {
    const value = JSON.parse(text) as Partial<NftLedger> | null;
    const ok = value !== null && typeof value === "object" && value.version === NFT_LEDGER_VERSION && value.backend === "nftables";
    return ok && Array.isArray(value.tables) && typeof value.generation === "number" ? (value as NftLedger) : undefined;
  } catch {
    return undefined;
  }
}

/** Why the ledger cannot be trusted, or undefined when it can. */
export function nftLedgerProblem(ledger: NftLedger, probe: { readonly netns: string; readonly now: number; readonly generation?: number }, maxAgeMs: number): string | undefined {
  if (ledger.netns !== probe.netns) return `it was written for network namespace ${ledger.netns}, this is ${probe.netns}`;
  const age = probe.now - ledger.writtenAt;
  if (age < 0 || age > maxAgeMs) return `it is ${Math.round(age / 1000)} s old (trusted for ${Math.round(maxAgeMs / 1000)} s)`;
  if (probe.generation === undefined) return "the nf_tables generation could not be read";
  if (probe.generation !== ledger.generation) return `the nf_tables generation moved from ${ledger.generation} to ${probe.generation} (rules changed since)`;
  return undefined;
}

/**
 * A set as the ledger records it. Its elements are split out of their line only when read: a
 * plan reads those of the sets it changes, and leaves the others (the same objects on both
 * sides) alone.
 */
function recordedSet(s: NftLedgerSet): NftSet {
  let elements: readonly string[] | undefined;
  return {
    kind: s.kind,
    name: s.name,
    signature: s.signature,
    declaration: [],
    get elements(): readonly string[] {
      elements ??= s.elements === "" ? [] : s.elements.split("\n");
      return elements;
    },
    ...(s.fingerprint === undefined ? {} : { fingerprint: s.fingerprint }),
  };
}

/** Our tables as the ledger records them: rules by hash only (never written), sets whole. */
export function nftKernelFromLedger(ledger: NftLedger): NftTable[] {
  return ledger.tables.map((t) => ({
    family: t.family,
    chains: t.chains.map((c): NftChain => ({
      name: c.name,
      ...(c.header === undefined ? {} : { header: c.header }),
      rules: c.hashes.map((hash) => ({ text: "", hash })),
      ...(c.fingerprint === undefined ? {} : { fingerprint: c.fingerprint }),
    })),
    sets: t.sets.map(recordedSet),
  }));
}

/**
 * Pieces whose IR digest is the one recorded on `kernel`'s objects (tables known to be what the
 * last apply wrote: from the ledger, or an agent's cache) are taken as those objects: the
 * planner sees them equal and writes nothing for them.
 */
export function nftReuse(kernel: readonly NftTable[]): NftReuse {
  const chains = new Map(kernel.flatMap((t) => t.chains.map((c) => [`${t.family} ${c.name}`, c] as const)));
  const sets = new Map(kernel.flatMap((t) => t.sets.map((s) => [`${t.family} ${s.name}`, s] as const)));
  return {
    chain: (family, name, fingerprint) => {
      const known = chains.get(`${family} ${name}`);
      return known?.fingerprint === fingerprint ? known : undefined;
    },
    set: (family, name, fingerprint) => {
      const known = sets.get(`${family} ${name}`);
      return known?.fingerprint === fingerprint ? known : undefined;
    },
  };
}
