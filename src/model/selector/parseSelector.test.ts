import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Selector } from "./index.js";
import { parseSelector, printSelector, selectorId } from "./index.js";

interface CanonicalCase {
  readonly selector: string;
  readonly canonical: string;
  readonly uniqueId?: string;
}

const canonicalCases: CanonicalCase[] = readFileSync(
  new URL("../../../test/data/selector-canonical.jsonl", import.meta.url),
  "utf8",
)
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as CanonicalCase);

function parsed(text: string, dialect: "v3" | "v1" = "v3"): Selector {
  const result = parseSelector(text, { dialect });
  if (!result.ok) throw new Error(`${JSON.stringify(text)}: ${result.diagnostics.map((d) => d.message).join("; ")}`);
  return result.selector;
}

function canonical(text: string, dialect: "v3" | "v1" = "v3"): string {
  return printSelector(parsed(text, dialect));
}

/** The first diagnostic as [message, start, end]. */
function failure(text: string, dialect: "v3" | "v1" = "v3"): [string, number, number] {
  const result = parseSelector(text, { dialect });
  if (result.ok) throw new Error(`${JSON.stringify(text)} parsed as ${printSelector(result.selector)}`);
  expect(result.diagnostics).toHaveLength(1);
  const d = result.diagnostics[0];
  expect(d?.code).toBe("selector-syntax");
  expect(d?.severity).toBe("error");
  expect(d?.span?.file).toBe("<selector>");
  return [d?.message ?? "", d?.span?.start ?? -1, d?.span?.end ?? -1];
}

describe("parseSelector: Calico's canonicalisation cases", () => {
  it("has all 17 cases", () => expect(canonicalCases).toHaveLength(17));
  it.each(canonicalCases)("$selector -> $canonical", ({ selector, canonical: expected, uniqueId }) => {
    const sel = parsed(selector);
    expect(printSelector(sel)).toBe(expected);
    if (uniqueId !== undefined) expect(selectorId(sel)).toBe(uniqueId);
  });
});

describe("parseSelector: grammar", () => {
  it.each([
    ['a == "b"', 'a == "b"'],
    ["a=='b'", 'a == "b"'],
    ['a != ""', 'a != ""'],
    ['a contains "x"', 'a contains "x"'],
    ['a contains"v"', 'a contains "v"'],
    ['a starts \t with "x"', 'a starts with "x"'],
    ['a ends with "x"', 'a ends with "x"'],
    ['a endswith "x"', 'a ends with "x"'],
    ['a in {}', "a in {}"],
    ['a in {"x",}', 'a in {"x"}'],
    ['a in{"b","a","b"}', 'a in {"a", "b"}'],
    ['a not in {"x"}', 'a not in {"x"}'],
    ['a notin {"x"}', 'a not in {"x"}'],
    ['a not\t\tin {"x"}', 'a not in {"x"}'],
    ["has(a)", "has(a)"],
    ["has(\ta\t)", "has(a)"],
    ["all()", "all()"],
    ["all( \t)", "all()"],
    ["global()", "global()"],
    ["calico/k8s_NS-.1/role == 'x'", 'calico/k8s_NS-.1/role == "x"'],
    ['a == "b" && c == "d" || e == "f"', '((a == "b" && c == "d") || e == "f")'],
    ['a == "b" || c == "d" && e == "f"', '(a == "b" || (c == "d" && e == "f"))'],
    ['!a == "x"', '!a == "x"'],
    ['!!a == "x"', 'a == "x"'],
    ['!!!a == "x"', '!a == "x"'],
    ["!(!has(a))", "!!has(a)"],
    ["!all()", "!all()"],
    ['(a == "1" && b == "2") && c == "3"', '((a == "1" && b == "2") && c == "3")'],
    ['a == "1" && b == "2" && c == "3"', '(a == "1" && b == "2" && c == "3")'],
    ["((has(a)))", "has(a)"],
    ['a == "multi\nline"', 'a == "multi\nline"'],
    ['a == "it\'s"', 'a == "it\'s"'],
  ])("%j -> %j", (text, expected) => {
    expect(canonical(text)).toBe(expected);
  });

  it("treats blank text as all()", () => {
    expect(parsed("")).toEqual({ kind: "all" });
    expect(parsed(" \t ")).toEqual({ kind: "all" });
  });

  it("accepts tabs as whitespace", () => {
    expect(canonical('\ta\t==\t"b"\t&&\thas(c)\t')).toBe('(a == "b" && has(c))');
  });

  it("builds the tree Calico builds", () => {
    expect(parsed('!(a == "b" || has(c)) && d in {"y", "x"}')).toEqual({
      kind: "and",
      operands: [
        {
          kind: "not",
          operand: {
            kind: "or",
            operands: [
              { kind: "eq", label: "a", value: "b" },
              { kind: "has", label: "c" },
            ],
          },
        },
        { kind: "in", label: "d", values: ["x", "y"] },
      ],
    });
  });

  it("sorts set values by UTF-8 bytes, not UTF-16 units", () => {
    // U+FF5E (3 UTF-8 bytes, EF BD 9E) sorts before U+1F600 (F0 9F 98 80) in byte order, but
    // after it in UTF-16 (0xFF5E > 0xD83D).
    expect(parsed('a in {"😀", "～", "b"}')).toEqual({ kind: "in", label: "a", values: ["b", "～", "😀"] });
  });

  it("distinguishes grouping in IDs", () => {
    expect(selectorId(parsed('(a == "1" && b == "2") && c == "3"'))).not.toBe(
      selectorId(parsed('a == "1" && b == "2" && c == "3"')),
    );
  });
});

