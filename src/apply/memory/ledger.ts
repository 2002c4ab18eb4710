/**
 * The ledger: what the last successful iptables apply left on the node, kept between runs
 * (ledgerStore.ts) so that the next apply can check the kernel cheaply instead of dumping it
 * whole. On a 170k-rule node with a million set members, `iptables-nft-save` takes about 1.2 s
 * per family and `ipset save` about 6 s, while the checks below take tens of milliseconds.
 *
 * What is recorded: per table, our chains (the IR fingerprint each was rendered from and the
 * `cali:` hash of each rule), the kernel chains with all their rules (to place hooks), and per
 * set its metadata, the number of its members and the digest of the IR members it was built
 * from. The members as written are kept too (so that a set about to change need not be read:
 * `ipset save` of one set costs about 40 µs a member, seconds for a pod set of shape L), but
 * apart, one part per set (ledgerSlot.ts), headed by that digest: an apply reads the members of
 * the sets it changes only, and writes only the sets it changed (on shape L the members are
 * 20 MB of a 24 MB ledger; reading, parsing and printing them cost a CLI apply ~0.3 s of CPU).
 *
 * When the ledger is trusted (`ledgerProblem` finds nothing):
 * - the network namespace is the one it was written for, and it is younger than its maximum age
 *   (Felix likewise trusts its dataplane view between full refreshes, every 90 s for ipsets);
 * - iptables-nft: the nf_tables generation is the one read right after our last write. Every
 *   committed nf_tables transaction in the namespace (any table, any tool) moves it, so an
 *   unchanged generation proves no rule changed. iptables-legacy has no such number; there the
 *   tables are always read whole (`iptables-legacy-save`). Any read of a legacy table fetches
 *   all of it (IPT_SO_GET_ENTRIES: 56 MB for the v4 filter table of shape L, most of a read's
 *   cost in kernel time), so no cheaper proof exists: a digest of that blob, read before and
 *   again after each write, and one more fetch per chain a plan changes (`-S`), cost more than
 *   the dump (measured in session 6); a check of the table's size and rule count alone
 *   (IPT_SO_GET_INFO) is cheap but misses a rule edited in place;
 * - every set we own is listed by `ipset list -t` with the recorded type, family, maxelem and
 *   number of entries, and no other set of ours exists. (A member swapped by hand for another
 *   keeps the count; that drift is repaired when the ledger expires.)
 * Anything else, and the apply reads everything, as without a ledger.
 */
import type { Family } from "../../compiler/ir/types.js";
import type { SetHeader } from "../state/ipsetState.js";
import type { ChainRules, DesiredIptablesState, KernelIptablesState, KernelTable, OwnedRule, SetMeta, SetState } from "../state/iptablesState.js";
import type { DesiredReuse } from "../state/desiredIptables.js";
import type { IptablesTools } from "../state/iptablesState.js";
import { stateAfter } from "../state/snapshot.js";
import type { LedgerParts, LedgerSlot } from "./ledgerSlot.js";
import { loadLines, partsAfter } from "./ledgerSlot.js";

/**
 * 3: members in parts, each chain's hashes one string (2 kept members inline and hashes as arrays;
 * such a ledger is not used, the kernel is read whole).
 */
export const LEDGER_VERSION = 3;

export interface LedgerChain {
  readonly name: string;
  /** `chainFingerprint` of the IR chain the rules were rendered from. */
  readonly fingerprint: string;
  /**
   * The `cali:` hash of each rule, in order, separated by spaces (one string, not an array: the
   * 170k hashes of shape L parse and print as 4,600 strings; `recordedHashes` splits one).
   */
  readonly hashes: string;
}

export interface LedgerTable {
  readonly name: string;
  readonly chains: readonly LedgerChain[];
  /** Kernel chains with all their rules, foreign ones included, as after our write. */
  readonly builtins: readonly ChainRules[];
  readonly allChains: readonly string[];
}

export interface LedgerSet extends SetMeta {
  /** Members in the kernel (after normalization and de-duplication). */
  readonly count: number;
  /**
   * `membersDigest` of the IR members; the set's part (named after the set) is headed by it and
   * holds the members as written, one a line (one string, not an array: a million members parse
   * and print as one string in milliseconds; only the sets that change are split).
   */
  readonly digest: string;
}

export interface IptablesLedger {
  readonly version: typeof LEDGER_VERSION;
  readonly backend: "iptables";
  /** `readlink /proc/self/ns/net` of the namespace written, e.g. `net:[4026531840]`. */
  readonly netns: string;
  readonly tools: IptablesTools;
  /** nf_tables generation read after our last write (iptables-nft only). */
  readonly generation?: number;
  /** Milliseconds since the epoch. */
  readonly writtenAt: number;
  readonly v4: readonly LedgerTable[];
  readonly v6: readonly LedgerTable[];
  readonly sets: readonly LedgerSet[];
}

