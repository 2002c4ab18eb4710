/**
 * The compile stage: the validated model to the IR of one node, in Calico Felix's layout, then
 * the IR passes (the legalizing ones always; the optimizing ones unless `optimize: false`).
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Model } from "../model/types.js";
import type { Ir } from "./ir/types.js";
import { buildIr } from "./buildIr.js";
import { runPipeline } from "./passes/index.js";
import { withHostSide } from "./hostSide.js";
import type { HostInterfaces } from "./hostEndpoints.js";

export interface CompileOptions {
  /** Node whose endpoints are local; absent means every endpoint is local. */
  readonly node?: string;
  /** Run the optimization passes (default true). */
  readonly optimize?: boolean;
  /**
   * The node's interfaces and their addresses, for host endpoints that name no interface (Felix
   * binds those by address); absent: such endpoints guard nothing and are reported.
   */
  readonly hostInterfaces?: HostInterfaces;
}

export interface CompileResult {
  readonly ir: Ir;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Compiles a node's complete filter ruleset from the model. Pure and deterministic: the same
 * model gives the same IR (chains, sets and members sorted). Warnings: `no-local-endpoints`,
 * `unresolved-named-port`.
 */
export function compileModel(model: Model, options: CompileOptions = {}): CompileResult {
  const optimize = options.optimize !== false;
  const built = buildIr(model, options.node, optimize, options.hostInterfaces);
  return { ir: withHostSide(runPipeline(built.ir, optimize), built.hostSide), diagnostics: built.diagnostics };
}
