/**
 * What an apply knows of the kernel before it plans, and where that knowledge came from. Both
 * backends plan from such a view; the source says how far it can be trusted:
 * - `read`: the kernel was read whole just now;
 * - `cache`: the agent's memory of what its last apply left (memory/cache.ts), not re-read;
 * - `ledger`: what the last apply recorded (memory/ledger.ts, memory/nftLedger.ts), checked with
 *   cheap probes; the parts a plan changes are read before planning, the rest is known by digest;
 * - `empty`: nothing read, a node where nothing is written yet (what `compile --dry-run` plans
 *   against).
 */
import { assertNever } from "../../diagnostics/assertNever.js";

export type KernelSource = "read" | "cache" | "ledger" | "empty";

export interface KernelView<K> {
  readonly source: KernelSource;
  /** The kernel state, in the backend's terms. */
  readonly kernel: K;
  /** When the kernel was last read whole (ms since the epoch, by the apply's clock). */
  readonly readAt: number;
}

/**
 * Whether a plan made from a view of this source that failed (and was rolled back) is worth one
 * more try from a whole read: a remembered view may be stale (someone changed the kernel behind
 * our back), which a read repairs, as Felix re-reads before retrying. A plan from a read that
 * failed would fail the same way again.
 */
export function worthRereading(source: KernelSource): boolean {
  switch (source) {
    case "read":
    case "empty":
      return false;
    case "cache":
    case "ledger":
      return true;
    default:
      return assertNever(source, "kernel source");
  }
}
