/**
 * `apply` for the iptables backend: read the node (whole, or through the agent's cache or the
 * ledger), plan, and (unless dry run) execute with rollback to the state read at the start.
 */
import type { Ir } from "../compiler/ir/types.js";
import { desiredIptablesState } from "./state/desiredIptables.js";
import type { Exec } from "./execution/exec.js";
import type { ExecuteFailure } from "./execution/execute.js";
import { executePlan } from "./execution/execute.js";
import type { Plan } from "./planning/plan.js";
import { planIptables } from "./planning/planIptables.js";
import type { IptablesMode } from "./state/iptablesState.js";
import { detectIptablesMode, readIptablesState } from "./kernel/readIptablesState.js";
import type { ApplyCache } from "./memory/cache.js";
import { freshEntry } from "./memory/cache.js";
import { snapshotAsDesired, stateAfter } from "./state/snapshot.js";
import type { DesiredIptablesState, KernelIptablesState } from "./state/iptablesState.js";
import { readNetnsId, readNftGeneration } from "./kernel/kernelProbes.js";
import type { IptablesLedger } from "./memory/ledger.js";
import { ledgerAfter, parseLedger } from "./memory/ledger.js";
import type { LedgerStore } from "./memory/ledgerStore.js";
import { ledgerKey } from "./memory/ledgerStore.js";
import type { IptablesTools } from "./state/iptablesState.js";
import { readThroughLedger } from "./memory/readThroughLedger.js";

export interface IptablesApplyOptions {
  readonly exec: Exec;
  /** Overrides the detection of iptables-legacy vs iptables-nft. */
  readonly mode?: IptablesMode;
  readonly dryRun: boolean;
  readonly waitSeconds: number;
  /** An agent's cache of the kernel state (see cache.ts); absent means always read. */
  readonly cache?: ApplyCache;
  /** Where the ledger is kept between runs (see ledger.ts); absent means no ledger. */
  readonly ledger?: { readonly store: LedgerStore; readonly maxAgeMs: number };
}

export interface BackendOutcome {
  readonly plan: Plan;
  /** Why the mode is what it is (detected or given), for the report. */
  readonly notes: readonly string[];
  readonly failure?: ExecuteFailure;
}

interface Before {
  readonly state: KernelIptablesState;
  readonly tools: IptablesTools;
  /** When the kernel was last read whole (a ledger carries this over from its own read). */
  readonly readAt: number;
}

/** The ledger for this namespace, if the store has a readable one. */
async function loadLedger(options: IptablesApplyOptions, netns: string | undefined): Promise<IptablesLedger | undefined> {
  if (options.ledger === undefined || netns === undefined) return undefined;
  const text = await options.ledger.store.load(ledgerKey("iptables", netns));
  return text === undefined ? undefined : parseLedger(text);
}

export async function applyIptables(ir: Ir, options: IptablesApplyOptions): Promise<BackendOutcome> {
  const { exec, cache } = options;
  const cached = freshEntry(cache, "iptables", Date.now());
  const usable = cached !== undefined && (options.mode === undefined || options.mode === cached.tools.mode) ? cached : undefined;
  const netns = options.ledger === undefined ? undefined : await readNetnsId(exec);
  const ledger = usable === undefined ? await loadLedger(options, netns) : undefined;
  // The mode comes from --backend-mode, else the cache, else the ledger (checked below), else
  // detection (which costs up to four dumps).
  const remembered = usable?.tools.mode ?? ledger?.tools.mode;
  let mode: IptablesMode = options.mode ?? remembered ?? (await detectIptablesMode(exec));
  const modeNote = (how: string): string => `iptables mode ${mode} (${options.mode === undefined ? how : "--backend-mode"})`;
  const notes = [modeNote(usable !== undefined ? "cached" : remembered !== undefined ? "from the ledger" : "detected")];
  if (usable !== undefined) notes.push("kernel state from the agent's cache");
  const memo = cache === undefined ? undefined : { previous: cache.renders, next: new Map<string, unknown>() };
  const memoOption = memo === undefined ? {} : { memo };

  let before: Before | undefined = usable;
  let desired: DesiredIptablesState | undefined;
  if (before === undefined && ledger !== undefined && netns !== undefined && options.ledger !== undefined) {
    const now = Date.now();
    const reading = await readThroughLedger(ir, ledger, { exec, mode, waitSeconds: options.waitSeconds, netns, maxAgeMs: options.ledger.maxAgeMs, now, ...memoOption });
    if ("problem" in reading) {
      notes.push(`ledger not used: ${reading.problem}`);
      if (options.mode === undefined) {
        mode = await detectIptablesMode(exec);
        notes[0] = modeNote("detected");
      }
    } else {
      notes.push(reading.note);
      before = { state: reading.state, tools: reading.tools, readAt: ledger.writtenAt };
      desired = reading.desired;
    }
  }
  before ??= { ...(await readIptablesState(exec, mode, options.waitSeconds)), readAt: Date.now() };
  desired ??= desiredIptablesState(ir, { ...memoOption, fingerprints: options.ledger !== undefined });
  if (cache !== undefined && memo !== undefined) cache.renders = memo.next;
  const plan = planIptables(desired, before.state, before.tools);
  const start = before;
  const wanted = desired;
  const remember = async (): Promise<void> => {
    if (cache !== undefined) cache.entry = { backend: "iptables", state: stateAfter(wanted, start.state), tools: start.tools, readAt: start.readAt };
    if (options.ledger === undefined || netns === undefined) return;
    const generation = start.tools.mode === "nft" ? await readNftGeneration(exec) : undefined;
    const next = ledgerAfter(wanted, start.state, { netns, tools: start.tools, writtenAt: start.readAt, ...(generation === undefined ? {} : { generation }) }, ledger);
    // The kernel is already right; a ledger that cannot be written only costs the next apply a
    // whole read, so it is reported, not fatal.
    try {
      if (next === undefined || (start.tools.mode === "nft" && generation === undefined)) await options.ledger.store.clear(ledgerKey("iptables", netns));
      else await options.ledger.store.save(ledgerKey("iptables", netns), JSON.stringify(next));
    } catch (e) {
      notes.push(`ledger not written: ${(e as Error).message}`);
    }
  };
  if (options.dryRun || plan.refusals.length > 0) return { plan, notes };
  if (plan.steps.length === 0) {
    await remember();
    return { plan, notes };
  }
  const rollback = async (): Promise<void> => {
    const now = await readIptablesState(exec, mode, options.waitSeconds);
    const back = planIptables(snapshotAsDesired(start.state, now.state), now.state, now.tools);
    const failure = await executePlan(back, exec, () => Promise.resolve());
    if (failure !== undefined) throw failure.error;
  };
  const failure = await executePlan(plan, exec, rollback);
  if (failure === undefined) await remember();
  else {
    if (cache !== undefined) cache.entry = undefined;
    if (options.ledger !== undefined && netns !== undefined) {
      // Best effort: the rollback put back what the ledger describes (and moved the generation).
      await options.ledger.store.clear(ledgerKey("iptables", netns)).catch((e: unknown) => notes.push(`ledger not cleared: ${(e as Error).message}`));
    }
  }
  return failure === undefined ? { plan, notes } : { plan, notes, failure };
}
