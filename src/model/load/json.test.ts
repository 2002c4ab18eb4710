/**
 * JSON input reads as JSON: YAML 1.1's implicit types change nothing for it (its scalars are
 * numbers, true, false and null, and its strings are quoted), except that an integer beyond 2^53
 * keeps its text instead of losing digits (see resolveScalar.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadDocuments } from "./loadDocuments.js";
import { toPlain } from "./toPlain.js";

function hasUnsafeInteger(value: unknown): boolean {
  if (typeof value === "number") return Number.isInteger(value) && !Number.isSafeInteger(value);
  if (Array.isArray(value)) return value.some(hasUnsafeInteger);
  if (value !== null && typeof value === "object") return Object.values(value).some(hasUnsafeInteger);
  return false;
}

describe("JSON input", () => {
  it("loads to what JSON.parse gives (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 3 }), fc.boolean(), (value, pretty) => {
        fc.pre(!hasUnsafeInteger(value));
        const text = JSON.stringify({ kind: "X", value }, null, pretty ? 2 : undefined);
        const r = loadDocuments([{ path: "x.json", text }]);
        expect(r.diagnostics).toEqual([]);
        expect(r.documents.map((d) => toPlain(d.node))).toEqual([JSON.parse(text)]);
      }),
      { numRuns: 500 },
    );
  });

  it("keeps integers beyond 2^53 as their text", () => {
    const r = loadDocuments([{ path: "x.json", text: '{"a": 9007199254740993, "b": 9007199254740991, "c": 1e400, "d": 1.5e300}' }]);
    expect(toPlain(r.documents[0]!.node)).toEqual({ a: "9007199254740993", b: 9007199254740991, c: "1e400", d: 1.5e300 });
  });
});
