import fc from "fast-check";
import { DEFAULT_SCALAR_STYLE_RULES, dump, load as jsLoad, type ScalarLayout } from "js-yaml";
import { describe, expect, it } from "vitest";
import type { YNode, YScalar } from "../yamlTree.js";
import { decodeScalar } from "./decodeScalar.js";
import { loadDocuments } from "./loadDocuments.js";
import { scalarValueSpan } from "./scalarValueSpan.js";

/** Loads `text` (one mapping) and returns the scalar under key `k`. */
function scalarAt(text: string, key = "k"): YScalar {
  const r = loadDocuments([{ path: "s.yaml", text }]);
  expect(r.diagnostics).toEqual([]);
  const root = r.documents[0]?.node;
  if (root?.kind !== "map") throw new Error("expected a mapping");
  const node: YNode | undefined = root.entries.find((e) => e.key === key)?.value;
  if (node?.kind !== "scalar") throw new Error("expected a scalar");
  return node;
}

/** The source text that the decoded range `[start, end)` maps to. */
function sourceOf(text: string, key: string, start: number, end: number): string {
  const s = scalarValueSpan(text, scalarAt(text, key), start, end);
  return text.slice(s.start, s.end);
}

/** The source text for the first occurrence of `needle` in the scalar's value. */
function sourceOfValue(text: string, needle: string, key = "k"): string {
  const scalar = scalarAt(text, key);
  const value = String(scalar.value);
  const i = value.indexOf(needle);
  expect(i).toBeGreaterThanOrEqual(0);
  const s = scalarValueSpan(text, scalar, i, i + needle.length);
  return text.slice(s.start, s.end);
}

