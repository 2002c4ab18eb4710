/**
 * The nftables backend's ledger (see ledger.ts for the iptables one and the general idea): what
 * the last successful apply left in our tables `ip policyc` and `ip6 policyc`, so the next apply
 * needs neither `nft -j list table` (10 to 20 s per family on shape L, for a million set
 * elements) nor a rendering of every chain and set.
 *
 * Recorded per table: each chain's rule hashes (and the digest of the IR chain), each set's and
 * map's signature, and their elements. Elements are kept, so that the sets a plan changes need
 * not be listed back from the kernel. A set with an IR digest keeps them apart, in a part of its
 * own headed by that digest (ledgerSlot.ts, as the iptables ledger keeps its sets' members), so
 * that an apply reads and writes only the parts of the sets it changes: on shape L the elements
 * are nearly all of the ledger. Maps (built from several IR objects, no digest) keep theirs
 * inline. Elements are one string, one a line, which parses and prints far faster than an
 * array of a million strings.
 *
 * Trusted when it was written for this network namespace, the kernel was last read whole less
 * than its maximum age ago, and the nf_tables generation is the one read right after our last
 * write: every committed transaction moves it, so our tables are then exactly as recorded.
 */
import type { NftReuse } from "../state/desiredNftables.js";
import type { NftChain, NftSet, NftTable } from "../state/nftState.js";
import type { LedgerParts, LedgerSlot, PartRecord } from "./ledgerSlot.js";
import { loadLines, partsAfter } from "./ledgerSlot.js";

/** 3: sets with a digest keep their elements in parts (2 kept every element inline; such a ledger is not used). */
export const NFT_LEDGER_VERSION = 3;

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
  /** The IR set's digest: the elements are in the part `nftPartName`, headed by it. */
  readonly fingerprint?: string;
  /** With a fingerprint: how many elements its part holds. */
  readonly count?: number;
  /** Without a fingerprint (maps): the normalized elements, sorted, one a line. */
  readonly elements?: string;
}

export interface NftLedgerTable {
  readonly family: "ip" | "ip6";
  readonly chains: readonly NftLedgerChain[];
  readonly sets: readonly NftLedgerSet[];
}

export interface NftLedger {
  readonly version: typeof NFT_LEDGER_VERSION;
  readonly backend: "nftables";
  readonly netns: string;
  readonly generation: number;
  /** When the kernel was last read whole (ms since the epoch). */
  readonly writtenAt: number;
  readonly tables: readonly NftLedgerTable[];
}

/** The name of the part holding the elements of set `name` of our table in `family`. */
export function nftPartName(family: "ip" | "ip6", name: string): string {
  return `${family} ${name}`;
}

/** The part of a recorded set, if its elements are in one. */
function partOf(family: "ip" | "ip6", s: NftLedgerSet): PartRecord | undefined {
  return s.fingerprint === undefined || s.count === undefined ? undefined : { name: nftPartName(family, s.name), digest: s.fingerprint, count: s.count };
}

/** The names of every part `ledger` records. */
export function nftLedgerParts(ledger: NftLedger | undefined): string[] {
  return (ledger?.tables ?? []).flatMap((t) => t.sets.flatMap((s) => (partOf(t.family, s) === undefined ? [] : [nftPartName(t.family, s.name)])));
}

/**
 * The ledger for our tables as `desired` (just written) holds them, and the parts to write and
 * drop with it. A set `trusted` (the ledger the plan was made through) recorded with the same
 * digest keeps the part written then; every other set with a digest gets its part written.
 * `found` is the ledger found at the start, trusted or not: its parts that are no longer named
 * are dropped.
 */
export function nftLedgerAfter(
  desired: readonly NftTable[],
  context: { readonly netns: string; readonly generation: number; readonly writtenAt: number },
  trusted?: NftLedger,
  found?: NftLedger,
): { readonly ledger: NftLedger; readonly parts: LedgerParts } {
  const recorded = new Map<string, NftLedgerSet>((trusted?.tables ?? []).flatMap((t) => t.sets.map((s) => [nftPartName(t.family, s.name), s] as const)));
  const parts: { name: string; digest: string; lines?: readonly string[] }[] = [];
  const set = (family: "ip" | "ip6", s: NftSet): NftLedgerSet => {
    const head = { kind: s.kind, name: s.name, signature: s.signature };
    if (s.fingerprint === undefined) return { ...head, elements: s.elements.join("\n") };
    const name = nftPartName(family, s.name);
    const before = recorded.get(name);
    const carried = before?.count !== undefined && before.fingerprint === s.fingerprint && before.signature === s.signature;
    parts.push({ name, digest: s.fingerprint, ...(carried ? {} : { lines: s.elements }) });
    return { ...head, fingerprint: s.fingerprint, count: carried ? (before.count ?? 0) : s.elements.length };
  };
  const ledger: NftLedger = {
    version: NFT_LEDGER_VERSION,
    backend: "nftables",
    ...context,
    tables: desired.map((t) => ({
      family: t.family,
      chains: t.chains.map((c) => ({ name: c.name, ...(c.header === undefined ? {} : { header: c.header }), ...(c.fingerprint === undefined ? {} : { fingerprint: c.fingerprint }), hashes: c.rules.map((r) => r.hash) })),
      sets: t.sets.map((s) => set(t.family, s)),
    })),
  };
  return { ledger, parts: partsAfter(parts, nftLedgerParts(found)) };
}

