/**
 * `apply(ir, options)`: brings the node's kernel to the state the IR describes, changing only
 * what differs and only what we own, all or nothing. The library call a node agent makes on every
 * cluster change, and what `policyc apply` runs.
 */
import type { Ir } from "../compiler/ir/types.js";
import type { BackendOutcome } from "./applyIptables.js";
import { applyIptables } from "./applyIptables.js";
import { applyNftables } from "./applyNftables.js";
import type { ApplyCache } from "./memory/cache.js";
import type { Exec } from "./execution/exec.js";
import { spawnExec } from "./execution/exec.js";
import type { LedgerStore } from "./memory/ledgerStore.js";
import type { Lock } from "./execution/lock.js";
import { fileLock } from "./execution/lock.js";
import type { Plan } from "./planning/plan.js";
import type { IptablesMode } from "./state/iptablesState.js";
import { StepError } from "./execution/stepError.js";

export interface ApplyOptions {
  /** Default `iptables`. */
  readonly backend?: "iptables" | "nftables";
  /** iptables variant; detected (Felix's way) when absent. */
  readonly backendMode?: IptablesMode;
  /** Plan only: read the kernel, write nothing. */
  readonly dryRun?: boolean;
  /** How processes are run (default: spawn them here). */
  readonly exec?: Exec;
  /** The lock serializing applies (default: flock(1) on /run/policyc.lock). */
  readonly lock?: Lock;
  /** Seconds iptables-restore waits for the xtables lock (`-w`); default 10, as Felix. */
  readonly xtablesWaitSeconds?: number;
  /**
   * For a long-running agent: remember the kernel state between calls instead of re-reading it
   * every time (`createApplyCache()`, see cache.ts). The CLI never passes one.
   */
  readonly cache?: ApplyCache;
  /**
   * Keep a ledger of what each apply wrote in this store (ledger.ts for iptables, nftLedger.ts
   * for nftables), so the next apply checks the kernel with a few cheap probes instead of
   * reading it whole. The CLI uses one file per backend and network namespace under
   * /run/policyc.
   */
  readonly ledger?: LedgerStore;
  /** How long a ledger is trusted after the kernel was last read whole; default 90 s. */
  readonly ledgerMaxAgeMs?: number;
}

/** Felix re-reads its ipsets every 90 s by default; a ledger is trusted as long. */
export const DEFAULT_LEDGER_MAX_AGE_MS = 90_000;

export interface ApplyResult {
  /** True when the kernel now matches (or, for a dry run, when planning worked). */
  readonly ok: boolean;
  /** Undefined when reading the kernel failed before a plan existed. */
  readonly plan?: Plan;
  /** Whether anything was written (and kept). */
  readonly changed: boolean;
  readonly notes: readonly string[];
  /** What failed, naming the tool and input line; undefined on success. */
  readonly error?: string;
  /** On failure: whether the node is as it was before the apply. */
  readonly restored?: boolean;
}

async function runBackend(ir: Ir, options: ApplyOptions, exec: Exec): Promise<BackendOutcome> {
  const dryRun = options.dryRun === true;
  const cache = options.cache === undefined ? {} : { cache: options.cache };
  const ledger = options.ledger === undefined ? {} : { ledger: { store: options.ledger, maxAgeMs: options.ledgerMaxAgeMs ?? DEFAULT_LEDGER_MAX_AGE_MS } };
  if (options.backend === "nftables") return applyNftables(ir, { exec, dryRun, ...cache, ...ledger });
  return applyIptables(ir, {
    exec,
    dryRun,
    ...cache,
    ...ledger,
    waitSeconds: options.xtablesWaitSeconds ?? 10,
    ...(options.backendMode === undefined ? {} : { mode: options.backendMode }),
  });
}

/**
 * Applies `ir` to the node. Never throws for a tool failure: the result says what failed and
 * whether the node was put back (it always is unless the rollback itself failed). Throws only on
 * internal errors (a broken IR invariant) and when the lock cannot be taken.
 */
export async function apply(ir: Ir, options: ApplyOptions = {}): Promise<ApplyResult> {
  const exec = options.exec ?? spawnExec();
  const release = await (options.lock ?? fileLock())();
  try {
    let outcome: BackendOutcome;
    try {
      outcome = await runBackend(ir, options, exec);
      // A plan made from the agent's cached view or from the ledger failed (the node was put
      // back, and the ledger forgotten): the view may be stale, so read the kernel whole and
      // try once more, as Felix re-reads before retrying.
      const remembered = outcome.notes.some((n) => n.startsWith("kernel state from the"));
      if (outcome.failure?.restored === true && remembered) {
        if (options.cache !== undefined) options.cache.entry = undefined;
        outcome = await runBackend(ir, options, exec);
      }
    } catch (e) {
      if (options.cache !== undefined) options.cache.entry = undefined;
      if (e instanceof StepError) return { ok: false, changed: false, notes: [], error: e.message, restored: true };
      throw e;
    }
    const { plan, notes, failure } = outcome;
    if (plan.refusals.length > 0) {
      return { ok: false, plan, changed: false, notes, error: `refusing to apply:\n  ${plan.refusals.join("\n  ")}`, restored: true };
    }
    if (failure === undefined) return { ok: true, plan, changed: options.dryRun !== true && plan.steps.length > 0, notes };
    const rollback = failure.restored ? "the node was left as it was before the apply" : `ROLLBACK FAILED, the node may be half-programmed: ${failure.rollbackError?.message ?? ""}`;
    return { ok: false, plan, changed: false, notes, error: `${failure.error.message}\n${rollback}`, restored: failure.restored };
  } finally {
    await release();
  }
}
