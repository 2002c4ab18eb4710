/**
 * The incremental compiler against the full compile: random clusters (the fuzzer's), then random
 * sequences of changes (modelChanges.ts) applied one batch at a time. After every update the
 * incremental IR must be deep-equal to `compileModel` of the same model, its delta equal to
 * `diffIr` of the IRs before and after, and its diagnostics equal to the full compile's.
 * Seeded: CI runs the fixed seed; FUZZ_SEED and INCREMENTAL_RUNS explore further.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileModel, type CompileOptions } from "../../src/compiler/compile.js";
import { createCompiler, type UpdateResult } from "../../src/compiler/incremental/createCompiler.js";
import { diffIr } from "../../src/compiler/ir/delta.js";
import { printIr } from "../../src/compiler/ir/print.js";
import type { Ir } from "../../src/compiler/ir/types.js";
import { loadModelFromObjects } from "../../src/model/loadModel.js";
import { resourceKey } from "../../src/model/resourceKey.js";
import type { Model, Resource } from "../../src/model/types.js";
import { applyRecipe, type Doc, recipeArb } from "./modelChanges.js";
import { clusterArb, FUZZ_NODE } from "./randomCluster.js";
import { fuzzSeed, incrementalRuns } from "./settings.js";

const seed = fuzzSeed();
const runs = incrementalRuns();

/** The document as a model resource; undefined when it is invalid on its own. */
function validate(doc: object): Resource | undefined {
  const { model, diagnostics } = loadModelFromObjects([doc]);
  return diagnostics.some((d) => d.severity === "error") ? undefined : model.resources[0];
}

const optionsArb: fc.Arbitrary<CompileOptions> = fc.constantFrom<CompileOptions>(
  { node: FUZZ_NODE },
  { node: FUZZ_NODE },
  { node: FUZZ_NODE },
  { node: FUZZ_NODE, optimize: false },
  {},
);

/** The update must give the full compile's IR and diagnostics, and the reference delta. */
function expectFullCompile(result: UpdateResult, before: Ir, model: Model, options: CompileOptions, what: string): void {
  const want = compileModel(model, options);
  const got = printIr(result.ir);
  if (got !== printIr(want.ir)) expect(got, what).toBe(printIr(want.ir));
  expect(result.ir, what).toEqual(want.ir);
  expect(result.delta, what).toEqual(diffIr(before, result.ir));
  expect(result.diagnostics, what).toEqual(want.diagnostics);
}

describe("incremental compile vs full compile", () => {
  it(`agrees after every change (${runs} sequences, seed ${seed})`, { timeout: Math.max(300_000, runs * 1000) }, () => {
    let changes = 0;
    let invalid = 0;
    const batches = fc.array(fc.array(recipeArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(clusterArb(), batches, optionsArb, (cluster, recipes, options) => {
        const held = new Map<string, { doc: Doc; resource: Resource }>();
        for (const doc of cluster.resources) {
          const r = validate(doc);
          if (r && !held.has(resourceKey(r))) held.set(resourceKey(r), { doc: doc as Doc, resource: r });
        }
        const model = (): Model => ({ resources: [...held.values()].map((h) => h.resource) });
        const compiler = createCompiler(options);
        let before = compiler.ir;
        const log: string[] = ["load"];
        expectFullCompile(compiler.load(model()), before, model(), options, log.join("\n"));
        for (const batch of recipes) {
          before = compiler.ir;
          const applied = [];
          for (const recipe of batch) {
            const change = applyRecipe([...held.values()].map((h) => h.doc), recipe);
            if (!change) continue;
            if ("upsert" in change) {
              const r = validate(change.upsert);
              if (!r) {
                invalid++;
                continue;
              }
              held.set(resourceKey(r), { doc: change.upsert, resource: r });
              applied.push({ upsert: r });
            } else {
              const [key, h] = [...held].find(([, x]) => x.doc === change.delete)!;
              held.delete(key);
              applied.push({ delete: h.resource });
            }
            log.push(JSON.stringify(change));
          }
          changes += applied.length;
          expectFullCompile(compiler.update(applied), before, model(), options, log.join("\n"));
        }
      }),
      { seed, numRuns: runs, endOnFailure: process.env.POLICYC_FUZZ_SHRINK === undefined },
    );
    // The generators are meant to produce valid changes; a few rejections would hide coverage.
    if (process.env.INCREMENTAL_VERBOSE) console.log({ changes, invalid });
    expect(invalid).toBeLessThan(changes / 20);
    expect(changes).toBeGreaterThan(runs * 5);
  });
});
