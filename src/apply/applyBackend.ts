/**
 * What each backend of the applier (iptables + ipset, nftables) implements, and what it is given.
 * apply.ts runs the steps in this order, the same for both:
 *
 *   recall ─┬─> desire ─> readChanges ─┬─> plan ─> commit ─> verify (or forget)
 *           └── (nothing trusted) ─────┴─> read ─> desire ─┘
 *
 * A step that reads or writes the kernel goes through the context's `exec`; `desire` and `plan`
 * are pure. One instance serves one attempt of one apply and keeps what it learns between its
 * steps (the iptables variant, the network namespace, the ledger it loaded).
 */
import type { Ir } from "../compiler/ir/types.js";
import type { Clock } from "./execution/clock.js";
import type { Exec } from "./execution/exec.js";
import type { ExecuteFailure } from "./execution/execute.js";
import type { ApplyCache, IrChange } from "./memory/cache.js";
import type { LedgerStore } from "./memory/ledgerStore.js";
import type { Plan } from "./planning/plan.js";
import type { KernelView } from "./state/kernelView.js";

/** What a backend is given for one apply. */
export interface BackendContext {
  readonly exec: Exec;
  readonly clock: Clock;
  /** An agent's memory of the kernel and of its last desired state (memory/cache.ts). */
  readonly cache?: ApplyCache;
  /** Where the ledger is kept between runs, and how long it is trusted (memory/ledger.ts). */
  readonly ledger?: { readonly store: LedgerStore; readonly maxAgeMs: number };
  /** What changed since an earlier IR, when the caller knows (an incremental compiler's delta). */
  readonly change?: IrChange;
}

/** A backend: `K` is what it knows of the kernel, `D` its desired state. */
export interface ApplyBackend<K, D> {
  readonly name: "iptables" | "nftables";
  /** Reads the kernel whole (a view of source `read`). Throws a StepError when a tool fails. */
  read(): Promise<KernelView<K>>;
  /** The view of a node where nothing is written yet (source `empty`), without reading it. */
  empty(): KernelView<K>;
  /**
   * Recalls what we wrote: the agent's cache while it is fresh, else the ledger once cheap
   * probes confirm it. Undefined when nothing is remembered or trusted (the report says why).
   * `ir` is what `desire` will be asked for: a backend may work on it while its probes run.
   */
  recall(ir: Ir): Promise<KernelView<K> | undefined>;
  /**
   * The desired state of `ir`. Pure. What the view or the cache already holds as we wrote it
   * (by the ledger's digests, or by the IR delta since the cached build) is not rendered again.
   */
  desire(ir: Ir, view: KernelView<K>): D;
  /**
   * A remembered view with what a plan to `desired` changes read from the kernel, where the
   * view knows it only by its digest (a ledger records hashes, not rules). Undefined when that
   * read shows the memory cannot be trusted after all. Other views come back as they are.
   */
  readChanges(view: KernelView<K>, desired: D): Promise<KernelView<K> | undefined>;
  /** The tool inputs that bring the kernel from `view` to `desired`. Pure. */
  plan(desired: D, view: KernelView<K>): Plan;
  /** Runs the plan all or nothing: on a failure the kernel is put back as `view` has it. */
  commit(plan: Plan, view: KernelView<K>): Promise<ExecuteFailure | undefined>;
  /**
   * After a successful commit (or when there was nothing to write): the kernel now holds
   * `desired` on top of `view`. Records it in the cache and the ledger, with the probe that lets
   * the next apply trust the ledger (the nf_tables generation, read now).
   */
  verify(desired: D, view: KernelView<K>): Promise<void>;
  /** After a failed commit: the cache and the ledger are dropped (they may be why it failed). */
  forget(): Promise<void>;
  /** What the backend found and did, for the report (the iptables variant, the memory used). */
  report(): readonly string[];
}
