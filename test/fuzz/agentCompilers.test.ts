/**
 * The agent's incremental compiler against its full one, through etcd as the agent sees it: the
 * fuzzer's clusters and change sequences (modelChanges.ts) stored in Calico's etcdv3 layout
 * (toStoredResources), each change a batch of etcd puts and deletes, with bad values and two
 * keys holding one resource mixed in. After every batch both compilers must give the same
 * IR and diagnostics, and the incremental delta must be diffIr of the IRs before and after.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fullCompiler, incrementalCompiler } from "../../src/agent/compilers.js";
import { EtcdModel } from "../../src/agent/etcdModel.js";
import { diffIr } from "../../src/compiler/ir/delta.js";
import { printIr } from "../../src/compiler/ir/print.js";
import type { Ir } from "../../src/compiler/ir/types.js";
import { resourceKey as etcdKey } from "../../src/datastore/keys.js";
import { toStoredResources } from "../../src/datastore/toStored.js";
import { loadModelFromObjects } from "../../src/model/loadModel.js";
import { resourceKey } from "../../src/model/resourceKey.js";
import type { Resource } from "../../src/model/types.js";
import { applyRecipe, type Doc, recipeArb } from "./modelChanges.js";
import { clusterArb, FUZZ_NODE } from "./randomCluster.js";
import { fuzzSeed } from "./settings.js";

const PREFIX = "/calico";

/** What etcd holds for a set of documents: key to JSON value. */
function stored(docs: readonly Doc[]): Map<string, string> {
  const resources: Resource[] = [];
  const byResource = new Map<Resource, Doc>();
  for (const doc of docs) {
    const { model, diagnostics } = loadModelFromObjects([doc]);
    const r = model.resources[0];
    if (!r || diagnostics.some((d) => d.severity === "error")) continue;
    resources.push(r);
    byResource.set(r, doc);
  }
  const out = new Map<string, string>();
  for (const s of toStoredResources(resources, (r) => byResource.get(r), PREFIX).resources) out.set(s.key, JSON.stringify(s.value));
  return out;
}

/** Writes that are not resources the compiler can use, as etcd may hold them. */
const noiseArb = fc.oneof(
  fc.record({ key: fc.constantFrom("bad-1", "bad-2"), value: fc.constantFrom("{not json", "[]", '{"kind":"GlobalNetworkPolicy"}') }).map(({ key, value }) => ({
    key: etcdKey("GlobalNetworkPolicy", key, undefined, PREFIX),
    value,
  })),
  // A value whose name is not its key's: two keys then hold one resource.
  fc.constantFrom("app == 'a'", "app = 'a'", "all()").map((selector) => ({
    key: etcdKey("GlobalNetworkPolicy", "dup-elsewhere", undefined, PREFIX),
    value: JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "dup" }, spec: { selector, order: 5, ingress: [{ action: "Deny" }] } }),
  })),
  fc.constantFrom("all()", "has(app)").map((selector) => ({
    key: etcdKey("GlobalNetworkPolicy", "dup", undefined, PREFIX),
    value: JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "dup" }, spec: { selector, order: 7, egress: [{ action: "Allow" }] } }),
  })),
);

const stepArb = fc.oneof({ weight: 4, arbitrary: fc.array(recipeArb, { minLength: 1, maxLength: 3 }).map((recipes) => ({ recipes, noise: [] as { key: string; value: string }[], drop: [] as number[] })) }, {
  weight: 1,
  arbitrary: fc.record({ recipes: fc.constant([]), noise: fc.array(noiseArb, { maxLength: 2 }), drop: fc.array(fc.nat(), { maxLength: 2 }) }),
});

describe("the agent's incremental compiler", () => {
  it("agrees with the full compile of its store after every batch of etcd changes", { timeout: 240_000 }, () => {
    fc.assert(
      fc.property(clusterArb(), fc.array(stepArb, { minLength: 1, maxLength: 8 }), (cluster, steps) => {
        let docs = cluster.resources as Doc[];
        const store = new EtcdModel(PREFIX);
        const incremental = incrementalCompiler(FUZZ_NODE);
        const full = fullCompiler(FUZZ_NODE);
        let etcd = new Map<string, string>();
        const noise = new Map<string, string>();
        let previous: Ir | undefined;
        const batches = [{ recipes: [], noise: [], drop: [] }, ...steps];
        for (const [i, step] of batches.entries()) {
          for (const recipe of step.recipes) {
            const change = applyRecipe(docs, recipe);
            if (!change) continue;
            const doc = "upsert" in change ? change.upsert : change.delete;
            const same = (d: Doc): boolean => resourceKey(d as never) === resourceKey(doc as never);
            docs = "upsert" in change ? [...docs.filter((d) => !same(d)), doc] : docs.filter((d) => !same(d));
          }
          for (const n of step.noise) noise.set(n.key, n.value);
          const noiseKeys = [...noise.keys()];
          for (const d of step.drop) if (noiseKeys.length > 0) noise.delete(noiseKeys[d % noiseKeys.length]!);
          const next = new Map([...stored(docs), ...noise]);
          const changed = new Set<string>();
          for (const [k, v] of next) if (etcd.get(k) !== v && store.put(k, v)) changed.add(k);
          for (const k of etcd.keys()) if (!next.has(k) && store.delete(k)) changed.add(k);
          etcd = next;
          const a = incremental.compile(store, changed);
          const b = full.compile(store, changed);
          const what = `batch ${i}`;
          expect(printIr(a.ir), what).toBe(printIr(b.ir));
          expect(a.diagnostics, what).toEqual(b.diagnostics);
          if (previous) expect(a.delta, what).toEqual(diffIr(previous, a.ir));
          previous = a.ir;
        }
      }),
      { seed: fuzzSeed(), numRuns: 60 },
    );
  });
});
