import { describe, expect, it } from "vitest";
import type { Span } from "../../diagnostics/span.js";
import type { YMapEntry, YNode } from "../yamlTree.js";
import { loadModel } from "../loadModel.js";
import { loadDocuments } from "./loadDocuments.js";
import { toPlain } from "./toPlain.js";

const load = (text: string, path = "f.yaml") => loadDocuments([{ path, text }]);

/** The node at a path of keys and indexes. */
function at(node: YNode, ...path: (string | number)[]): YNode {
  let current = node;
  for (const step of path) {
    if (typeof step === "number" && current.kind === "seq") current = current.items[step]!;
    else if (typeof step === "string" && current.kind === "map") current = entry(current, step).value;
    else throw new Error(`no ${String(step)} in ${current.kind}`);
  }
  return current;
}

function entry(node: YNode, key: string): YMapEntry {
  if (node.kind !== "map") throw new Error("not a map");
  const found = node.entries.find((e) => e.key === key);
  if (!found) throw new Error(`no key ${key}`);
  return found;
}

/** The source text a span covers. */
const cover = (text: string, s: Span): string => text.slice(s.start, s.end);

describe("loadDocuments: positions", () => {
  it("spans keys and values in block style", () => {
    const text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  labels:\n    app: 'x'\nspec:\n  ports:\n  - 80\n  - \"http\"\n";
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    const doc = r.documents[0]!;
    expect(doc).toMatchObject({ file: "f.yaml", index: 0 });
    expect(doc.node.span).toEqual({ file: "f.yaml", start: 0, end: text.length - 1 });
    const metadata = entry(doc.node, "metadata");
    expect(cover(text, metadata.keySpan)).toBe("metadata");
    expect(metadata.keySpan).toEqual({ file: "f.yaml", start: 25, end: 33 });
    expect(cover(text, metadata.value.span)).toBe("name: web\n  labels:\n    app: 'x'");
    expect(cover(text, entry(at(doc.node, "metadata"), "name").keySpan)).toBe("name");
    expect(cover(text, at(doc.node, "metadata", "name").span)).toBe("web");
    expect(cover(text, at(doc.node, "metadata", "labels", "app").span)).toBe("'x'");
    expect(cover(text, at(doc.node, "spec", "ports").span)).toBe('- 80\n  - "http"');
    expect(at(doc.node, "spec", "ports", 0)).toEqual({ kind: "scalar", value: 80, style: "plain", span: { file: "f.yaml", start: 89, end: 91 } });
    expect(at(doc.node, "spec", "ports", 1)).toMatchObject({ value: "http", style: "double" });
    expect(cover(text, at(doc.node, "spec", "ports", 1).span)).toBe('"http"');
  });

  it("spans keys and values in flow style, including the brackets", () => {
    const text = 'a: {b: [1, "two" , {c: d}] , e: {}}\nf: [ ]\n';
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    const root = r.documents[0]!.node;
    expect(cover(text, at(root, "a").span)).toBe('{b: [1, "two" , {c: d}] , e: {}}');
    expect(cover(text, at(root, "a", "b").span)).toBe('[1, "two" , {c: d}]');
    expect(cover(text, at(root, "a", "b", 2).span)).toBe("{c: d}");
    expect(cover(text, entry(at(root, "a", "b", 2), "c").keySpan)).toBe("c");
    expect(cover(text, at(root, "a", "e").span)).toBe("{}");
    expect(cover(text, at(root, "f").span)).toBe("[ ]");
    expect(toPlain(root)).toEqual({ a: { b: [1, "two", { c: "d" }], e: {} }, f: [] });
  });

  it("spans flow collections across lines with comments", () => {
    const text = "a: [\n  1, # one\n  2 # two\n ]\n";
    const root = load(text).documents[0]!.node;
    expect(cover(text, at(root, "a").span)).toBe("[\n  1, # one\n  2 # two\n ]");
  });

  it("spans block scalars from their indicator", () => {
    const text = "a: |-  # note | here\n  x\n  y\nb: >\n  z\n";
    const root = load(text).documents[0]!.node;
    expect(at(root, "a")).toMatchObject({ value: "x\ny", style: "literal" });
    expect(cover(text, at(root, "a").span)).toBe("|-  # note | here\n  x\n  y\n");
    expect(at(root, "b")).toMatchObject({ value: "z\n", style: "folded" });
    expect(cover(text, at(root, "b").span)).toBe(">\n  z\n");
  });

  it("gives empty values a zero-width span after the colon", () => {
    const text = "a:\nb: !!str\n";
    const root = load(text).documents[0]!.node;
    expect(at(root, "a")).toEqual({ kind: "scalar", value: null, style: "plain", span: { file: "f.yaml", start: 2, end: 2 } });
    expect(at(root, "b")).toMatchObject({ value: "" });
  });

  it("resolves plain scalars as go-yaml v2 does (YAML 1.1) and keeps quoted ones strings", () => {
    const text = "a: 80\nb: '80'\nc: true\nd: yes\ne: ~\nf: null\ng: 1.5\nh: 0x10\ni: .inf\nj: !!str 80\nk: !!int '12'\nl: 0o17\nm: on\n";
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect(toPlain(r.documents[0]!.node)).toEqual({
      a: 80,
      b: "80",
      c: true,
      d: true,
      e: null,
      f: null,
      g: 1.5,
      h: 16,
      i: Infinity,
      j: "80",
      k: 12,
      l: 15,
      m: true,
    });
  });

  it("reports a bad explicit tag at the tag", () => {
    const text = "a: !!int x\nb: !custom y\n";
    const r = load(text);
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!)])).toEqual([
      ["yaml-syntax", "!!int"],
      ["yaml-syntax", "!custom"],
    ]);
  });

  it("loads JSON, including tab-indented JSON", () => {
    const text = '{\n\t"kind": "Pod",\n\t"spec": {"ports": [80, "x"]}\n}\n';
    const r = load(text, "pod.json");
    expect(r.diagnostics).toEqual([]);
    expect(toPlain(r.documents[0]!.node)).toEqual({ kind: "Pod", spec: { ports: [80, "x"] } });
    expect(entry(r.documents[0]!.node, "kind").keySpan).toEqual({ file: "pod.json", start: 3, end: 9 });
    expect(r.documents[0]!.node.span).toEqual({ file: "pod.json", start: 0, end: text.length - 1 });
  });

  it("keeps keys as their text", () => {
    const text = "80: a\ntrue: b\n'q': c\n";
    expect(toPlain(load(text).documents[0]!.node)).toEqual({ "80": "a", true: "b", q: "c" });
  });

  it("makes plain keys the JSON keys Kubernetes makes of them (go-yaml v2, then sigs.k8s.io/yaml)", () => {
    const text = "y: a\nOff: b\n0x10: c\n1_000: d\n1.0: e\n1e6: f\n0.1: g\n.inf: h\n'y': i\n\"on\": j\n2001-12-14: k\n";
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect(toPlain(r.documents[0]!.node)).toEqual({
      true: "a",
      false: "b",
      "16": "c",
      "1000": "d",
      "1": "e",
      "1e+06": "f",
      "0.1": "g",
      ".inf": "h",
      y: "i",
      on: "j",
      "2001-12-14": "k",
    });
  });

  it("reports keys Kubernetes cannot make a JSON key of, and keys that collide once converted", () => {
    const text = "~: a\nnull: b\n18446744073709551615: c\nyes: d\ntrue: e\n";
    const r = load(text);
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!)])).toEqual([
      ["yaml-syntax", "~"],
      ["yaml-syntax", "null"],
      ["yaml-syntax", "18446744073709551615"],
      ["yaml-duplicate-key", "true"],
    ]);
  });

  it("handles CRLF line ends", () => {
    const text = "a: 1\r\nb: |\r\n  x\r\n  y\r\nc: z\r\n";
    const root = load(text).documents[0]!.node;
    expect(toPlain(root)).toEqual({ a: 1, b: "x\ny\n", c: "z" });
    expect(cover(text, at(root, "c").span)).toBe("z");
  });
});

