/**
 * The front end's fast path (plain values from the parser, JSON.parse for JSON, exact checks for
 * the common kinds, positions only when a diagnostic asks) changes nothing: for random documents,
 * valid and damaged, in every form the loader reads, `loadModel` and `loadDocuments` give the same
 * model (origins included: every lazily built tree is compared with the eager one), the same
 * documents and values, and the same diagnostics as the positioned path.
 *
 * The documents are the fuzz clusters' resources (test/fuzz), damaged (nulls, wrong types,
 * unknown fields, awkward scalars) and spelled in random YAML styles (YAML 1.1 scalars left
 * plain, anchors, aliases, merge keys, tags, duplicate keys, block scalars, flow collections) or
 * as JSON (kubectl's List with JSON-level damage: duplicate keys, -0, big integers, escapes),
 * with CRLF line breaks and byte order marks. The run's settings (a default namespace, kinds to
 * skip) are applied alike on both paths, and `decodeDocument` reads a fast document as its tree.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateResources } from "../bench/generateCluster.js";
import { sortDiagnostics } from "../src/diagnostics/diagnostic.js";
import { loadDocuments } from "../src/model/load/loadDocuments.js";
import { lazyTreeCounts } from "../src/model/load/lazyTree.js";
import { toPlain } from "../src/model/load/toPlain.js";
import { loadModel, type LoadOptions } from "../src/model/loadModel.js";
import { decodeDocument } from "../src/model/validate/validateDocument.js";
import type { SourceFile } from "../src/model/yamlTree.js";
import { clusterArb } from "./fuzz/randomCluster.js";
import { fuzzRuns, fuzzSeed } from "./fuzz/settings.js";
import { damageJson, emitYaml, lineForms, mutate, rng } from "./helpers/yamlForms.js";

/** Asserts that both paths load `files` the same way (with the run's `settings`). */
function expectSamePaths(files: readonly SourceFile[], settings: Pick<LoadOptions, "defaultNamespace" | "skipKinds"> = {}): void {
  const eager = loadDocuments(files);
  const lazy = loadDocuments(files, { positions: "lazy" });
  expect(sortDiagnostics(lazy.diagnostics)).toEqual(sortDiagnostics(eager.diagnostics));
  expect(lazy.documents.length).toBe(eager.documents.length);
  lazy.documents.forEach((doc, i) => {
    const reference = eager.documents[i]!;
    expect([doc.file, doc.index]).toEqual([reference.file, reference.index]);
    if (doc.fast) {
      expect(doc.fast.plain).toEqual(toPlain(reference.node));
      expect(doc.fast.locator.span()).toEqual(reference.node.span);
    }
    expect(decodeDocument(doc, settings)).toEqual(decodeDocument(reference, settings));
    expect(doc.node).toEqual(reference.node);
  });
  const eagerModel = loadModel(files, { ...settings, positions: "eager" });
  const lazyModel = loadModel(files, { ...settings, positions: "lazy" });
  expect(lazyModel.diagnostics).toEqual(eagerModel.diagnostics);
  expect(lazyModel.skipped).toBe(eagerModel.skipped);
  // Reads every origin's `span` and `node`, building each lazy tree.
  expect(lazyModel.model).toEqual(eagerModel.model);
}

type Form = "yaml-stream" | "yaml-list" | "yaml-sequence" | "json-list" | "json-stream" | "json-array";

/** `resources` written in `form`, damaged and styled by `seed`. */
function render(resources: readonly object[], form: Form, seed: number, damage: number): string {
  const rand = rng(seed);
  const docs = resources.map((r) => (rand() < damage ? mutate(r, rand, 0.3) : r));
  const oddity = rand() < 0.5 ? 0 : damage / 2;
  switch (form) {
    case "yaml-stream":
      return lineForms(docs.map((d) => `${rand() < 0.3 ? "---\n" : ""}${emitYaml(d, rand, { oddity })}`).join("---\n"), rand);
    case "yaml-list":
      return lineForms(emitYaml({ apiVersion: "v1", kind: "List", items: docs, metadata: { resourceVersion: "" } }, rand, { oddity }), rand);
    case "yaml-sequence":
      return lineForms(emitYaml(docs, rand, { oddity }), rand);
    case "json-list":
      return lineForms(damageJson(JSON.stringify({ apiVersion: "v1", kind: "List", items: docs, metadata: { resourceVersion: "" } }, null, 4), rand, damage), rand);
    case "json-stream":
      return lineForms(docs.map((d) => damageJson(JSON.stringify(d, null, rand() < 0.5 ? 2 : undefined), rand, damage)).join("\n---\n"), rand);
    case "json-array":
      return lineForms(damageJson(JSON.stringify(docs), rand, damage), rand);
  }
}

const seed = fuzzSeed();
const runs = Math.max(20, Math.round(fuzzRuns() / 10));
/** The run's settings (`-n`, `--skip-kinds`), none in half the runs. */
const runSettings: readonly Pick<LoadOptions, "defaultNamespace" | "skipKinds">[] = [
  {},
  {},
  { defaultNamespace: "team-b" },
  { skipKinds: ["Pod", "GlobalNetworkPolicy"] },
  { defaultNamespace: "ns-1", skipKinds: ["Namespace", "NetworkPolicy"] },
];
const forms: readonly Form[] = ["yaml-stream", "yaml-list", "yaml-sequence", "json-list", "json-stream", "json-array"];

describe("the fast path loads as the positioned path does", () => {
  it(`on random clusters in every form, valid and damaged (${runs} runs, seed ${seed})`, { timeout: Math.max(120_000, runs * 1000) }, () => {
    const before = { ...lazyTreeCounts };
    fc.assert(
      fc.property(
        clusterArb(),
        fc.constantFrom(...forms),
        fc.integer(),
        fc.constantFrom(0, 0.2, 0.6),
        fc.constantFrom(...runSettings),
        (cluster, form, styleSeed, damage, settings) => {
          const text = render(cluster.resources, form, styleSeed, damage);
          expectSamePaths([{ path: `cluster.${form.startsWith("json") ? "json" : "yaml"}`, text }], settings);
        },
      ),
      { seed, numRuns: runs },
    );
    // The resources' own text parses alone: the last resort (a whole file again) is never needed.
    expect(lazyTreeCounts.file).toBe(before.file);
    expect(lazyTreeCounts.piece).toBeGreaterThan(before.piece);
  });

  it("on a stream big enough to be parsed in batches, and on its kubectl JSON export", { timeout: 120_000 }, () => {
    const resources = generateResources({ name: "batches", namespaces: 20, pods: 8_000, localPods: 10, policies: 600 });
    // Damage a few documents so that some of them need positions.
    const rand = rng(7);
    const damaged = resources.map((r, i) => (i % 500 === 7 ? mutate(r, rand, 0.5) : r));
    const yaml = damaged.map((d) => emitYaml(d, rand, { oddity: 0.01 })).join("---\n");
    expect(yaml.length).toBeGreaterThan(4 << 20);
    expectSamePaths([{ path: "big.yaml", text: yaml }]);
    expectSamePaths([{ path: "big.json", text: JSON.stringify({ apiVersion: "v1", kind: "List", items: damaged }, null, 4) }]);
  });
});
