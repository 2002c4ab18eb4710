/**
 * The agent's memory between applies, as Felix keeps its dataplane view:
 * - the kernel: after a successful apply it holds exactly what was planned, so the next apply
 *   can plan against that instead of re-reading (iptables-save of a large ruleset costs more
 *   than writing one changed chain). The view is trusted for `maxAgeMs` (Felix re-reads
 *   iptables every 180 s and ipsets every 90 s by default) and dropped after any failure, so
 *   drift (someone deleting our rules by hand) is repaired at the next refresh;
 * - the last desired state built, with its layout and IR: the next apply builds its desired
 *   state from the IR delta since, when it is given one, rendering only what changed; else it
 *   digests the IR and takes what the last build made of the same IR objects. A build depends
 *   on the IR alone, so it is kept whatever became of its apply.
 * The CLI never uses a cache: it always reads, or trusts its ledger.
 */
import type { IrDelta } from "../../compiler/ir/delta.js";
import type { Ir } from "../../compiler/ir/types.js";
import type { IptablesBuild } from "../state/desiredIptables.js";
import type { NftBuild } from "../state/desiredNftables.js";
import type { IptablesKernel } from "../state/iptablesState.js";
import type { KernelView } from "../state/kernelView.js";
import type { NftTable } from "../state/nftState.js";

/** What the cache holds for each backend: what it knows of the kernel, and its desired-state builds. */
interface Remembered {
  readonly iptables: { readonly kernel: IptablesKernel; readonly build: IptablesBuild };
  readonly nftables: { readonly kernel: readonly NftTable[]; readonly build: NftBuild };
}
type Backend = keyof Remembered;

/** The kernel as the last successful apply left it, per backend. */
export type CachedKernel = { readonly [B in Backend]: { readonly backend: B; readonly kernel: Remembered[B]["kernel"]; readonly readAt: number } }[Backend];

/** The last desired state built, per backend. */
export type CachedBuild = { readonly [B in Backend]: { readonly backend: B; readonly build: Remembered[B]["build"] } }[Backend];

/** A mutable holder the agent passes to every `apply` call. */
export interface ApplyCache {
  readonly maxAgeMs: number;
  entry: CachedKernel | undefined;
  build: CachedBuild | undefined;
}

/** Default trust period: 90 s, Felix's ipset refresh interval (the shorter of its two). */
export function createApplyCache(maxAgeMs = 90_000): ApplyCache {
  return { maxAgeMs, entry: undefined, build: undefined };
}

/** The cached kernel of `backend` as a view, if it is still fresh at `now`. */
export function cachedView<B extends Backend>(cache: ApplyCache | undefined, backend: B, now: number): KernelView<Remembered[B]["kernel"]> | undefined {
  const entry = cache?.entry;
  if (entry === undefined || entry.backend !== backend || now - entry.readAt > (cache?.maxAgeMs ?? 0)) return undefined;
  return { source: "cache", kernel: entry.kernel as Remembered[B]["kernel"], readAt: entry.readAt };
}

/** The last desired state built for `backend`, if any. */
export function cachedBuild<B extends Backend>(cache: ApplyCache | undefined, backend: B): Remembered[B]["build"] | undefined {
  const entry = cache?.build;
  return entry?.backend === backend ? (entry.build as Remembered[B]["build"]) : undefined;
}

/** What changed to reach the IR being applied: `delta` = `diffIr(from, ir)`. */
export interface IrChange {
  readonly from: Ir;
  readonly delta: IrDelta;
}

/**
 * The delta to build from after `build`: `given`, when it starts at the IR `build` was made
 * from. Otherwise none: the next build takes what it can from `build` by digests.
 */
export function usableDelta(build: { readonly ir: Ir }, given: IrChange | undefined): { readonly delta?: IrDelta } {
  return given !== undefined && given.from === build.ir ? { delta: given.delta } : {};
}
