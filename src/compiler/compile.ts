/**
 * The compile stage (API contract; implementation in progress): the validated model to the IR.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Model } from "../model/types.js";
import type { Ir } from "./ir/types.js";

export interface CompileOptions {
  /** Node whose endpoints are local; absent means every endpoint is local. */
  readonly node?: string;
  /** Run the optimization passes (default true). */
  readonly optimize?: boolean;
}

export interface CompileResult {
  readonly ir: Ir;
  readonly diagnostics: readonly Diagnostic[];
}

/** Compiles a node's complete filter ruleset from the model. */
export function compileModel(_model: Model, _options: CompileOptions = {}): CompileResult {
  throw new Error("not implemented");
}