describe("loadDocuments: documents", () => {
  it("loads every document of a stream and skips empty ones", () => {
    const text = "---\na: 1\n---\n# only a comment\n---\n~\n---\nb: 2\n...\n---\nc: 3\n";
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.documents.map((d) => [d.index, toPlain(d.node)])).toEqual([
      [0, { a: 1 }],
      [1, { b: 2 }],
      [2, { c: 3 }],
    ]);
    expect(cover(text, r.documents[1]!.node.span)).toBe("b: 2");
  });

  it("reports documents that are not mappings", () => {
    const text = "- a\n---\nhello\n---\n'x'\n";
    const r = load(text);
    expect(r.documents).toEqual([]);
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!)])).toEqual([
      ["document-not-object", "a"],
      ["document-not-object", "hello"],
      ["document-not-object", "'x'"],
    ]);
  });

  it("takes each item of a top-level sequence as a resource, as calicoctl does", () => {
    const text = [
      "- apiVersion: projectcalico.org/v3",
      "  kind: GlobalNetworkPolicy",
      "  metadata: {name: a}",
      "- {kind: B}",
      "- 7",
      "- [x]",
      "- ~",
      "- kind: List",
      "  items: [{kind: C}]",
      "---",
      "kind: D",
      "---",
      "[]",
      "",
    ].join("\n");
    const r = load(text);
    expect(r.documents.map((d) => [d.index, toPlain(d.node)])).toEqual([
      [0, { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "a" } }],
      [1, { kind: "B" }],
      [2, { kind: "C" }],
      [3, { kind: "D" }],
    ]);
    expect(cover(text, r.documents[1]!.node.span)).toBe("{kind: B}");
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!), d.message])).toEqual([
      ["document-not-object", "7", "an item of a top-level sequence must be a mapping (a Kubernetes or Calico resource), not the scalar 7"],
      ["document-not-object", "[x]", "an item of a top-level sequence must be a mapping (a Kubernetes or Calico resource), not a sequence"],
      ["document-not-object", "~", "an item of a top-level sequence must be a mapping (a Kubernetes or Calico resource), not null"],
    ]);
  });

  it("loads list wrappers with null, empty or no items as zero resources, silently", () => {
    const text = ["apiVersion: v1", "kind: List", "items:", "---", "kind: List", "items: []", "---", "kind: NetworkPolicyList", "items: null", "---", "kind: PodList", "metadata: {}", ""].join("\n");
    expect(load(text)).toEqual({ documents: [], diagnostics: [] });
    expect(loadModel([{ path: "f.yaml", text }])).toEqual({ model: { resources: [] }, diagnostics: [], skipped: 0 });
  });

  it("unwraps kind: List and *List wrappers, counting resources after unwrapping", () => {
    const text = [
      "kind: Pod",
      "---",
      "apiVersion: v1",
      "kind: List",
      "items:",
      "- {kind: A}",
      "- kind: B",
      "- ~",
      "- 7",
      "---",
      "kind: NetworkPolicyList",
      "items: [{kind: C}]",
      "---",
      "kind: WeirdList",
      "items: not-a-sequence",
      "",
    ].join("\n");
    const r = load(text);
    expect(r.documents.map((d) => [d.index, toPlain(d.node)])).toEqual([
      [0, { kind: "Pod" }],
      [1, { kind: "A" }],
      [2, { kind: "B" }],
      [3, { kind: "C" }],
      [4, { kind: "WeirdList", items: "not-a-sequence" }],
    ]);
    expect(cover(text, r.documents[2]!.node.span)).toBe("kind: B");
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!)])).toEqual([["document-not-object", "7"]]);
  });

  it("numbers documents per file and keeps going across files", () => {
    const r = loadDocuments([
      { path: "a.yaml", text: "a: [\n" },
      { path: "b.yaml", text: "x: 1\n---\ny: 2\n" },
    ]);
    expect(r.documents.map((d) => [d.file, d.index])).toEqual([
      ["b.yaml", 0],
      ["b.yaml", 1],
    ]);
    expect(r.diagnostics).toEqual([
      { code: "yaml-syntax", severity: "error", message: expect.stringContaining("invalid YAML"), span: { file: "a.yaml", start: 5, end: 5 } },
    ]);
  });
});

