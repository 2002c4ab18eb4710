/**
 * Reading the node through a ledger (ledger.ts): check the ledger with cheap probes, render only
 * the chains and sets whose IR changed, and read from the kernel only those it is about to
 * change (so the plan's rollback has their real contents). Falls back (returns a `problem`)
 * whenever the ledger cannot be trusted; the caller then reads the kernel whole.
 */
import type { Ir } from "../../compiler/ir/types.js";
import type { RenderMemo } from "../state/desiredIptables.js";
import { desiredIptablesState } from "../state/desiredIptables.js";
import type { Exec } from "../execution/exec.js";
import type { ChainRules, DesiredIptablesState, KernelIptablesState, KernelTable } from "../state/iptablesState.js";
import { readChains, readNftGeneration, readSetHeaders, readSets } from "../kernel/kernelProbes.js";
import type { IptablesLedger } from "./ledger.js";
import { kernelFromLedger, ledgerProblem, ledgerReuse, sameHashes } from "./ledger.js";
import type { IptablesTools } from "../state/iptablesState.js";
import type { IptablesMode } from "../state/iptablesState.js";
import { readIptablesTables } from "../kernel/readIptablesState.js";

/**
 * Above this many changed or removed chains, one `iptables-save` per family (about 1.2 s on a
 * 170k-rule node with iptables-nft) is cheaper than reading the chains one by one (about 15 ms
 * each, a process per chain).
 */
export const MAX_CHAIN_READS = 64;

export interface LedgerReading {
  /** The kernel: read parts exact, the rest as the ledger records it (hash-only, opaque). */
  readonly state: KernelIptablesState;
  readonly tools: IptablesTools;
  readonly desired: DesiredIptablesState;
  /** What was checked, for the report. */
  readonly note: string;
}

export interface LedgerContext {
  readonly exec: Exec;
  readonly mode: IptablesMode;
  readonly waitSeconds: number;
  readonly netns: string;
  readonly maxAgeMs: number;
  readonly now: number;
  readonly memo?: RenderMemo;
}

/** Per family and table, the chains the plan will rewrite or remove (all hash-only so far). */
function touchedChains(desired: DesiredIptablesState, kernel: KernelIptablesState): { family: 4 | 6; table: string; names: string[] }[] {
  const out: { family: 4 | 6; table: string; names: string[] }[] = [];
  for (const family of [4, 6] as const) {
    for (const table of family === 4 ? kernel.v4 : kernel.v6) {
      const want = new Map(((family === 4 ? desired.v4 : desired.v6).find((t) => t.name === table.name)?.chains ?? []).map((c) => [c.name, c] as const));
      const names = table.chains.filter((c) => !want.has(c.name) || !sameHashes(want.get(c.name)?.rules ?? [], c.rules.map((r) => r.hash))).map((c) => c.name);
      if (names.length > 0) out.push({ family, table: table.name, names });
    }
  }
  return out;
}

function withChains(tables: readonly KernelTable[], table: string, read: readonly ChainRules[]): KernelTable[] {
  const byName = new Map(read.map((c) => [c.name, c] as const));
  return tables.map((t) => (t.name === table ? { ...t, chains: t.chains.map((c) => byName.get(c.name) ?? c) } : t));
}

/** The kernel and desired state through `ledger`, or the reason it cannot be used. */
export async function readThroughLedger(ir: Ir, ledger: IptablesLedger, context: LedgerContext): Promise<LedgerReading | { readonly problem: string }> {
  const { exec, mode } = context;
  const [generation, sets, tables] = await Promise.all([
    mode === "nft" ? readNftGeneration(exec) : Promise.resolve(undefined),
    readSetHeaders(exec, ledger.tools.ipset),
    mode === "legacy" ? readIptablesTables(exec, mode) : Promise.resolve(undefined),
  ]);
  const tools: IptablesTools = { ...ledger.tools, mode, waitSeconds: context.waitSeconds, ...(tables === undefined ? {} : { restore4: tables.restore4, restore6: tables.restore6 }) };
  const problem = ledgerProblem(ledger, { netns: context.netns, now: context.now, tools, sets, ...(generation === undefined ? {} : { generation }) }, context.maxAgeMs);
  if (problem !== undefined) return { problem };

  let kernel = kernelFromLedger(ledger, tables);
  const desired = desiredIptablesState(ir, { reuse: ledgerReuse(ledger, kernel), ...(context.memo === undefined ? {} : { memo: context.memo }) });

  // iptables-nft: our chains are known by hash only; read the ones the plan will change.
  if (tables === undefined) {
    const touched = touchedChains(desired, kernel);
    const count = touched.reduce((n, t) => n + t.names.length, 0);
    if (count > MAX_CHAIN_READS) return { problem: `${count} chains change, more than ${MAX_CHAIN_READS}: reading everything is quicker` };
    const reads = await Promise.all(touched.map(async (t) => ({ ...t, chains: await readChains(exec, tools, t.family, t.table, t.names) })));
    for (const read of reads) {
      const before = (read.family === 4 ? kernel.v4 : kernel.v6).find((t) => t.name === read.table)?.chains ?? [];
      const drifted = read.chains.find((c) => !sameHashes(c.rules, (before.find((b) => b.name === c.name)?.rules ?? []).map((r) => r.hash)));
      if (drifted !== undefined) return { problem: `chain ${drifted.name} is not as recorded` };
      kernel = read.family === 4 ? { ...kernel, v4: withChains(kernel.v4, read.table, read.chains) } : { ...kernel, v6: withChains(kernel.v6, read.table, read.chains) };
    }
  }

  // Sets whose members change: read their members (the others stay opaque on both sides).
  const recorded = new Set(kernel.sets.map((s) => s.name));
  const changing = desired.sets.filter((s) => s.opaque !== true && recorded.has(s.name)).map((s) => s.name);
  const read = new Map((await readSets(exec, tools.ipset, changing)).map((s) => [s.name, s] as const));
  const missing = changing.find((name) => !read.has(name));
  if (missing !== undefined) return { problem: `set ${missing} could not be read` };
  kernel = { ...kernel, sets: kernel.sets.map((s) => read.get(s.name) ?? s) };

  const checked = mode === "nft" ? `nf_tables generation ${generation} unchanged` : "iptables-legacy tables read";
  return { state: kernel, tools, desired, note: `kernel state from the ledger (${checked}, ${sets.length} set headers match; read ${changing.length} set(s) in full)` };
}