describe("parseSelector: keywords are keywords only after a label", () => {
  it.each([
    ['contains == "x"', { kind: "eq", label: "contains", value: "x" }],
    ['in in {"a"}', { kind: "in", label: "in", values: ["a"] }],
    ['not not in {"a"}', { kind: "notIn", label: "not", values: ["a"] }],
    ['starts starts with "a"', { kind: "startsWith", label: "starts", value: "a" }],
    ['has == "x"', { kind: "eq", label: "has", value: "x" }],
    ['all != "x"', { kind: "ne", label: "all", value: "x" }],
    ['global == "x"', { kind: "eq", label: "global", value: "x" }],
    ['a == "x" && ends ends with "y"', undefined],
    ['inx in {"a"}', { kind: "in", label: "inx", values: ["a"] }],
  ] as const)("%j", (text, expected) => {
    const sel = parsed(text);
    if (expected !== undefined) expect(sel).toEqual(expected);
  });

  it("needs a word boundary after a word operator", () => {
    expect(failure('a containsx "v"')).toEqual(['expected operator after label "a"', 2, 11]);
    expect(failure('a inx {"v"}')).toEqual(['expected operator after label "a"', 2, 5]);
  });
});

describe("parseSelector: errors, with Calico's messages and offsets", () => {
  it.each([
    ["b", "unexpected end of string looking for op", 1, 1],
    ["b == b", "expected string", 5, 6],
    ["a ==", "expected string", 4, 4],
    ["'b1' == b", "unexpected token", 0, 4],
    ["!", "unexpected token", 1, 1],
    ["()", "unexpected token", 1, 2],
    ['a == "b" &&', "unexpected token", 11, 11],
    ['a == "b" || || c == "d"', "unexpected token", 12, 14],
    ['(a == "b"', "expected )", 9, 9],
    ['(a == "b" has(c)', "expected )", 10, 16],
    ['a in {"a" "b"}', "expected }", 10, 13],
    ['a in {,"a"}', "expected }", 6, 7],
    ['a in {"a",,}', "expected }", 10, 11],
    ['a in {"a"', "expected }", 9, 9],
    ['a in ""', "expected set literal", 5, 7],
    ["a in", "expected set literal", 4, 4],
    ['a == "b")', "unexpected content at end of selector", 8, 9],
    ['a == "b" c == "d"', "unexpected content at end of selector", 9, 10],
    ['a == "b', "unterminated string", 5, 7],
    ["a == 'b", "unterminated string", 5, 7],
    ['a = "b"', "expected ==", 2, 3],
    ["has(a) & has(b)", "expected &&", 7, 8],
    ["has(a) | has(b)", "expected ||", 7, 8],
    ["a b", 'expected operator after label "a"', 2, 3],
    ["a has(b)", 'expected operator after label "a"', 2, 8],
    ['a (== "b")', 'expected operator after label "a"', 2, 3],
    ['a "b"', 'expected operator after label "a"', 2, 5],
    ['a == "b" &&\nc == "d"', "expected identifier", 11, 12],
    ['a == "b"\r', "expected identifier", 8, 9],
    ['a\n== "b"', 'expected operator after label "a"', 1, 2],
    ['a@b == "c"', 'expected operator after label "a"', 1, 2],
    ['@a == "c"', "expected identifier", 0, 1],
    ["has (a)", 'expected operator after label "has"', 4, 5],
    ["has(a", "no closing ')' after has(", 5, 5],
    ["has(a b)", "no closing ')' after has(", 6, 7],
    ["has()", "expected identifier", 4, 5],
    ["has( )", "expected identifier", 5, 6],
    ["all(a)", "no closing ')' after all(", 4, 5],
    ["global(", "no closing ')' after global(", 7, 7],
    ["all ()", 'expected operator after label "all"', 4, 5],
  ])("%j: %s at [%i, %i)", (text, message, start, end) => {
    expect(failure(text)).toEqual([message, start, end]);
  });

  it("limits labels to 512 bytes", () => {
    const ok = "k".repeat(512);
    expect(canonical(`${ok} == "v"`)).toBe(`${ok} == "v"`);
    expect(canonical(`has(${ok})`)).toBe(`has(${ok})`);
    const long = "k".repeat(513);
    expect(failure(`${long} == "v"`)).toEqual([`label too long: ${long}`, 0, 513]);
    expect(failure(`has(${long})`)).toEqual([`label too long: ${long}`, 0, 518]);
  });

  it("reports the first error only", () => {
    expect(failure('a b == "c" @')).toEqual(['expected operator after label "a"', 2, 3]);
  });

  it("maps error offsets through the caller's location", () => {
    const result = parseSelector('a == "b" && c d', {
      location: { toSpan: (start, end) => ({ file: "policy.yaml", start: 100 + start, end: 100 + end }) },
    });
    expect(result).toEqual({
      ok: false,
      diagnostics: [
        {
          code: "selector-syntax",
          severity: "error",
          message: 'expected operator after label "c"',
          span: { file: "policy.yaml", start: 114, end: 115 },
        },
      ],
    });
  });

  it("recovers after an error (the shared parser instance is reset)", () => {
    expect(parseSelector("(").ok).toBe(false);
    expect(canonical("has(a)")).toBe("has(a)");
  });
});