describe("loadDocuments: errors", () => {
  it("reports a syntax error at its exact offset", () => {
    const text = "a: 1\nb: 'unterminated\n";
    const r = load(text);
    expect(r.documents).toEqual([]);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: "yaml-syntax", severity: "error", span: { file: "f.yaml", start: text.length, end: text.length } });
  });

  it("reports a bad indentation at the offending line", () => {
    const text = "a:\n  b: 1\n c: 2\n";
    const r = load(text);
    expect(r.diagnostics[0]).toMatchObject({ code: "yaml-syntax", span: { start: 11 } });
  });

  it("keeps the documents before and after a broken one", () => {
    const text = "a: 1\n---\nb: [1, 2\nc: 3\n---\nd: {e: 4}\n---\nf: : :\n---\ng: 5\n";
    const r = load(text);
    expect(r.documents.map((d) => [d.index, toPlain(d.node)])).toEqual([
      [0, { a: 1 }],
      [1, { d: { e: 4 } }],
      [2, { g: 5 }],
    ]);
    // Spans of the documents after a broken one are offsets into the whole file.
    const d = r.documents[1]!.node;
    expect(cover(text, d.span)).toBe("d: {e: 4}");
    expect(cover(text, at(d, "d", "e").span)).toBe("4");
    expect(r.diagnostics.map((x) => x.code)).toEqual(["yaml-syntax", "yaml-syntax"]);
    const [first, second] = r.diagnostics.map((x) => x.span!.start);
    expect(first).toBeGreaterThan(text.indexOf("b: ["));
    expect(first).toBeLessThanOrEqual(text.indexOf("d: {"));
    expect(second).toBeGreaterThanOrEqual(text.indexOf("f: :"));
    expect(second).toBeLessThan(text.indexOf("g: 5"));
  });

  it("does not split at --- inside a line or at ---word", () => {
    const text = "a: x --- y\n---word: 1\n---\nb: [\n";
    const r = load(text);
    expect(r.documents.map((d) => toPlain(d.node))).toEqual([{ a: "x --- y", "---word": 1 }]);
    expect(r.diagnostics.map((x) => x.code)).toEqual(["yaml-syntax"]);
  });

  it("keeps directives with their document when recovering", () => {
    const text = "a: [\n...\n%YAML 1.2\n---\nb: 1\n";
    const r = load(text);
    expect(r.documents.map((d) => toPlain(d.node))).toEqual([{ b: 1 }]);
    expect(r.diagnostics.map((x) => x.code)).toEqual(["yaml-syntax"]);
  });

  it("reports the whole-file error when every document parses alone", () => {
    // A directive needs a `...` before it; split apart, both halves are fine.
    const text = "a: 1\n%YAML 1.2\n---\nb: 2\n";
    const r = load(text);
    expect(r.diagnostics.map((x) => x.code)).toEqual(["yaml-syntax"]);
    expect(r.documents.map((d) => toPlain(d.node))).toEqual([{ a: 1 }, { b: 2 }]);
  });

  it("reports a duplicate key at the second key with a note at the first", () => {
    const text = "metadata:\n  name: a\n  name: b\n";
    const r = load(text);
    expect(r.diagnostics).toEqual([
      {
        code: "yaml-duplicate-key",
        severity: "error",
        message: expect.stringContaining('"name"'),
        span: { file: "f.yaml", start: 22, end: 26 },
        notes: [{ message: "first defined here", span: { file: "f.yaml", start: 12, end: 16 } }],
      },
    ]);
    expect(toPlain(r.documents[0]!.node)).toEqual({ metadata: { name: "a" } });
  });

  it("detects duplicates in flow mappings and across quoting styles", () => {
    const text = "{a: 1, 'a': 2}\n";
    const r = load(text);
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!), cover(text, d.notes![0]!.span!)])).toEqual([
      ["yaml-duplicate-key", "'a'", "a"],
    ]);
  });

  it("reports non-scalar keys and ignores the entry", () => {
    const text = "? [a]\n: 1\nb: 2\n";
    const r = load(text);
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!)])).toEqual([["yaml-syntax", "[a]"]]);
    expect(toPlain(r.documents[0]!.node)).toEqual({ b: 2 });
  });
});

