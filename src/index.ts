/**
 * policyc's library API, for a node agent that embeds the compiler. Everything exported here
 * except `apply` (and what it takes: `spawnExec`, `fileLock`, `fileLedgerStore`) is pure: plain
 * data in, plain data out, no processes and no file system.
 *
 *   const { model, diagnostics } = loadModel([{ path: "policy.yaml", text }]);
 *   const { ir } = compileModel(model, { node: "node-1" });
 *   const files = renderIptables(ir); // or renderNftables(ir)
 */
export * from "./diagnostics/index.js";
export type * from "./model/types.js";
export { spanOf, keySpanOf } from "./model/types.js";
export type { LoadedDocument, SourceFile, YNode } from "./model/yamlTree.js";
export {
  parseSelector,
  selectorMatches,
  printSelector,
  selectorId,
  type ParseSelectorOptions,
  type ParseSelectorResult,
} from "./model/selector/index.js";
export { loadDocuments } from "./model/load/index.js";
export { validateDocuments } from "./model/validate/index.js";
export { loadModel, loadModelFromObjects, type LoadModelResult } from "./model/loadModel.js";
export { compileModel, type CompileOptions, type CompileResult } from "./compiler/compile.js";
export type * as ir from "./compiler/ir/types.js";
export type { Ir } from "./compiler/ir/types.js";
export { printIr } from "./compiler/ir/print.js";
export { prepareModel, evaluateFlow, reachabilityMatrix, formatVerdict } from "./semantics/index.js";
export type { Flow, Verdict as FlowVerdict, Step as DecisionStep } from "./semantics/types.js";
export { renderIptables, type OutputFile } from "./backends/iptables/index.js";
export { renderNftables } from "./backends/nftables/index.js";
export {
  apply,
  planForEmptyNode,
  createApplyCache,
  fileLedgerStore,
  memoryLedgerStore,
  spawnExec,
  fileLock,
  noLock,
  formatPlan,
  formatSummary,
  DEFAULT_STATE_DIR,
  DEFAULT_LOCK_PATH,
  type ApplyOptions,
  type ApplyResult,
  type ApplyCache,
  type IrChange,
  type Clock,
  type LedgerStore,
  type Exec,
  type ExecResult,
  type Lock,
  type Plan,
  type PlanStep,
  type PlanSummary,
  DEFAULT_LEDGER_MAX_AGE_MS,
} from "./apply/index.js";
