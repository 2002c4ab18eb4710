/**
 * The compilers the agent follows its store with.
 *
 * - `incrementalCompiler` (what the agent runs): `createCompiler`, fed only the resources whose
 *   etcd keys changed, so that a change costs what it touches.
 * - `fullCompiler`: compiles the whole store on every change and derives the delta with
 *   `diffIr`; slow, and the reference the incremental one is tested against (compilers.test.ts).
 */
import type { HostInterfaces } from "../calico/index.js";
import { compileModel } from "../compiler/compile.js";
import { needsHostInterfaces } from "../compiler/hostEndpoints.js";
import { createCompiler, type ModelChange } from "../compiler/incremental/createCompiler.js";
import { diffIr } from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import type { Resource } from "../model/types.js";
import type { AgentCompiler } from "./agent.js";

export function fullCompiler(node: string): AgentCompiler {
  let previous: Ir | undefined;
  let needs = false;
  let hostInterfaces: HostInterfaces | undefined;
  return {
    compile(store) {
      const model = { resources: store.resources() };
      needs = needsHostInterfaces(model, node);
      const { ir, diagnostics } = compileModel(model, { node, ...(hostInterfaces ? { hostInterfaces } : {}) });
      const delta = diffIr(previous ?? ir, ir);
      previous = ir;
      return { ir, delta, diagnostics };
    },
    needsHostInterfaces: () => needs,
    setHostInterfaces(interfaces) {
      hostInterfaces = interfaces;
    },
  };
}

export function incrementalCompiler(node: string): AgentCompiler {
  const compiler = createCompiler({ node });
  /** What the compiler holds, by etcd key (the key is the resource's identity, etcdModel.ts). */
  const given = new Map<string, Resource>();
  return {
    compile(store, changed) {
      const changes: ModelChange[] = [];
      for (const key of changed) {
        const now = store.get(key);
        const was = given.get(key);
        if (now === was) continue;
        if (now) given.set(key, now);
        else given.delete(key);
        // An upsert replaces the resource of the same resource key, which only this etcd key holds.
        changes.push(now ? { upsert: now } : { delete: was! });
      }
      return compiler.update(changes);
    },
    needsHostInterfaces: () => compiler.needsHostInterfaces,
    setHostInterfaces: (interfaces) => compiler.setHostInterfaces(interfaces),
  };
}