/**
 * The ledger describing the kernel after `desired` was written on top of `before`, and the parts
 * to write with it (the members of every set built anew: all of them after a whole read, those
 * that change after a read through the ledger) and to drop (sets `previous` recorded that are
 * gone); or undefined when `desired` lacks fingerprints or digests (it was built without them).
 * `previous` is the ledger read at the start, trusted or not; it supplies the counts of sets
 * carried over unchanged (opaque, which only a trusted ledger makes).
 */
export function ledgerAfter(
  desired: DesiredIptablesState,
  before: KernelIptablesState,
  context: { readonly netns: string; readonly tools: IptablesTools; readonly generation?: number; readonly writtenAt: number },
  previous?: IptablesLedger,
): { readonly ledger: IptablesLedger; readonly parts: LedgerParts } | undefined {
  const after = stateAfter(desired, before);
  const tables = (want: DesiredIptablesState["v4"], had: readonly KernelTable[]): LedgerTable[] | undefined => {
    const out: LedgerTable[] = [];
    for (const table of had) {
      const chains: LedgerChain[] = [];
      for (const chain of want.find((t) => t.name === table.name)?.chains ?? []) {
        if (chain.fingerprint === undefined) return undefined;
        chains.push({ name: chain.name, fingerprint: chain.fingerprint, hashes: chain.rules.map((r) => r.hash).join(" ") });
      }
      out.push({ name: table.name, chains, builtins: table.builtins, allChains: table.allChains });
    }
    return out;
  };
  const v4 = tables(desired.v4, after.v4);
  const v6 = tables(desired.v6, after.v6);
  const recorded = new Map((previous?.sets ?? []).map((s) => [s.name, s] as const));
  const sets: LedgerSet[] = [];
  const parts: { name: string; digest: string; lines?: readonly string[] }[] = [];
  for (const set of desired.sets) {
    const known = recorded.get(set.name);
    const count = set.opaque === true ? known?.count : set.members.length;
    if (set.digest === undefined || count === undefined) return undefined;
    // A set known only by its digest is the trusted ledger's own, its part already written.
    parts.push({ name: set.name, digest: set.digest, ...(set.opaque === true ? {} : { lines: set.members }) });
    sets.push({ name: set.name, type: set.type, family: set.family, maxelem: set.maxelem, count, digest: set.digest });
  }
  if (v4 === undefined || v6 === undefined) return undefined;
  const generation = context.generation === undefined ? {} : { generation: context.generation };
  return { ledger: { version: LEDGER_VERSION, backend: "iptables", netns: context.netns, tools: context.tools, ...generation, writtenAt: context.writtenAt, v4, v6, sets }, parts: partsAfter(parts, [...recorded.keys()]) };
}

/** The ledger in `text`, or undefined when it is not one this version wrote. */
export function parseLedger(text: string): IptablesLedger | undefined {
  try {
    const value = JSON.parse(text) as Partial<IptablesLedger> | null;
    const ok = value !== null && typeof value === "object" && value.version === LEDGER_VERSION && value.backend === "iptables";
    if (!ok || !Array.isArray(value.v4) || !Array.isArray(value.v6) || !Array.isArray(value.sets)) return undefined;
    // The fields read as strings and numbers are checked (a ledger of another shape under this
    // version must read as none, not fail the apply).
    const tables = [...value.v4, ...value.v6] as unknown as Partial<LedgerTable>[];
    const chainsOk = tables.every((t) => Array.isArray(t.chains) && t.chains.every((c: Partial<LedgerChain>) => typeof c.hashes === "string" && typeof c.fingerprint === "string"));
    const setsOk = (value.sets as Partial<LedgerSet>[]).every((s) => typeof s.digest === "string" && typeof s.count === "number");
    return chainsOk && setsOk ? (value as IptablesLedger) : undefined;
  } catch {
    return undefined;
  }
}

/** What the cheap checks read from the kernel. */
export interface LedgerProbe {
  readonly netns: string;
  readonly now: number;
  readonly tools: IptablesTools;
  /** iptables-nft: the current nf_tables generation, undefined when it could not be read. */
  readonly generation?: number;
  /** Every set of ours `ipset list -t` shows. */
  readonly sets: readonly SetHeader[];
}

