/**
 * The compilers the agent can follow the store with. `fullCompiler` compiles the whole store on
 * every change and derives the delta with `diffIr`: correct, and the reference the incremental
 * compiler is checked against.
 */
import { compileModel } from "../compiler/compile.js";
import { diffIr } from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import type { AgentCompiler } from "./agent.js";

export function fullCompiler(node: string): AgentCompiler {
  let previous: Ir | undefined;
  return {
    compile(resources) {
      const { ir, diagnostics } = compileModel({ resources }, { node });
      const delta = diffIr(previous ?? ir, ir);
      previous = ir;
      return { ir, delta, diagnostics };
    },
  };
}
