/**
 * CRLF line breaks and UTF-8 byte order marks (at the start of a file, and after `---` markers as
 * Windows tools write concatenated files) change nothing: every fixture loads to the same values,
 * and every diagnostic keeps its place (its offsets mapped back, and its line and column).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import { diagnosticToJson, formatDiagnostics } from "../../diagnostics/format.js";
import type { Span } from "../../diagnostics/span.js";
import { loadModel } from "../loadModel.js";
import { hideByteOrderMarks } from "./byteOrderMarks.js";
import { loadDocuments } from "./loadDocuments.js";
import { toPlain } from "./toPlain.js";

function filesUnder(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? filesUnder(path) : /\.(ya?ml|json)$/.test(name) ? [path] : [];
    });
}

// The fixtures written with CRLF or byte order marks already are the converted form; the test
// converts the others.
const fixtures = filesUnder("fixtures")
  .map((path) => ({ path, text: readFileSync(path, "utf8") }))
  .filter((f) => !f.text.includes("\r") && !f.text.includes("\ufeff"));

interface Variant {
  readonly text: string;
  /** The offset in the original text of each offset of the variant (inserted characters map to the next original one). */
  readonly original: (offset: number) => number;
}

/** `text` with CRLF breaks, a BOM at its start, and/or a BOM after every `---` marker line. */
function variant(text: string, options: { crlf: boolean; bom: boolean; bomAfterMarkers: boolean }): Variant {
  const out: string[] = [];
  const original: number[] = [];
  const push = (s: string, at: number) => {
    out.push(s);
    original.push(at);
  };
  if (options.bom) push("\uFEFF", 0);
  let lineStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (c === "\n") {
      if (options.crlf) push("\r", i);
      push("\n", i);
      if (options.bomAfterMarkers && /^---[ \t]*$/.test(text.slice(lineStart, i)) && i + 1 < text.length) push("\uFEFF", i + 1);
      lineStart = i + 1;
    } else {
      push(c, i);
    }
  }
  original.push(text.length);
  return { text: out.join(""), original: (offset) => original[offset] ?? text.length };
}

function mapSpan(span: Span | undefined, v: Variant): Span | undefined {
  return span && { file: span.file, start: v.original(span.start), end: v.original(span.end) };
}

function mapped(d: Diagnostic, v: Variant): unknown {
  return { ...d, span: mapSpan(d.span, v), notes: d.notes?.map((n) => ({ ...n, span: mapSpan(n.span, v) })) };
}

function check(fixture: { path: string; text: string }, options: { crlf: boolean; bom: boolean; bomAfterMarkers: boolean }): void {
  const v = variant(fixture.text, options);
  const before = loadDocuments([fixture]);
  const after = loadDocuments([{ path: fixture.path, text: v.text }]);
  expect(after.documents.map((d) => toPlain(d.node))).toEqual(before.documents.map((d) => toPlain(d.node)));
  const a = loadModel([fixture]).diagnostics;
  const b = loadModel([{ path: fixture.path, text: v.text }]).diagnostics;
  expect(b.map((d) => mapped(d, v))).toEqual(a.map((d) => mapped(d, { text: fixture.text, original: (o) => o })));
  const json = (ds: readonly Diagnostic[], text: string) => ds.map((d) => diagnosticToJson(d, { [fixture.path]: text }));
  expect(json(b, v.text)).toEqual(json(a, fixture.text));
  // The excerpts too: no `\r`, no BOM, the caret in the same column.
  expect(formatDiagnostics(b, { [fixture.path]: v.text })).toBe(formatDiagnostics(a, { [fixture.path]: fixture.text }));
}

describe("CRLF and byte order marks", () => {
  it("has fixtures to work on, some with several documents", () => {
    expect(fixtures.length).toBeGreaterThan(50);
    expect(fixtures.some((f) => /^---[ \t]*$/m.test(f.text))).toBe(true);
  });

  it("every fixture, converted, loads and reports the same (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...fixtures), fc.boolean(), fc.boolean(), fc.boolean(), (fixture, crlf, bom, bomAfterMarkers) => {
        check(fixture, { crlf, bom, bomAfterMarkers });
      }),
      { numRuns: 300 },
    );
  });

  it("a BOM after a marker, before a marker and before a comment is invisible", () => {
    const text = "a: 1\n---\n\uFEFFb: 2\n\uFEFF---\n\uFEFF# Source: x\n\uFEFFc: !!int x\n";
    const r = loadDocuments([{ path: "f.yaml", text }]);
    expect(r.documents.map((d) => toPlain(d.node))).toEqual([{ a: 1 }, { b: 2 }, { c: "x" }]);
    expect(formatDiagnostics(r.diagnostics, { "f.yaml": text })).toBe(
      ["f.yaml:6:4: error[yaml-syntax]: \"x\" is not a valid !!int (it reads as a string)", "  |", "6 | c: !!int x", "  |    ^^^^^", "", "1 error, 0 warnings", ""].join("\n"),
    );
  });

  it("CRLF keeps multi-line scalars and their spans", () => {
    const lf = "a: |\n  x\n  y\nb: >-\n  p\n  q\nc: \"m\n  n\"\nd: plain\n  cont\n";
    const crlf = lf.replaceAll("\n", "\r\n");
    const values = (t: string) => loadDocuments([{ path: "f.yaml", text: t }]).documents.map((d) => toPlain(d.node));
    expect(values(crlf)).toEqual(values(lf));
    expect(values(lf)).toEqual([{ a: "x\ny\n", b: "p q", c: "m n", d: "plain cont" }]);
  });
});

describe("hideByteOrderMarks", () => {
  it("keeps the length and every content character's offset", () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom("---", "...", "\n", "\r\n", "\uFEFF", "# c", "a: 1", " ", "|"), { maxLength: 12 }), (pieces) => {
        const text = pieces.join("");
        const hidden = hideByteOrderMarks(text);
        expect(hidden.length).toBe(text.length);
        for (let i = 0; i < text.length; i++) {
          // Only BOMs, markers, comments, white space and line breaks may move.
          if (/[a:1|]/.test(text.charAt(i)) && !/^[ \t]*#/.test(text.slice(text.lastIndexOf("\n", i - 1) + 1).replace(/^\uFEFF/, ""))) {
            expect([i, hidden.charAt(i)]).toEqual([i, text.charAt(i)]);
          }
        }
      }),
      { numRuns: 500 },
    );
    expect(hideByteOrderMarks("a: 1\n")).toBe("a: 1\n");
    expect(hideByteOrderMarks("---\r\n\uFEFFa: 1")).toBe("--- \r\na: 1");
    expect(hideByteOrderMarks("x\n\uFEFF--- a")).toBe("x\n---  a");
  });
});