describe("loadDocuments: aliases and merge keys", () => {
  it("resolves an alias to the anchored node, keeping the anchor's spans", () => {
    const text = "a: &sel {role: db}\nb: *sel\nc: &n 5\nd: *n\n";
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    const root = r.documents[0]!.node;
    expect(toPlain(root)).toEqual({ a: { role: "db" }, b: { role: "db" }, c: 5, d: 5 });
    expect(at(root, "b").span).toEqual(at(root, "a").span);
    expect(cover(text, at(root, "d").span)).toBe("5");
  });

  it("reports an unknown alias at the alias", () => {
    const text = "a: *nope\n---\nb: &x 1\n---\nc: *x\n";
    const r = load(text);
    expect(r.diagnostics.map((d) => [d.code, cover(text, d.span!)])).toEqual([
      ["yaml-syntax", "*nope"],
      ["yaml-syntax", "*x"],
    ]);
    expect(toPlain(r.documents[0]!.node)).toEqual({ a: null });
  });

  it("applies << as a merge key (more in mergeKeys.test.ts)", () => {
    const text = "base: &b {x: 1}\nderived:\n  <<: *b\n  z: 2\n";
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect(toPlain(r.documents[0]!.node)).toEqual({ base: { x: 1 }, derived: { x: 1, z: 2 } });
  });
});

