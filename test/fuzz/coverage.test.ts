/**
 * The generator must keep producing every feature it promises: a few hundred clusters from the
 * fixed seed, each feature counted from the generated resources, each seen a handful of times.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { clusterFeatures, FEATURES, type Feature } from "./coverage.js";
import { clusterArb } from "./randomCluster.js";
import { DEFAULT_SEED } from "./settings.js";

const CLUSTERS = 300;
const AT_LEAST = 5;

describe("fuzz generator coverage", () => {
  it(`exercises every feature at least ${AT_LEAST} times in ${CLUSTERS} clusters`, () => {
    const counts = new Map<Feature, number>(FEATURES.map((f) => [f, 0]));
    for (const cluster of fc.sample(clusterArb(), { seed: DEFAULT_SEED, numRuns: CLUSTERS })) {
      for (const f of clusterFeatures(cluster.resources)) counts.set(f, counts.get(f)! + 1);
    }
    const table = [...counts].map(([f, n]) => `${String(n).padStart(4)}  ${f}`).join("\n");
    const rare = [...counts].filter(([, n]) => n < AT_LEAST).map(([f]) => f);
    expect(rare, `features seen fewer than ${AT_LEAST} times:\n${table}`).toEqual([]);
  });
});
