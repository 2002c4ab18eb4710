/**
 * `apply` for the nftables backend: read our two tables (or trust the agent's cache or the
 * ledger, nftLedger.ts), plan one transaction, run it after `nft --check`. The transaction is atomic, so a failure leaves the node untouched and there is
 * nothing to roll back.
 */
import type { Ir } from "../compiler/ir/types.js";
import type { BackendOutcome } from "./applyIptables.js";
import type { ApplyCache } from "./memory/cache.js";
import { freshEntry } from "./memory/cache.js";
import type { Exec } from "./execution/exec.js";
import { executePlan } from "./execution/execute.js";
import type { NftTable } from "./state/nftState.js";
import { parseNftJson } from "./state/nftState.js";
import { desiredNftTables } from "./state/desiredNftables.js";
import { readNetnsId, readNftGeneration } from "./kernel/kernelProbes.js";
import type { LedgerStore } from "./memory/ledgerStore.js";
import { ledgerKey } from "./memory/ledgerStore.js";
import type { NftLedger } from "./memory/nftLedger.js";
import { nftKernelFromLedger, nftLedgerAfter, nftLedgerProblem, nftReuse, parseNftLedger } from "./memory/nftLedger.js";
import { incompatible, NFT_TABLE, planNftables } from "./planning/planNftables.js";
import { stepError } from "./execution/stepError.js";

/**
 * Reads `nft -j list table <family> policyc` for both families at once (each listing takes
 * seconds on a node with a million set elements); a missing table is absent.
 */
export async function readNftState(exec: Exec): Promise<NftTable[]> {
  const read = async (family: "ip" | "ip6"): Promise<NftTable | undefined> => {
    const argv = ["nft", "-j", "list", "table", family, NFT_TABLE];
    const result = await exec.run(argv);
    if (result.code !== 0) {
      if (/No such file or directory/.test(result.stderr)) return undefined;
      throw stepError("reading state", argv, result);
    }
    return parseNftJson(result.stdout, family);
  };
  const tables = await Promise.all([read("ip"), read("ip6")]);
  return tables.filter((t) => t !== undefined);
}

export interface NftablesApplyOptions {
  readonly exec: Exec;
  readonly dryRun: boolean;
  readonly cache?: ApplyCache;
  /** Where the ledger is kept between runs (see nftLedger.ts); absent means no ledger. */
  readonly ledger?: { readonly store: LedgerStore; readonly maxAgeMs: number };
}

interface Reading {
  readonly have: readonly NftTable[];
  readonly desired: readonly NftTable[];
  /** When the kernel was last read whole. */
  readonly readAt: number;
}

/**
 * The desired tables, rendering only what changed against `known` (our tables as the last apply
 * wrote them), or the problem when a table must be re-created (that needs the whole script).
 */
function desiredAgainst(ir: Ir, known: readonly NftTable[]): { desired: NftTable[] } | { problem: string } {
  const desired = desiredNftTables(ir, { reuse: nftReuse(known) });
  for (const want of desired) {
    const had = known.find((t) => t.family === want.family);
    const reason = had === undefined ? "the table is not there" : incompatible(want, had);
    if (reason !== undefined) return { problem: `${want.family} ${NFT_TABLE} must be re-created: ${reason}` };
  }
  return { desired };
}

/** The kernel and desired state through the ledger, or why the ledger cannot be used. */
async function readThroughNftLedger(ir: Ir, ledger: NftLedger, exec: Exec, netns: string, maxAgeMs: number): Promise<Reading | { readonly problem: string }> {
  const generation = await readNftGeneration(exec);
  const problem = nftLedgerProblem(ledger, { netns, now: Date.now(), ...(generation === undefined ? {} : { generation }) }, maxAgeMs);
  if (problem !== undefined) return { problem };
  const have = nftKernelFromLedger(ledger);
  const against = desiredAgainst(ir, have);
  return "problem" in against ? against : { have, desired: against.desired, readAt: ledger.writtenAt };
}

export async function applyNftables(ir: Ir, options: NftablesApplyOptions): Promise<BackendOutcome> {
  const { cache, exec } = options;
  const cached = freshEntry(cache, "nftables", Date.now());
  const notes: string[] = cached === undefined ? [] : ["kernel state from the agent's cache"];
  const netns = options.ledger === undefined || cached !== undefined ? undefined : await readNetnsId(exec);
  const key = netns === undefined ? undefined : ledgerKey("nftables", netns);
  const text = key === undefined ? undefined : await options.ledger?.store.load(key);
  const ledger = text === undefined ? undefined : parseNftLedger(text);

  let reading: Reading | undefined;
  if (cached !== undefined) {
    const against = desiredAgainst(ir, cached.state);
    reading = { have: cached.state, desired: "problem" in against ? desiredNftTables(ir, { script: true }) : against.desired, readAt: cached.readAt };
  }
  if (reading === undefined && ledger !== undefined && netns !== undefined && options.ledger !== undefined) {
    const through = await readThroughNftLedger(ir, ledger, exec, netns, options.ledger.maxAgeMs);
    if ("problem" in through) notes.push(`ledger not used: ${through.problem}`);
    else {
      notes.push(`kernel state from the ledger (nf_tables generation ${ledger.generation} unchanged)`);
      reading = through;
    }
  }
  reading ??= { have: await readNftState(exec), desired: desiredNftTables(ir, { script: true }), readAt: Date.now() };
  const { desired, readAt } = reading;
  const plan = planNftables(desired, reading.have);
  if (options.dryRun) return { plan, notes };
  const failure = plan.steps.length === 0 ? undefined : await executePlan(plan, exec, () => Promise.resolve());
  // After a successful transaction our tables are exactly the desired ones.
  if (cache !== undefined) cache.entry = failure === undefined ? { backend: "nftables", state: desired, readAt } : undefined;
  if (key !== undefined && options.ledger !== undefined) {
    const generation = failure === undefined ? await readNftGeneration(exec) : undefined;
    // A ledger that cannot be written or cleared costs the next apply a whole read (a stale one
    // is caught by its generation), so it is reported, not fatal.
    try {
      if (generation === undefined) await options.ledger.store.clear(key);
      else await options.ledger.store.save(key, JSON.stringify(nftLedgerAfter(desired, { netns: netns ?? "", generation, writtenAt: readAt })));
    } catch (e) {
      notes.push(`ledger not written: ${(e as Error).message}`);
    }
  }
  return failure === undefined ? { plan, notes } : { plan, notes, failure };
}
