/**
 * The recogniser (`src/model/load/scanPlain.ts`) reads exactly what js-yaml's events read, and
 * leaves to js-yaml everything it does not: for random resources written by js-yaml's own dumper
 * in its many styles and by the fuzz emitter, then damaged character by character (indentation,
 * colons, dashes, quotes, brackets, comments, markers), the documents loaded with the recogniser
 * equal those loaded with js-yaml's events alone (values, spans, exotic flags, diagnostics) and
 * those of the positioned path. `test/fastPath.test.ts` covers the rest of the front end.
 */
import fc from "fast-check";
import { dump } from "js-yaml";
import { describe, expect, it } from "vitest";
import { generateYaml } from "../bench/generateCluster.js";
import { sortDiagnostics } from "../src/diagnostics/diagnostic.js";
import { loadDocuments } from "../src/model/load/loadDocuments.js";
import { ScanCache, scannable, scanPlain } from "../src/model/load/scanPlain.js";
import { toPlain } from "../src/model/load/toPlain.js";
import type { SourceFile } from "../src/model/yamlTree.js";
import { clusterArb } from "./fuzz/randomCluster.js";
import { fuzzRuns, fuzzSeed } from "./fuzz/settings.js";
import { emitYaml, mutate, rng } from "./helpers/yamlForms.js";

/** Loads `text` three ways and expects the same documents; returns how many the recogniser read. */
function expectSame(text: string): number {
  const files: SourceFile[] = [{ path: "f.yaml", text }];
  const scanned = loadDocuments(files, { positions: "lazy" });
  const events = loadDocuments(files, { positions: "lazy", recogniser: false });
  const eager = loadDocuments(files);
  expect(sortDiagnostics(scanned.diagnostics)).toEqual(sortDiagnostics(events.diagnostics));
  expect(sortDiagnostics(scanned.diagnostics)).toEqual(sortDiagnostics(eager.diagnostics));
  expect(scanned.documents.length).toBe(events.documents.length);
  scanned.documents.forEach((doc, i) => {
    const other = events.documents[i]!;
    const reference = eager.documents[i]!;
    expect([doc.file, doc.index]).toEqual([other.file, other.index]);
    if (doc.fast && other.fast) {
      expect(doc.fast.plain).toEqual(other.fast.plain);
      expect(doc.fast.exotic).toBe(other.fast.exotic);
      expect(doc.fast.locator.span()).toEqual(other.fast.locator.span());
    }
    if (doc.fast) {
      expect(doc.fast.plain).toEqual(toPlain(reference.node));
      expect(doc.fast.locator.span()).toEqual(reference.node.span);
    }
    expect(doc.node).toEqual(reference.node);
  });
  return scanPlain(text, 0, new ScanCache(text.length)).filter((d) => d.ok).length;
}

/** Scalars that a recogniser could misread: YAML 1.1 types, indicators, comments, quotes. */
const awkward = ["yes", "No", "on", "~", "null", "0x1F", "1_000", "1e3", ".5", "-1", "-x", "- x", "a: b", "a:b", "a #b", "a#b", "#x", "'", '"', "it's", "[x]", "{x}", "a, b", "@x", "`x", "%x", "!x", "&x", "*x", "|", ">", "?x", ": x", "\\", "été", "12:30", "2001-12-14", "", " a", "a ", "<<", "__proto__", "toString", "---", "...", "a\nb"];

const keyPool = ["apiVersion", "kind", "name", "items", "yes", "on", "1", "0x10", "1.5", "~", "a b", "a:b", "-k", "'q'", "k#", "toString", "__proto__", "<<", "é", "x y z"];

/** A random value: mappings, sequences and awkward scalars, a few levels deep. */
function randomValue(rand: () => number, depth: number): unknown {
  const r = rand();
  if (depth > 3 || r < 0.45) {
    const s = rand();
    if (s < 0.5) return awkward[Math.floor(rand() * awkward.length)];
    if (s < 0.65) return Math.floor(rand() * 2000) - 100;
    if (s < 0.72) return rand() < 0.5;
    if (s < 0.78) return null;
    if (s < 0.84) return rand() * 100;
    return `v${Math.floor(rand() * 50)}`;
  }
  if (r < 0.7) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const map: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 5); i > 0; i--) {
    // An own property even for `__proto__`.
    Object.defineProperty(map, keyPool[Math.floor(rand() * keyPool.length)]!, { value: randomValue(rand, depth + 1), enumerable: true, writable: true, configurable: true });
  }
  return map;
}

/** js-yaml's dumper in a random style. */
function dumpStyled(value: unknown, rand: () => number): string {
  const options = {
    indent: 1 + Math.floor(rand() * 4),
    noArrayIndent: rand() < 0.5,
    flowLevel: rand() < 0.6 ? -1 : Math.floor(rand() * 4),
    quotingType: rand() < 0.5 ? "'" : '"',
    forceQuotes: rand() < 0.15,
    lineWidth: rand() < 0.8 ? -1 : 20,
    condenseFlow: rand() < 0.2,
  };
  try {
    return dump(value, options);
  } catch {
    // A value the dumper refuses (an own `__proto__` key): JSON, which is YAML too.
    return `${JSON.stringify(value)}\n`;
  }
}

