/**
 * The agent's applier: `apply` with a long-lived cache of the kernel state (the agent is the only
 * writer of its chains between resyncs, as Felix assumes), dropped on `invalidate` so that the next
 * apply reads the kernel whole and repairs any drift. Each compile's delta goes straight to the
 * applier, against the IR of the call before (the agent applies every IR it compiles), so that
 * only what changed is rendered.
 */
import type { IrDelta } from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import { apply, createApplyCache, type ApplyOptions } from "../apply/index.js";
import type { AgentApplier } from "./agent.js";

export function kernelApplier(options: Omit<ApplyOptions, "cache" | "dryRun" | "delta">): AgentApplier {
  // The agent decides when to re-read the kernel (its resync); the cache trusts itself until then.
  const cache = createApplyCache(Number.MAX_SAFE_INTEGER);
  /** The IR of the previous call: what the compiler's next delta is against. */
  let previous: Ir | undefined;
  return {
    async apply(ir: Ir, delta: IrDelta | undefined) {
      const from = previous;
      previous = ir;
      const change = from === undefined || delta === undefined ? {} : { delta: { from, delta } };
      const result = await apply(ir, { ...options, cache, ...change });
      return { ok: result.ok, changed: result.changed, notes: result.notes, ...(result.error !== undefined ? { error: result.error } : {}) };
    },
    invalidate() {
      cache.entry = undefined;
    },
  };
}