describe("scalarValueSpan by style", () => {
  it("plain, one line", () => {
    const text = "k: role == 'db' && x\n";
    expect(sourceOfValue(text, "'db'")).toBe("'db'");
    expect(scalarValueSpan(text, scalarAt(text), 0, 4)).toEqual({ file: "s.yaml", start: 3, end: 7 });
  });

  it("plain, folded over lines", () => {
    const text = "k: abc\n   def  \n\n\n  ghi\nother: 1\n";
    expect(scalarAt(text).value).toBe("abc def\n\nghi");
    expect(sourceOfValue(text, "def")).toBe("def");
    expect(sourceOfValue(text, "ghi")).toBe("ghi");
    expect(sourceOfValue(text, "c d")).toBe("c\n   d");
    // A folded space maps to the line break it came from; each kept line feed to an empty line's.
    expect(sourceOf(text, "k", 3, 4)).toBe("\n");
    expect(scalarValueSpan(text, scalarAt(text), 7, 8).start).toBe(text.indexOf("\n\n") + 1);
  });

  it("single-quoted, with '' and folding", () => {
    const text = "k: 'it''s a\n   b'\n";
    expect(scalarAt(text).value).toBe("it's a b");
    expect(sourceOfValue(text, "'")).toBe("''");
    expect(sourceOfValue(text, "s a")).toBe("s a");
    expect(sourceOfValue(text, "b")).toBe("b");
    expect(sourceOfValue(text, "it's")).toBe("it''s");
  });

  it("double-quoted, with every kind of escape", () => {
    const text = 'k: "a\\tb\\u00e9\\x41\\n\\\\ \\"q\\" \\U0001F600 \\/ \\e\\0 \\\n   cont  \n\n   next\\\n  \\ x"\n';
    const value = "a\tbéA\n\\ \"q\" 😀 / \x1b\0 cont\nnext x";
    expect(scalarAt(text).value).toBe(value);
    expect(sourceOfValue(text, "\t")).toBe("\\t");
    expect(sourceOfValue(text, "é")).toBe("\\u00e9");
    expect(sourceOfValue(text, "A")).toBe("\\x41");
    expect(sourceOfValue(text, '"q"')).toBe('\\"q\\"');
    expect(sourceOfValue(text, "😀")).toBe("\\U0001F600");
    expect(sourceOfValue(text, "cont")).toBe("cont");
    expect(sourceOfValue(text, "next")).toBe("next");
    expect(sourceOfValue(text, " x")).toBe("\\ x");
    // Half of a surrogate pair still covers the whole escape.
    const i = value.indexOf("😀");
    expect(sourceOf(text, "k", i + 1, i + 2)).toBe("\\U0001F600");
  });

  it("double-quoted keys and flow collections", () => {
    const text = 'k: ["x", {"s": "a\\"b"}]\nj: "tier in {\\"a\\", \\"b\\"}"\n';
    expect(sourceOfValue(text, '{"a"', "j")).toBe('{\\"a\\"');
  });

  it("literal block, clip, strip and keep", () => {
    const text = "k: |\n  line one\n\n  line two\n\nj: |-\n    a\n     b\nm: |+\n  z\n\n\nn: 1\n";
    expect(scalarAt(text).value).toBe("line one\n\nline two\n");
    expect(sourceOfValue(text, "line two")).toBe("line two");
    expect(sourceOfValue(text, "one\n\nline")).toBe("one\n\n  line");
    expect(scalarAt(text, "j").value).toBe("a\n b");
    expect(sourceOfValue(text, " b", "j")).toBe(" b");
    expect(scalarAt(text, "m").value).toBe("z\n\n\n");
    const m = scalarAt(text, "m");
    expect(scalarValueSpan(text, m, 3, 4).start).toBe(text.indexOf("n: 1") - 1);
  });

  it("literal block with an explicit indentation indicator", () => {
    const text = "k: |2\n     indented\n  flush\n";
    expect(scalarAt(text).value).toBe("   indented\nflush\n");
    expect(sourceOfValue(text, "   indented")).toBe("   indented");
    expect(sourceOfValue(text, "flush")).toBe("flush");
    const nested = "a:\n  - |1\n     x\n    y\n";
    const r = loadDocuments([{ path: "s.yaml", text: nested }]);
    const seq = r.documents[0]!.node;
    if (seq.kind !== "map" || seq.entries[0]!.value.kind !== "seq") throw new Error("shape");
    const scalar = seq.entries[0]!.value.items[0] as YScalar;
    expect(scalar.value).toBe(jsLoad(nested) && (jsLoad(nested) as { a: string[] }).a[0]);
    const value = String(scalar.value);
    const at = scalarValueSpan(nested, scalar, value.indexOf("y"), value.indexOf("y") + 1);
    expect(nested.slice(at.start, at.end)).toBe("y");
  });

  it("block scalar of spaces only, with an indicator, nested", () => {
    const text = "outer:\n  - k: |2-\n       \n";
    const r = loadDocuments([{ path: "s.yaml", text }]);
    const root = r.documents[0]!.node;
    if (root.kind !== "map" || root.entries[0]!.value.kind !== "seq") throw new Error("shape");
    const item = root.entries[0]!.value.items[0]!;
    if (item.kind !== "map" || item.entries[0]!.value.kind !== "scalar") throw new Error("shape");
    const scalar = item.entries[0]!.value;
    expect(scalar.value).toBe(" ");
    expect(scalarValueSpan(text, scalar, 0, 1)).toEqual({ file: "s.yaml", start: text.length - 2, end: text.length - 1 });
  });

  it("folded block, with more-indented lines", () => {
    const text = "k: >\n  one\n  two\n\n  three\n    code\n  four\n";
    expect(scalarAt(text).value).toBe("one two\nthree\n  code\nfour\n");
    expect(sourceOfValue(text, "two")).toBe("two");
    expect(sourceOfValue(text, "one two")).toBe("one\n  two");
    expect(sourceOfValue(text, "  code")).toBe("  code");
    expect(sourceOfValue(text, "four")).toBe("four");
  });

  it("clamps ranges and gives empty ranges a position", () => {
    const text = "k: 'abc'\nj: ''\n";
    expect(scalarValueSpan(text, scalarAt(text), -5, 99)).toEqual({ file: "s.yaml", start: 4, end: 7 });
    expect(scalarValueSpan(text, scalarAt(text), 1, 1)).toEqual({ file: "s.yaml", start: 5, end: 5 });
    expect(scalarValueSpan(text, scalarAt(text), 3, 3)).toEqual({ file: "s.yaml", start: 7, end: 7 });
    expect(scalarValueSpan(text, scalarAt(text, "j"), 0, 0)).toEqual({ file: "s.yaml", start: 13, end: 13 });
  });

  it("maps non-string plain scalars through their text", () => {
    const text = "k: 8080\n";
    expect(scalarValueSpan(text, scalarAt(text), 1, 3)).toEqual({ file: "s.yaml", start: 4, end: 6 });
  });
});

/**
 * Checks that each decoded unit maps to source that produces it: the same character, a line break
 * it was folded from, an escape, or `''`.
 */
function checkMapping(text: string, scalar: YScalar, expected: string): void {
  const decoded = decodeScalar(text, scalar.style, scalar.span.start, scalar.span.end, expected);
  expect(decoded.value).toBe(expected);
  for (let i = 0; i < expected.length; i++) {
    const start = decoded.starts[i]!;
    const end = decoded.ends[i]!;
    expect(start).toBeGreaterThanOrEqual(scalar.span.start);
    expect(end).toBeLessThanOrEqual(scalar.span.end);
    expect(scalarValueSpan(text, scalar, i, i + 1)).toEqual({ file: scalar.span.file, start, end });
    const source = text.slice(start, end);
    const char = expected[i]!;
    if (source === char) continue;
    if (source === "\n" || source === "\r\n") {
      expect([" ", "\n"]).toContain(char);
    } else if (source.startsWith("\\")) {
      expect(scalar.style).toBe("double");
      expect(jsLoad(`"${source}"`)).toContain(char);
    } else {
      expect([source, scalar.style]).toEqual(["''", "single"]);
      expect(char).toBe("'");
    }
  }
  // Offsets never go backwards.
  for (let i = 1; i < expected.length; i++) expect(decoded.starts[i]!).toBeGreaterThanOrEqual(decoded.starts[i - 1]!);
}