/** The ledger in `text`, or undefined when it is not one this version wrote. */
export function parseNftLedger(text: string): NftLedger | undefined {
  try {
    const value = JSON.parse(text) as Partial<NftLedger> | null;
    const ok = value !== null && typeof value === "object" && value.version === NFT_LEDGER_VERSION && value.backend === "nftables";
    if (!ok || !Array.isArray(value.tables) || typeof value.generation !== "number") return undefined;
    // The fields read are checked: a ledger of another shape under this version reads as none.
    const tables = value.tables as unknown as Partial<NftLedgerTable>[];
    const setOk = (s: Partial<NftLedgerSet>): boolean => typeof s.name === "string" && (typeof s.elements === "string" || (typeof s.fingerprint === "string" && typeof s.count === "number"));
    const chainOk = (c: Partial<NftLedgerChain>): boolean => typeof c.name === "string" && Array.isArray(c.hashes);
    return tables.every((t) => (t.family === "ip" || t.family === "ip6") && Array.isArray(t.sets) && t.sets.every(setOk) && Array.isArray(t.chains) && t.chains.every(chainOk))
      ? (value as NftLedger)
      : undefined;
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
 * A set as the ledger records it. Inline elements are split out of their line only when read; a
 * set whose elements are in a part has none until `nftLedgerChanges` loads them, and reading them
 * before is an internal error. A plan reads the elements of the sets it changes only, and leaves
 * the others (the same objects on both sides) alone.
 */
function recordedSet(family: "ip" | "ip6", s: NftLedgerSet): NftSet {
  let elements: readonly string[] | undefined;
  return {
    kind: s.kind,
    name: s.name,
    signature: s.signature,
    declaration: [],
    get elements(): readonly string[] {
      if (s.elements === undefined) throw new Error(`internal error: the elements of ${family} set ${s.name} were not loaded from the ledger`);
      elements ??= s.elements === "" ? [] : s.elements.split("\n");
      return elements;
    },
    ...(s.fingerprint === undefined ? {} : { fingerprint: s.fingerprint }),
  };
}

/** Our tables as the ledger records it: rules by hash only (never written), sets as `recordedSet`. */
export function nftKernelFromLedger(ledger: NftLedger): NftTable[] {
  return ledger.tables.map((t) => ({
    family: t.family,
    chains: t.chains.map((c): NftChain => ({
      name: c.name,
      ...(c.header === undefined ? {} : { header: c.header }),
      rules: c.hashes.map((hash) => ({ text: "", hash })),
      ...(c.fingerprint === undefined ? {} : { fingerprint: c.fingerprint }),
    })),
    sets: t.sets.map((s) => recordedSet(t.family, s)),
  }));
}

/**
 * `kernel` (through `ledger`) with the elements of the sets a plan to `desired` compares (every
 * set of ours that `desired` does not take as it is, by digest) loaded from their parts; or why
 * it cannot be (a part is missing, or not the one recorded).
 */
export async function nftLedgerChanges(
  kernel: readonly NftTable[],
  ledger: NftLedger,
  desired: readonly NftTable[],
  loadPart: LedgerSlot["loadPart"],
): Promise<{ readonly kernel: NftTable[]; readonly read: number } | { readonly problem: string }> {
  const loads: Promise<readonly [string, string[] | undefined]>[] = [];
  for (const table of kernel) {
    const recorded = new Map((ledger.tables.find((t) => t.family === table.family)?.sets ?? []).map((s) => [s.name, s] as const));
    const wanted = new Map((desired.find((t) => t.family === table.family)?.sets ?? []).map((s) => [s.name, s] as const));
    for (const set of table.sets) {
      const want = wanted.get(set.name);
      const record = recorded.get(set.name);
      const part = record === undefined ? undefined : partOf(table.family, record);
      if (want === undefined || want === set || part === undefined) continue;
      loads.push(loadLines(loadPart, part).then((lines) => [part.name, lines] as const));
    }
  }
  const loaded = new Map(await Promise.all(loads));
  for (const [name, lines] of loaded) if (lines === undefined) return { problem: `the part of set ${name} is missing or not the one recorded` };
  return {
    kernel: kernel.map((t) => ({
      ...t,
      sets: t.sets.map((s) => {
        const elements = loaded.get(nftPartName(t.family, s.name));
        return elements === undefined ? s : { kind: s.kind, name: s.name, signature: s.signature, declaration: s.declaration, elements, ...(s.fingerprint === undefined ? {} : { fingerprint: s.fingerprint }) };
      }),
    })),
    read: loaded.size,
  };
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
