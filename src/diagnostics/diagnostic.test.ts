import { describe, expect, it } from "vitest";
import { error, warning } from "./diagnostic.js";
import { diagnosticToJson } from "./format.js";
import { viaMerge } from "./span.js";

describe("error() and warning() with spans found through a merge key", () => {
  const anchored = { file: "f.yaml", start: 10, end: 13 };
  const merge = { file: "f.yaml", start: 40, end: 44 };

  it("place the diagnostic at the merge, with a note at the anchored text, and keep spans plain", () => {
    const d = error("invalid-type", "x", viaMerge(anchored, merge), [{ message: "see also", span: viaMerge({ file: "f.yaml", start: 1, end: 2 }, merge) }]);
    expect(d).toEqual({
      code: "invalid-type",
      severity: "error",
      message: "x",
      span: merge,
      notes: [
        { message: "merged from here", span: anchored },
        { message: "see also", span: merge },
        { message: "merged from here", span: { file: "f.yaml", start: 1, end: 2 } },
      ],
    });
    expect(d.span).not.toHaveProperty("mergedAt");
    expect(diagnosticToJson(d, { "f.yaml": "a".repeat(50) })).toMatchObject({ line: 1, column: 41, notes: [{ line: 1, column: 11 }, { line: 1, column: 41 }, { line: 1, column: 2 }] });
  });

  it("leave other spans alone", () => {
    expect(warning("unknown-field", "y", anchored)).toEqual({ code: "unknown-field", severity: "warning", message: "y", span: anchored });
    expect(viaMerge(anchored, undefined)).toBe(anchored);
  });
});
