/**
 * The agent's memory of the kernel between applies, as Felix keeps its dataplane view: after a
 * successful apply the kernel holds exactly what was planned, so the next apply can plan against
 * that instead of re-reading (iptables-save of a large ruleset costs more than writing one
 * changed chain). The view is trusted for `maxAgeMs` (Felix re-reads iptables every 180 s and
 * ipsets every 90 s by default) and dropped after any failure, so drift (someone deleting our
 * rules by hand) is repaired at the next refresh. The CLI never uses a cache: it always reads.
 */
import type { KernelIptablesState } from "../state/iptablesState.js";
import type { NftTable } from "../state/nftState.js";
import type { IptablesTools } from "../state/iptablesState.js";

export type CachedState =
  | { readonly backend: "iptables"; readonly state: KernelIptablesState; readonly tools: IptablesTools; readonly readAt: number }
  | { readonly backend: "nftables"; readonly state: readonly NftTable[]; readonly readAt: number };

/** A mutable holder the agent passes to every `apply` call. */
export interface ApplyCache {
  readonly maxAgeMs: number;
  entry: CachedState | undefined;
  /**
   * The iptables layout's chains and sets of the last apply, and members in the kernel's
   * spelling, reused while their IR is unchanged (desiredIptables.ts).
   */
  renders: ReadonlyMap<string, unknown>;
}

/** Default trust period: 90 s, Felix's ipset refresh interval (the shorter of its two). */
export function createApplyCache(maxAgeMs = 90_000): ApplyCache {
  return { maxAgeMs, entry: undefined, renders: new Map() };
}

/** The cached state for `backend` if it is still fresh, else undefined. */
export function freshEntry<B extends CachedState["backend"]>(cache: ApplyCache | undefined, backend: B, now: number): Extract<CachedState, { backend: B }> | undefined {
  const entry = cache?.entry;
  if (entry === undefined || entry.backend !== backend || now - entry.readAt > (cache?.maxAgeMs ?? 0)) return undefined;
  return entry as Extract<CachedState, { backend: B }>;
}