const interesting = fc.constantFrom(
  "a",
  "b",
  "z",
  "0",
  "9",
  " ",
  " ",
  "\n",
  "\t",
  "'",
  '"',
  "\\",
  "#",
  ":",
  "-",
  "|",
  ">",
  "{",
  "é",
  "😀",
  "\u0001",
  "\u0085",
  "\u00a0",
  "\u2028",
  "\r",
);

const styleRule =
  (want: number) =>
  (layout: ScalarLayout): void => {
    if (!layout.isKey && (layout.allowedStylesMask & (1 << want)) !== 0) layout.style = want as ScalarLayout["style"];
  };

describe("scalarValueSpan properties", () => {
  it("maps every character of strings dumped by js-yaml in every style", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: interesting, maxLength: 60 }), fc.string({ unit: "binary", maxLength: 30 })),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 10, max: 60 }),
        fc.boolean(),
        (value, style, lineWidth, nested) => {
          const data = nested ? { outer: [{ k: value }] } : { k: value };
          const text = dump(data, { lineWidth, scalarStyleRules: [...Object.values(DEFAULT_SCALAR_STYLE_RULES), styleRule(style)] });
          const r = loadDocuments([{ path: "p.yaml", text }]);
          expect(r.diagnostics).toEqual([]);
          let root = r.documents[0]!.node;
          if (nested) {
            if (root.kind !== "map" || root.entries[0]!.value.kind !== "seq") throw new Error("shape");
            root = root.entries[0]!.value.items[0]!;
          }
          if (root.kind !== "map") throw new Error("shape");
          const scalar = root.entries[0]!.value;
          if (scalar.kind !== "scalar") throw new Error("shape");
          expect(scalar.value).toBe(value);
          checkMapping(text, scalar, value);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("maps every character of folded plain, single- and double-quoted scalars", () => {
    const word = fc.string({ unit: fc.constantFrom("a", "b", "x", "1", "é", "😀", "'", '"', "\\", "-", "."), minLength: 1, maxLength: 6 });
    // Between words: a space, or a line feed, written either folded or (when quoted) escaped.
    const gap = fc.record({ feed: fc.boolean(), folded: fc.boolean(), indent: fc.integer({ min: 1, max: 4 }), escapedBreak: fc.boolean() });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(word, gap), { minLength: 1, maxLength: 8 }),
        fc.constantFrom("plain", "single", "double"),
        fc.boolean(),
        (parts, style, crlf) => {
          let value = "";
          let source = "";
          parts.forEach(([w, g], i) => {
            const plainWord = `w${w.replace(/[^a-z0-9.é-]/g, "")}`;
            const text = style === "plain" ? plainWord : w;
            value += text;
            source += style === "single" ? text.replace(/'/g, "''") : style === "double" ? text.replace(/[\\"]/g, (c) => `\\${c}`) : text;
            if (i === parts.length - 1) return;
            const pad = " ".repeat(g.indent);
            value += g.feed ? "\n" : " ";
            if (style === "double" && g.escapedBreak) {
              // An escaped line break joins without a space, so the gap is written as an escape.
              source += `${g.feed ? "\\n" : "\\ "}\\\n${pad}`;
            } else if (g.folded || style === "plain") {
              source += g.feed ? `\n\n${pad}` : `\n${pad}`;
            } else {
              source += g.feed ? (style === "double" ? "\\n" : `\n\n${pad}`) : " ";
            }
          });
          const quote = style === "single" ? "'" : style === "double" ? '"' : "";
          let text = `k: ${quote}${source}${quote}\n`;
          if (crlf) text = text.replace(/\n/g, "\r\n");
          expect((jsLoad(text) as { k: unknown }).k).toBe(value);
          const scalar = scalarAt(text);
          expect(scalar.value).toBe(value);
          checkMapping(text, scalar, value);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with js-yaml on block scalars of every chomping and indentation", () => {
    const line = fc.string({ unit: fc.constantFrom("a", "b", " ", "\t", "#", "'", "é"), maxLength: 8 });
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 6 }),
        fc.constantFrom("|", ">"),
        fc.constantFrom("", "-", "+"),
        fc.constantFrom(0, 1, 2, 3),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 2 }),
        (lines, indicator, chomp, explicit, indent, trailing) => {
          // With an explicit indicator the content may start with spaces; without one it may not.
          const body = lines.map((l) => (l.trim() === "" ? "" : (explicit > 0 ? " ".repeat(explicit) : " ".repeat(indent)) + (explicit > 0 ? l : l.replace(/^[ \t]+/, "x"))));
          const header = `${indicator}${explicit > 0 ? String(explicit) : ""}${chomp}`;
          const text = `k: ${header}\n${body.join("\n")}\n${"\n".repeat(trailing)}j: 1\n`;
          let expected: unknown;
          try {
            expected = (jsLoad(text) as { k: unknown }).k;
          } catch {
            return; // not valid YAML (e.g. leading spaces before an auto-detected indentation)
          }
          if (typeof expected !== "string") return;
          const scalar = scalarAt(text);
          expect(scalar.value).toBe(expected);
          checkMapping(text, scalar, expected);
        },
      ),
      { numRuns: 500 },
    );
  });
});
