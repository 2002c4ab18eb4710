/**
 * Merge keys (`<<`) as go-yaml v2 applies them (decode.go `mapping` and `merge`). The expected
 * values were checked against go-yaml v2 itself; the first cases are its own `mergeTests`
 * (decode_test.go, taken from yaml.org/type/merge.html).
 */
import { describe, expect, it } from "vitest";
import { formatDiagnostics } from "../../diagnostics/format.js";
import type { Span } from "../../diagnostics/span.js";
import { loadModel } from "../loadModel.js";
import { loadDocuments } from "./loadDocuments.js";
import { toPlain } from "./toPlain.js";

const load = (text: string) => loadDocuments([{ path: "m.yaml", text }]);
const plain = (text: string) => {
  const r = load(text);
  return { value: r.documents.map((d) => toPlain(d.node)), diagnostics: r.diagnostics };
};
const cover = (text: string, s: Span | undefined): string => (s ? text.slice(s.start, s.end) : "");

describe("merge keys", () => {
  it("go-yaml v2's mergeTests: every way of writing the map gives the same value", () => {
    const text = [
      "anchors:",
      "  list:",
      '    - &CENTER { "x": 1, "y": 2 }',
      '    - &LEFT   { "x": 0, "y": 2 }',
      '    - &BIG    { "r": 10 }',
      '    - &SMALL  { "r": 1 }',
      "plain:",
      '  "x": 1',
      '  "y": 2',
      '  "r": 10',
      "  label: center/big",
      "mergeOne:",
      "  << : *CENTER",
      '  "r": 10',
      "  label: center/big",
      "mergeMultiple:",
      "  << : [ *CENTER, *BIG ]",
      "  label: center/big",
      "override:",
      "  << : [ *BIG, *LEFT, *SMALL ]",
      '  "x": 1',
      "  label: center/big",
      "shortTag:",
      '  !!merge "<<" : [ *CENTER, *BIG ]',
      "  label: center/big",
      "longTag:",
      '  !<tag:yaml.org,2002:merge> "<<" : [ *CENTER, *BIG ]',
      "  label: center/big",
      "inlineMap:",
      '  << : {"x": 1, "y": 2, "r": 10}',
      "  label: center/big",
      "inlineSequenceMap:",
      '  << : [ *CENTER, {"r": 10} ]',
      "  label: center/big",
      "",
    ].join("\n");
    const { value, diagnostics } = plain(text);
    expect(diagnostics).toEqual([]);
    const doc = value[0] as Record<string, unknown>;
    const want = { x: 1, y: 2, r: 10, label: "center/big" };
    for (const name of ["plain", "mergeOne", "mergeMultiple", "override", "shortTag", "longTag", "inlineMap", "inlineSequenceMap"]) {
      expect([name, doc[name]]).toEqual([name, want]);
    }
  });

  it("applies << where it stands: later keys replace merged ones, merged ones replace earlier keys", () => {
    expect(plain("<<: {a: 2, b: 3}\na: 1\n").value).toEqual([{ a: 1, b: 3 }]);
    const before = plain("a: 1\n<<: {a: 2, b: 3}\n");
    expect(before.value).toEqual([{ a: 2, b: 3 }]);
    expect(before.diagnostics.map((d) => [d.code, d.severity])).toEqual([["yaml-merge-override", "warning"]]);
    // Two merge keys are both applied, in order; neither is a duplicate.
    expect(plain("<<: {a: 1}\n<<: {a: 2, b: 1}\n")).toEqual({ value: [{ a: 2, b: 1 }], diagnostics: [] });
    // A quoted "<<" without the merge tag is an ordinary key.
    expect(plain('"<<": {a: 1}\n').value).toEqual([{ "<<": { a: 1 } }]);
    // Empty merges merge nothing.
    expect(plain("<<: []\na: 1\n")).toEqual({ value: [{ a: 1 }], diagnostics: [] });
    expect(plain("<<: {}\na: 1\n")).toEqual({ value: [{ a: 1 }], diagnostics: [] });
  });

  it("warns once, at the merged value that won, when << replaces a key written before it", () => {
    const text = "x: &x {a: 1}\nz: &z {a: 2}\nw:\n  a: 0\n  <<: [*x, *z]\n";
    const r = load(text);
    expect(toPlain(r.documents[0]!.node)).toEqual({ x: { a: 1 }, z: { a: 2 }, w: { a: 1 } });
    expect(r.diagnostics.map((d) => [d.code, d.severity, cover(text, d.span), d.notes?.map((n) => [n.message, n.span?.start])])).toEqual([
      [
        "yaml-merge-override",
        "warning",
        "*x",
        [
          ["written here", text.indexOf("a: 0")],
          ["merged from here", text.indexOf("a: 1")],
        ],
      ],
    ]);
  });

  it("merges through nested merges, and keeps the anchor unchanged", () => {
    const text = "base: &base {a: 1, b: 1}\nmid: &mid\n  <<: *base\n  b: 2\ntop:\n  <<: *mid\n  c: 3\n";
    expect(plain(text)).toEqual({ value: [{ base: { a: 1, b: 1 }, mid: { a: 1, b: 2 }, top: { a: 1, b: 2, c: 3 } }], diagnostics: [] });
  });

  it("still reports keys written twice, but not keys produced only by merging", () => {
    const r = plain("x: &x {a: 1}\nz:\n  <<: [*x, {a: 2}]\n  a: 3\n  a: 4\n");
    expect(r.value).toEqual([{ x: { a: 1 }, z: { a: 3 } }]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["yaml-duplicate-key"]);
  });

  it("refuses to merge anything but mappings", () => {
    for (const text of ["<<: 1\n", "<<: ~\n", "<<:\n", "<<: [{a: 1}, 3]\n", "x: &x [{a: 1}]\n<<: *x\n", "<<: [[{a: 1}]]\n", "x: &x 1\n<<: [*x]\n"]) {
      const r = load(text);
      expect([text, r.diagnostics.map((d) => d.code)]).toEqual([text, ["yaml-syntax"]]);
    }
    const text = "x: &x 1\nz:\n  <<: [{a: 1}, *x]\n";
    const r = load(text);
    expect(cover(text, r.diagnostics[0]?.span)).toBe("*x");
    expect(toPlain(r.documents[0]!.node)).toEqual({ x: 1, z: { a: 1 } });
  });

  it("records where each merged entry came through", () => {
    const text = "a: &a {p: 1}\nb:\n  <<: [*a, {q: 2}]\n  r: 3\n";
    const b = load(text).documents[0]!.node;
    if (b.kind !== "map") throw new Error("not a map");
    const inner = b.entries.find((e) => e.key === "b")!.value;
    if (inner.kind !== "map") throw new Error("not a map");
    expect(inner.entries.map((e) => [e.key, cover(text, e.keySpan), cover(text, e.mergedAt)])).toEqual([
      ["q", "q", "<<"],
      ["p", "p", "*a"],
      ["r", "r", ""],
    ]);
  });
});

