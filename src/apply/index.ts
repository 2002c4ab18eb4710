/**
 * The apply stage: the only code that runs processes. Read the kernel, plan the difference
 * (pure), execute it with validation and rollback.
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