describe("parseSelector: v1 dialect", () => {
  it("accepts the common grammar", () => {
    expect(canonical('a == "b" && c not in {"x"} || has(d) && !all()', "v1")).toBe(
      '((a == "b" && c not in {"x"}) || (has(d) && !all()))',
    );
  });
  it("has no contains, starts with, ends with or global()", () => {
    expect(failure('a contains "x"', "v1")).toEqual(['expected operator after label "a"', 2, 10]);
    expect(failure('a starts with "x"', "v1")).toEqual(['expected operator after label "a"', 2, 8]);
    expect(failure('a ends with "x"', "v1")).toEqual(['expected operator after label "a"', 2, 6]);
    expect(failure("global()", "v1")).toEqual(['expected operator after label "global"', 6, 7]);
  });
  it("keeps those words as labels", () => {
    expect(parsed('contains == "x"', "v1")).toEqual({ kind: "eq", label: "contains", value: "x" });
  });
});

describe("parseSelector: speed", () => {
  it("parses 10,000 distinct selectors quickly", () => {
    const texts = Array.from(
      { length: 10_000 },
      (_, i) => `(app == "web${i}" && tier in {"a", "b${i}"}) || !has(role${i}) && env starts with "prod"`,
    );
    const started = performance.now();
    for (const text of texts) expect(parseSelector(text).ok).toBe(true);
    // A generous bound for slow CI machines: about 0.1 s compiled, under 1 s through vitest.
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