const networkPolicy = (ingress: string[]): string =>
  [
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata: {name: web, namespace: shop}",
    "spec:",
    "  podSelector: {matchLabels: {app: web}}",
    "  ingress:",
    ...ingress,
    "",
  ].join("\n");

describe("merge keys in resources", () => {
  const merged = networkPolicy([
    "  - &from-frontend",
    "    from:",
    "    - podSelector: {matchLabels: {app: frontend}}",
    "    ports:",
    "    - {port: 80, protocol: TCP}",
    "  - <<: *from-frontend",
    "    ports:",
    "    - {port: 443, protocol: TCP}",
  ]);
  const spelledOut = networkPolicy([
    "  - from:",
    "    - podSelector: {matchLabels: {app: frontend}}",
    "    ports:",
    "    - {port: 80, protocol: TCP}",
    "  - from:",
    "    - podSelector: {matchLabels: {app: frontend}}",
    "    ports:",
    "    - {port: 443, protocol: TCP}",
  ]);

  it("a rule merged from an anchor loads and validates like the one spelled out", () => {
    const a = loadModel([{ path: "merged.yaml", text: merged }]);
    const b = loadModel([{ path: "spelled.yaml", text: spelledOut }]);
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    const docsA = load(merged).documents.map((d) => toPlain(d.node));
    const docsB = load(spelledOut).documents.map((d) => toPlain(d.node));
    expect(docsA).toEqual(docsB);
    const strip = (m: typeof a.model) => m.resources.map(({ origin: _origin, ...r }) => r);
    expect(strip(a.model)).toEqual(strip(b.model));
  });

  it("an error inside the anchor is reported at the merge, with a note at the anchor", () => {
    const text = merged.replace("{app: frontend}", "{app: yes}");
    const { diagnostics } = loadModel([{ path: "merged.yaml", text }]);
    expect(formatDiagnostics(diagnostics, { "merged.yaml": text })).toBe(
      [
        'merged.yaml:9:40: error[invalid-type]: spec.ingress.0.from.0.podSelector.matchLabels.app: yes is a boolean in YAML 1.1, which is how Kubernetes reads it; quote it: "yes"',
        "  |",
        "9 |     - podSelector: {matchLabels: {app: yes}}",
        "  |                                        ^^^",
        "",
        'merged.yaml:12:9: error[invalid-type]: spec.ingress.1.from.0.podSelector.matchLabels.app: yes is a boolean in YAML 1.1, which is how Kubernetes reads it; quote it: "yes"',
        "   |",
        "12 |   - <<: *from-frontend",
        "   |         ^^^^^^^^^^^^^^",
        "  = note: merged.yaml:9:40: merged from here",
        "",
        "2 errors, 0 warnings",
        "",
      ].join("\n"),
    );
  });

  it("rule-level checks and unknown fields in merged content point at the merge too", () => {
    const text = merged.replace("    ports:\n    - {port: 80, protocol: TCP}\n", "    ports:\n    - {port: 80, protocol: TCP}\n    colour: blue\n");
    const { diagnostics } = loadModel([{ path: "merged.yaml", text }]);
    expect(diagnostics.map((d) => [d.code, d.span?.start, d.notes?.map((n) => [n.message, n.span?.start])])).toEqual([
      ["unknown-field", text.indexOf("colour"), undefined],
      ["unknown-field", text.indexOf("*from-frontend"), [["merged from here", text.indexOf("colour")]]],
    ]);
  });
});
