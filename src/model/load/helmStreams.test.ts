/**
 * Streams as `helm template` renders them: `# Source:` comment lines, empty documents (`---` right
 * after `---`, documents of comments only, templates that rendered to nothing) and a trailing
 * `---`. They load with no diagnostic at all.
 */
import { describe, expect, it } from "vitest";
import { loadModel } from "../loadModel.js";
import { loadDocuments } from "./loadDocuments.js";
import { toPlain } from "./toPlain.js";

const policy = (name: string): string =>
  ["apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy", "metadata:", `  name: ${name}`, "  namespace: shop", "spec:", "  podSelector: {}", ""].join("\n");

const rendered = [
  "---",
  "# Source: shop/templates/deny.yaml",
  policy("deny"),
  "---",
  "# Source: shop/templates/disabled.yaml",
  "---",
  "---",
  "# Source: shop/templates/notes.yaml",
  "# This template renders nothing unless .Values.extra is set.",
  "",
  "   ",
  "---",
  "# Source: shop/templates/web.yaml",
  "# A comment before the resource",
  policy("web").replace("spec:\n", "spec:  # trailing comment\n"),
  "---",
  "",
].join("\n");

describe("helm-rendered streams", () => {
  it("load with no diagnostic, keeping only the resources", () => {
    const loaded = loadDocuments([{ path: "rendered.yaml", text: rendered }]);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.documents.map((d) => [d.index, (toPlain(d.node) as { metadata: { name: string } }).metadata.name])).toEqual([
      [0, "deny"],
      [1, "web"],
    ]);
    const model = loadModel([{ path: "rendered.yaml", text: rendered }]);
    expect(model.diagnostics).toEqual([]);
    expect(model.model.resources.map((r) => r.metadata.name)).toEqual(["deny", "web"]);
  });

  it("with CRLF line breaks and a BOM too", () => {
    const text = `\uFEFF${rendered.replaceAll("\n", "\r\n")}`;
    const model = loadModel([{ path: "rendered.yaml", text }]);
    expect(model.diagnostics).toEqual([]);
    expect(model.model.resources.map((r) => r.metadata.name)).toEqual(["deny", "web"]);
  });

  it("also when the stream is large enough to be parsed in batches", () => {
    const copies = Math.ceil(((4 << 20) + 1) / rendered.length);
    const loaded = loadDocuments([{ path: "big.yaml", text: rendered.repeat(copies) }]);
    expect(loaded.diagnostics).toEqual([]);
    expect(loaded.documents.length).toBe(2 * copies);
  });

  it("edge streams: only markers, only comments, an explicit end marker", () => {
    for (const text of ["---\n", "---\n---\n---\n", "# Source: x/templates/a.yaml\n", "---\n# Source: x\n---\n", "", "\n\n", "---\n...\n", `${policy("a")}...\n---\n`]) {
      expect([text, loadModel([{ path: "s.yaml", text }]).diagnostics]).toEqual([text, []]);
    }
  });
});
