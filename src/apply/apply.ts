/**
 * `apply(ir, options)`: brings the node's kernel to the state the IR describes, changing only
 * what differs and only what we own, all or nothing. The library call a node agent makes on every
 * cluster change, and what `policyc apply` runs.
 *
 * Both backends go through the same steps (applyBackend.ts): recall what we wrote (the agent's
 * cache, the ledger) or read the kernel, work out the desired state, plan, commit, verify. A plan
 * made from a remembered view that fails is tried once more from a whole read.
 */
import { assertNever } from "../diagnostics/assertNever.js";
import type { Ir } from "../compiler/ir/types.js";
import type { ApplyBackend, BackendContext } from "./applyBackend.js";
import type { Clock } from "./execution/clock.js";
import { systemClock } from "./execution/clock.js";
import type { Exec } from "./execution/exec.js";
import { spawnExec } from "./execution/exec.js";
import type { ExecuteFailure } from "./execution/execute.js";
import type { Lock } from "./execution/lock.js";
import { fileLock } from "./execution/lock.js";
import { StepError } from "./execution/stepError.js";
import { iptablesBackend } from "./iptablesBackend.js";
import type { ApplyCache, IrChange } from "./memory/cache.js";
import type { LedgerStore } from "./memory/ledgerStore.js";
import { nftablesBackend } from "./nftablesBackend.js";
import type { Plan } from "./planning/plan.js";
import { withoutLoneCheck } from "./planning/plan.js";
import type { IptablesMode } from "./state/iptablesState.js";
import type { KernelSource } from "./state/kernelView.js";
import { worthRereading } from "./state/kernelView.js";

