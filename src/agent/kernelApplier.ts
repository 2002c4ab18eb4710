/**
 * The agent's applier: `apply` with a long-lived cache of the kernel state (the agent is the only
 * writer of its chains between resyncs, as Felix assumes), dropped on `invalidate` so that the next
 * apply reads the kernel whole and repairs any drift. Each compile's delta goes straight to the
 * applier, against the IR of the call before (the agent applies every IR it compiles), so that
 * only what changed is rendered. A plan with a single rules step is committed without a validation
 * run first (apply's `skipLoneCheck`): one process less per change, and the commit is as atomic.
 *
 * The lock (`--lock-file`) is taken at the first apply and held until `close` (the agent's stop)
 * or the process ends: the agent is the one writer of its chains, as its cache already assumes,
 * so another `policyc apply` on the node waits for it (and fails after its timeout, saying so)
 * instead of changing the kernel under the cache; and a change costs no process for the lock.
 *
 * Each apply's notes also say how long the lock and every process took (the agent logs them at
 * debug level), so that a slow change can be told apart: waiting for the lock, a tool, or neither.
 */
import type { IrDelta } from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import { apply, createApplyCache, fileLock, spawnExec, type ApplyOptions, type Exec, type Lock } from "../apply/index.js";
import type { AgentApplier } from "./agent.js";

export function kernelApplier(options: Omit<ApplyOptions, "cache" | "dryRun" | "delta" | "skipLoneCheck">): AgentApplier {
  // The agent decides when to re-read the kernel (its resync); the cache trusts itself until then.
  const cache = createApplyCache(Number.MAX_SAFE_INTEGER);
  /** The IR of the previous call: what the compiler's next delta is against. */
  let previous: Ir | undefined;
  /** What the lock and the processes of the current apply took. */
  let timings: string[] = [];
  const exec = options.exec ?? spawnExec();
  const timedExec: Exec = {
    async run(argv, stdin) {
      const t0 = performance.now();
      const result = await exec.run(argv, stdin);
      timings.push(`${argv.filter((a) => !a.startsWith("-w") && !/^\d+$/.test(a)).join(" ")}: ${Math.round(performance.now() - t0)} ms`);
      return result;
    },
  };
  const lock = options.lock ?? fileLock();
  /** The lock while held (taken by the first apply); a failed take is tried again by the next. */
  let holding: Promise<() => Promise<void>> | undefined;
  const heldLock: Lock = async () => {
    const t0 = performance.now();
    holding ??= lock();
    try {
      await holding;
    } catch (e) {
      holding = undefined;
      throw e;
    }
    timings.push(`lock: ${Math.round(performance.now() - t0)} ms`);
    return () => Promise.resolve();
  };
  return {
    async apply(ir: Ir, delta: IrDelta | undefined) {
      const from = previous;
      previous = ir;
      const change = from === undefined || delta === undefined ? {} : { delta: { from, delta } };
      timings = [];
      const result = await apply(ir, { ...options, exec: timedExec, lock: heldLock, cache, skipLoneCheck: true, ...change });
      const notes = [...result.notes, `took ${timings.join(", ")}`];
      return { ok: result.ok, changed: result.changed, notes, ...(result.error !== undefined ? { error: result.error } : {}) };
    },
    invalidate() {
      cache.entry = undefined;
    },
    async close() {
      const held = holding;
      holding = undefined;
      if (held) await (await held.catch(() => () => Promise.resolve()))();
    },
  };
}
