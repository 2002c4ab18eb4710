/**
 * The agent's applier: `apply` with a long-lived cache of the kernel state (the agent is the only
 * writer of its chains between resyncs, as Felix assumes), dropped on `invalidate` so that the next
 * apply reads the kernel whole and repairs any drift.
 */
import { apply, createApplyCache, type ApplyOptions } from "../apply/index.js";
import type { AgentApplier } from "./agent.js";

export function kernelApplier(options: Omit<ApplyOptions, "cache" | "dryRun">): AgentApplier {
  // The agent decides when to re-read the kernel (its resync); the cache trusts itself until then.
  const cache = createApplyCache(Number.MAX_SAFE_INTEGER);
  return {
    async apply(ir) {
      const result = await apply(ir, { ...options, cache });
      return { ok: result.ok, changed: result.changed, notes: result.notes, ...(result.error !== undefined ? { error: result.error } : {}) };
    },
    invalidate() {
      cache.entry = undefined;
    },
  };
}