export interface ApplyOptions {
  /** Default `iptables`. */
  readonly backend?: "iptables" | "nftables";
  /** iptables variant; detected (Felix's way) when absent. */
  readonly backendMode?: IptablesMode;
  /** Plan only: read the kernel, write nothing. */
  readonly dryRun?: boolean;
  /** How processes are run (default: spawn them here). */
  readonly exec?: Exec;
  /** The time (default: the system's clock). */
  readonly clock?: Clock;
  /** The lock serializing applies (default: flock(1) on /run/policyc.lock). */
  readonly lock?: Lock;
  /** Seconds iptables-restore waits for the xtables lock (`-w`); default 10, as Felix. */
  readonly xtablesWaitSeconds?: number;
  /**
   * The xtables lock the applier holds while iptables-legacy commits both families at once
   * (execution/xtablesLock.ts); default flock(1) on /run/xtables.lock.
   */
  readonly xtablesLock?: Lock;
  /**
   * For a long-running agent: remember the kernel state between calls instead of re-reading it
   * every time, and the last desired state, to build the next from the IR delta
   * (`createApplyCache()`, see memory/cache.ts). The CLI never passes one.
   */
  readonly cache?: ApplyCache;
  /**
   * What changed since an earlier IR (`delta` = `diffIr(from, ir)`, as an incremental compiler's
   * update gives it). With a cache whose last desired state was built for `from`, only what the
   * delta names is rendered: the IR is not compared or digested whole. Otherwise ignored.
   */
  readonly delta?: IrChange;
  /**
   * Keep a ledger of what each apply wrote in this store (memory/ledger.ts for iptables,
   * memory/nftLedger.ts for nftables), so the next apply checks the kernel with a few cheap
   * probes instead of reading it whole. The CLI uses one file per backend and network namespace
   * under /run/policyc.
   */
  readonly ledger?: LedgerStore;
  /** How long a ledger is trusted after the kernel was last read whole; default 90 s. */
  readonly ledgerMaxAgeMs?: number;
  /**
   * Skip the validation run of a plan with a single rules step (planning/plan.ts
   * `withoutLoneCheck`): the agent does, to spend one process less per change. The plan returned
   * still shows the check; only the execution leaves it out.
   */
  readonly skipLoneCheck?: boolean;
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

/** One attempt: the plan, where the view it was made from came from, and how the commit went. */
interface Attempt {
  readonly plan: Plan;
  readonly source: KernelSource;
  readonly notes: readonly string[];
  readonly failure?: ExecuteFailure;
}

/** The steps of applyBackend.ts, in order. `remembered`: whether the cache and the ledger may be used. */
async function attempt<K, D>(backend: ApplyBackend<K, D>, ir: Ir, dryRun: boolean, remembered: boolean, skipLoneCheck: boolean): Promise<Attempt> {
  let view = remembered ? await backend.recall(ir) : undefined;
  let desired: D | undefined;
  if (view !== undefined) {
    desired = backend.desire(ir, view);
    view = await backend.readChanges(view, desired);
  }
  if (view === undefined) {
    view = await backend.read();
    desired = backend.desire(ir, view);
  }
  if (desired === undefined) throw new Error("internal error: no desired state");
  const plan = backend.plan(desired, view);
  const done = { plan, source: view.source };
  if (dryRun || plan.refusals.length > 0) return { ...done, notes: backend.report() };
  const failure = plan.steps.length === 0 ? undefined : await backend.commit(skipLoneCheck ? withoutLoneCheck(plan) : plan, view);
  if (failure === undefined) await backend.verify(desired, view);
  else await backend.forget();
  return failure === undefined ? { ...done, notes: backend.report() } : { ...done, notes: backend.report(), failure };
}

/** The backend `options` names, handed to `use`. */
function withBackend<T>(options: ApplyOptions, context: BackendContext, use: <K, D>(backend: ApplyBackend<K, D>) => T): T {
  const backend = options.backend ?? "iptables";
  switch (backend) {
    case "iptables": {
      const mode = options.backendMode === undefined ? {} : { mode: options.backendMode };
      const xtablesLock = options.xtablesLock === undefined ? {} : { xtablesLock: options.xtablesLock };
      return use(iptablesBackend(context, { waitSeconds: options.xtablesWaitSeconds ?? 10, ...mode, ...xtablesLock }));
    }
    case "nftables":
      return use(nftablesBackend(context));
    default:
      return assertNever(backend, "backend");
  }
}

function run(ir: Ir, options: ApplyOptions, exec: Exec, remembered: boolean): Promise<Attempt> {
  const context: BackendContext = {
    exec,
    clock: options.clock ?? systemClock,
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.ledger === undefined ? {} : { ledger: { store: options.ledger, maxAgeMs: options.ledgerMaxAgeMs ?? DEFAULT_LEDGER_MAX_AGE_MS } }),
    ...(options.delta === undefined ? {} : { change: options.delta }),
  };
  return withBackend(options, context, (backend) => attempt(backend, ir, options.dryRun === true, remembered, options.skipLoneCheck === true));
}

/** An Exec for what must run nothing. */
const NO_PROCESSES: Exec = { run: () => Promise.reject(new Error("internal error: planning for an empty node ran a process")) };

/**
 * The plan an apply makes on a node where nothing is written yet: the planner run against an
 * empty kernel view, so exactly what `apply --dry-run` prints on a fresh node (and what
 * `policyc compile --dry-run` prints). Pure: reads nothing, runs nothing. Without
 * `backendMode`, the iptables tools are iptables-nft's, as detection picks on a node without
 * legacy tables.
 */
export function planForEmptyNode(ir: Ir, options: Pick<ApplyOptions, "backend" | "backendMode" | "xtablesWaitSeconds"> = {}): Plan {
  return withBackend(options, { exec: NO_PROCESSES, clock: { now: () => 0 } }, (backend) => {
    const view = backend.empty();
    return backend.plan(backend.desire(ir, view), view);
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
    let outcome: Attempt;
    try {
      outcome = await run(ir, options, exec, true);
      // A plan made from the agent's cached view or from the ledger failed (the node was put
      // back, and the memory forgotten): the view may be stale, so read the kernel whole and
      // try once more, as Felix re-reads before retrying.
      if (outcome.failure?.restored === true && worthRereading(outcome.source)) outcome = await run(ir, options, exec, false);
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