/** Why `ledger` cannot be trusted for this apply, or undefined when it can. */
export function ledgerProblem(ledger: IptablesLedger, probe: LedgerProbe, maxAgeMs: number): string | undefined {
  if (ledger.netns !== probe.netns) return `it was written for network namespace ${ledger.netns}, this is ${probe.netns}`;
  const age = probe.now - ledger.writtenAt;
  if (age < 0 || age > maxAgeMs) return `it is ${Math.round(age / 1000)} s old (trusted for ${Math.round(maxAgeMs / 1000)} s)`;
  if (JSON.stringify(ledger.tools) !== JSON.stringify(probe.tools)) return `it was written with other tools (${ledger.tools.restore4}, ${ledger.tools.restore6})`;
  if (probe.tools.mode === "nft") {
    if (probe.generation === undefined || ledger.generation === undefined) return "the nf_tables generation could not be read";
    if (probe.generation !== ledger.generation) return `the nf_tables generation moved from ${ledger.generation} to ${probe.generation} (rules changed since)`;
  }
  const kernel = new Map(probe.sets.map((s) => [s.name, s] as const));
  for (const set of ledger.sets) {
    const now = kernel.get(set.name);
    if (now === undefined) return `set ${set.name} is gone`;
    if (now.type !== set.type || now.family !== set.family || now.maxelem !== set.maxelem) return `set ${set.name} is now ${now.type} family ${now.family} maxelem ${now.maxelem}`;
    if (now.entries !== set.count) return `set ${set.name} has ${now.entries} members, ${set.count} were written`;
    kernel.delete(set.name);
  }
  const stray = [...kernel.keys()][0];
  return stray === undefined ? undefined : `set ${stray} is not one it recorded`;
}

/** A rule known by its hash only; the planner refuses to write it (planIptables.ts). */
function hashOnly(hash: string): OwnedRule {
  return { spec: "", hash };
}

/**
 * The kernel as the ledger records it: our chains by hash only (or, given `tables`, the tables
 * as read), kernel chains whole, sets opaque.
 */
export function kernelFromLedger(ledger: IptablesLedger, tables?: Pick<KernelIptablesState, "v4" | "v6">): KernelIptablesState {
  const family = (ts: readonly LedgerTable[]): KernelTable[] =>
    ts.map((t) => ({ name: t.name, chains: t.chains.map((c) => ({ name: c.name, rules: recordedHashes(c).map(hashOnly) })), builtins: t.builtins, allChains: t.allChains }));
  const sets: SetState[] = ledger.sets.map((s) => ({ name: s.name, type: s.type, family: s.family, maxelem: s.maxelem, members: [], opaque: true }));
  return { v4: tables?.v4 ?? family(ledger.v4), v6: tables?.v6 ?? family(ledger.v6), sets };
}

/**
 * Set `name` with the members the ledger recorded for it, in the kernel's spelling, from its part
 * (`loadLines`); undefined when either is missing or the part is not the one recorded.
 */
export async function recordedMembers(ledger: IptablesLedger, name: string, loadPart: LedgerSlot["loadPart"]): Promise<SetState | undefined> {
  const set = ledger.sets.find((s) => s.name === name);
  const members = set === undefined ? undefined : await loadLines(loadPart, set);
  return set === undefined || members === undefined ? undefined : { name: set.name, type: set.type, family: set.family, maxelem: set.maxelem, members };
}

/** The hashes `chain` records, in order. */
export function recordedHashes(chain: LedgerChain): string[] {
  return chain.hashes === "" ? [] : chain.hashes.split(" ");
}

/** Whether `rules` carry exactly the hashes `hashes`, in order. */
export function sameHashes(rules: readonly OwnedRule[], hashes: readonly string[]): boolean {
  return rules.length === hashes.length && rules.every((r, i) => r.hash === hashes[i]);
}

/**
 * What needs no rendering: a chain whose IR fingerprint is the recorded one and whose kernel
 * rules carry the recorded hashes is the kernel's chain as it is (so the plan leaves it alone);
 * a set whose IR members have the recorded digest is the kernel's (opaque) set.
 */
export function ledgerReuse(ledger: IptablesLedger, kernel: KernelIptablesState): DesiredReuse {
  const recorded = new Map<string, LedgerChain>();
  const current = new Map<string, readonly OwnedRule[]>();
  for (const [family, tables, have] of [[4, ledger.v4, kernel.v4] as const, [6, ledger.v6, kernel.v6] as const]) {
    for (const t of tables) for (const c of t.chains) recorded.set(`${family} ${t.name} ${c.name}`, c);
    for (const t of have) for (const c of t.chains) current.set(`${family} ${t.name} ${c.name}`, c.rules);
  }
  const digests = new Map(ledger.sets.map((s) => [s.name, s.digest] as const));
  const sets = new Map(kernel.sets.map((s) => [s.name, s] as const));
  return {
    chain(family: Family, table: string, name: string, fingerprint: string) {
      const key = `${family} ${table} ${name}`;
      const entry = recorded.get(key);
      const rules = current.get(key);
      return entry?.fingerprint === fingerprint && rules !== undefined && sameHashes(rules, recordedHashes(entry)) ? rules : undefined;
    },
    set(name: string, digest: string) {
      return digests.get(name) === digest ? sets.get(name) : undefined;
    },
  };
}
