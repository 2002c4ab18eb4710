/**
 * The apply stage: the only code that runs processes. Read the kernel, plan the difference
 * (pure), execute it with validation and rollback.
 */
export { apply, type ApplyOptions, type ApplyResult } from "./apply.js";
export { spawnExec, type Exec, type ExecResult } from "./exec.js";
export { fileLock, noLock, DEFAULT_LOCK_PATH, type Lock } from "./lock.js";
export { formatPlan, formatSummary, bytesPerTool } from "./formatPlan.js";
export type { Plan, PlanStep, PlanSummary } from "./plan.js";
export { createApplyCache, type ApplyCache } from "./cache.js";
export { fileLedgerStore, memoryLedgerStore, DEFAULT_STATE_DIR, type LedgerStore } from "./ledgerStore.js";
