/**
 * policyc's library API. Everything here is pure: no processes, no file system.
 */
export * from "./diagnostics/index.js";
export type * from "./model/types.js";