/** Characters whose insertion or removal changes YAML's structure. */
const edits = [" ", "  ", "\n", "-", "- ", ":", ": ", "#", " #", '"', "'", "[", "]", "{", "}", ",", "a", "|", "&a ", "*a", "!", "?", "---\n", "\n---\n", "~", "\\"];

/** Damages text character by character: a few insertions, deletions and swaps at random places. */
function damage(text: string, rand: () => number, count: number): string {
  let out = text;
  for (let i = 0; i < count; i++) {
    const at = Math.floor(rand() * (out.length + 1));
    const r = rand();
    if (r < 0.5) out = out.slice(0, at) + edits[Math.floor(rand() * edits.length)] + out.slice(at);
    else if (r < 0.8) out = out.slice(0, at) + out.slice(at + 1 + Math.floor(rand() * 3));
    else {
      const nl = out.lastIndexOf("\n", at - 1) + 1;
      out = `${out.slice(0, nl)}${rand() < 0.5 ? " " : ""}${out.slice(nl + (rand() < 0.5 ? 1 : 0))}`;
    }
  }
  return out;
}

const seed = fuzzSeed();
const runs = Math.max(40, Math.round(fuzzRuns() / 3));

describe("scanPlain: the recogniser reads what js-yaml reads", () => {
  it("on random values in js-yaml's dump styles, damaged or not (property)", () => {
    let read = 0;
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 6 }), (s, docs, edits) => {
        const rand = rng(s);
        const parts = Array.from({ length: docs }, () => {
          const value = randomValue(rand, 0);
          const resource = rand() < 0.7 && value !== null && typeof value === "object" ? { apiVersion: "v1", kind: rand() < 0.2 ? "List" : "Pod", items: value } : value;
          return dumpStyled(resource, rand);
        });
        const text = parts.map((p) => (rand() < 0.3 ? `# c\n${p}` : p)).join(rand() < 0.5 ? "---\n" : "--- # x\n");
        read += expectSame(rand() < 0.5 ? text : damage(text, rand, edits));
      }),
      { seed, numRuns: runs * 2 },
    );
    // The test must exercise the recogniser, not only its bail-outs.
    expect(read).toBeGreaterThan(runs / 4);
  }, 180_000);

  it("on the fuzz clusters' resources as tools write them, damaged or not (property)", () => {
    let read = 0;
    fc.assert(
      fc.property(clusterArb(), fc.integer(), fc.integer({ min: 0, max: 8 }), (cluster, s, edits) => {
        const rand = rng(s);
        const docs = cluster.resources.map((r) => (rand() < 0.2 ? mutate(r, rand, 0.3) : r));
        const text = docs.map((d) => (rand() < 0.5 ? dumpStyled(d, rand) : emitYaml(d, rand, { oddity: rand() < 0.5 ? 0 : 0.2 }))).join("---\n");
        read += expectSame(rand() < 0.5 ? text : damage(text, rand, edits));
      }),
      { seed, numRuns: Math.ceil(runs / 2) },
    );
    expect(read).toBeGreaterThan(runs / 2);
  }, 180_000);

  it("leaves to js-yaml whole the texts with characters or markers it does not read", () => {
    for (const text of ["a: é\n", "a: 😀\n", "a: b\n"]) expect(scannable(text), text).toBe(true);
    for (const text of ["a:\tb\n", "a: b\r\n", "a: \uFEFFb\n", "a: \uD800\n", "a: \u0085\n", "a: \u2028\n", "a: \x7F\n", "%YAML 1.1\n---\na: b\n", "a: b\n...\n"]) {
      expect(scannable(text), JSON.stringify(text)).toBe(false);
      expectSame(text);
    }
  });

  it("reads every document of the benchmark's generated cluster, and all of kubectl's usual forms", () => {
    const text = generateYaml({ name: "t", namespaces: 3, pods: 60, localPods: 5, policies: 15 });
    expect(scannable(text)).toBe(true);
    const forms = [
      "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: a # trailing\n    labels: {app: web, tier: 'x'}\n  spec:\n    containers: [web]\nmetadata:\n  resourceVersion: \"\"\n",
      "- kind: Namespace\n  metadata: {name: a}\n-   kind: Namespace\n    metadata:\n      name: b\n",
      "---\n# only a comment\n---\nkind: Pod\nmetadata:\n    name: 'it''s'\n    annotations:\n        a.b/c: \"x: y\"\n",
      'apiVersion: v1\nkind: Service\nmetadata:\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {"apiVersion":"v1","kind":"Service","metadata":{"annotations":{},"name":"web"}}\n  creationTimestamp: "2024-05-01T10:00:00Z"\n  managedFields:\n  - fieldsV1:\n      f:spec:\n        f:ports:\n          .: {}\n          k:{"port":80,"protocol":"TCP"}:\n            .: {}\n  name: web\nspec:\n  script: |-\n    line one\n\n      indented # not a comment\n  keep: |+\n    x\n\n',
      "kind: Pod\nspec:\n  ports:\n  -\n    port: 80\n  - port: -1\n    name: ~\n  empty:\n  last: [a, \"b\", 1]\n",
    ];
    for (const form of forms) expect(expectSame(form)).toBeGreaterThan(0);
    expectSame(text);
    expect(scanPlain(text, 0, new ScanCache(text.length)).every((d) => d.ok)).toBe(true);
  });
});