describe("loadDocuments: performance", () => {
  it("loads a few megabytes of resources quickly", () => {
    const pod = (i: number) =>
      `apiVersion: v1\nkind: Pod\nmetadata:\n  name: pod-${i}\n  namespace: ns-${i % 10}\n  labels:\n    app: web-${i % 50}\n    tier: "frontend"\nspec:\n  nodeName: node-${i % 7}\n  containers:\n  - name: c\n    ports: [{containerPort: 80, name: http}]\nstatus:\n  podIP: 10.0.${(i >> 8) & 255}.${i & 255}\n`;
    const text = Array.from({ length: 10_000 }, (_, i) => pod(i)).join("---\n");
    const r = load(text);
    expect(r.diagnostics).toEqual([]);
    expect(r.documents).toHaveLength(10_000);
    expect(cover(text, at(r.documents[9_999]!.node, "metadata", "name").span)).toBe("pod-9999");
    // ~3 MB: linear work takes well under a second, anything quadratic takes minutes and fails by
    // the test's timeout. No wall-clock assertion here: figures belong to bench/, and a loaded
    // machine made this one fail without any change to the loader.
  });
});

describe("loadDocuments: large mappings", () => {
  it("finds duplicates among many keys", () => {
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}: ${i}`);
    const text = [...keys, "k3: again", "k39: again", ""].join("\n");
    const r = load(text);
    expect(r.diagnostics.map((d) => [cover(text, d.span!), cover(text, d.notes![0]!.span!)])).toEqual([
      ["k3", "k3"],
      ["k39", "k39"],
    ]);
    expect(r.diagnostics[0]!.notes![0]!.span!.start).toBe(text.indexOf("k3:"));
    expect(Object.keys(toPlain(r.documents[0]!.node) as object)).toHaveLength(40);
  });
});

describe("large files", () => {
  it("parses a file of many megabytes in batches with the same positions, and recovers from a broken document", () => {
    const doc = (i: number) => `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns-${i}\n  labels:\n    filler: "${"x".repeat(60)}"\n`;
    const docs = Array.from({ length: 40_000 }, (_, i) => (i === 30_000 ? "metadata: [unclosed\n" : doc(i)));
    const text = docs.join("---\n");
    expect(text.length).toBeGreaterThan(4 << 20);
    const { documents, diagnostics } = loadDocuments([{ path: "big.yaml", text }]);
    expect(documents).toHaveLength(39_999);
    expect(diagnostics.map((d) => d.code)).toEqual(["yaml-syntax"]);
    const brokenAt = text.indexOf("metadata: [unclosed");
    expect(diagnostics[0]!.span!.start).toBeGreaterThanOrEqual(brokenAt);
    // Spans stay absolute offsets into the whole file.
    const last = documents[documents.length - 1]!;
    expect(text.slice(last.node.span.start, last.node.span.start + 10)).toBe("apiVersion");
    expect(last.index).toBe(39_998);
  });
});
