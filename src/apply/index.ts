/**
 * The apply stage: the only code that runs processes. Read the kernel (or recall it), work out
 * the desired state, plan the difference (pure), execute it with validation and rollback. This
 * file is its public surface. Inside, one folder per role:
 * - apply.ts: `apply`, which runs the steps of applyBackend.ts (the one backend interface) for
 *   iptablesBackend.ts or nftablesBackend.ts;
 * - kernel/: reading the kernel (whole dumps, cheap probes, the iptables variant);
 * - state/: the kernel and desired states as data, the typed kernel view, the desired-state
 *   builds (whole, from an IR delta, by digests), the parsers of the tools' output;
 * - planning/: the pure planners and the plan's text;
 * - execution/: processes, the clock, the lock, running a plan with rollback;
 * - memory/: what is remembered between applies, the agent's cache and the ledgers;
 * - testing/: fakes for unit tests (an Exec with scripted replies, in-memory iptables + ipset and
 *   nftables kernels), not shipped.
 */
export { apply, planForEmptyNode, DEFAULT_LEDGER_MAX_AGE_MS, type ApplyOptions, type ApplyResult } from "./apply.js";
export { spawnExec, type Exec, type ExecResult } from "./execution/exec.js";
export { fileLock, noLock, DEFAULT_LOCK_PATH, type Lock } from "./execution/lock.js";
export { formatPlan, formatSummary, bytesPerTool } from "./planning/formatPlan.js";
export type { Plan, PlanStep, PlanSummary } from "./planning/plan.js";
export { createApplyCache, type ApplyCache, type IrChange } from "./memory/cache.js";
export { systemClock, type Clock } from "./execution/clock.js";
export type { KernelSource, KernelView } from "./state/kernelView.js";
export type { ApplyBackend } from "./applyBackend.js";
export { fileLedgerStore, memoryLedgerStore, DEFAULT_STATE_DIR, type LedgerStore } from "./memory/ledgerStore.js";
export { readHostInterfaces, parseIpAddrJson } from "./kernel/readHostInterfaces.js";
