import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitDocuments } from "./splitDocuments.js";

describe("splitDocuments", () => {
  it("cuts before --- markers at line starts only", () => {
    const text = "a: 1\n---\nb: x --- y\n--- c\n---word\n";
    expect(splitDocuments(text)).toEqual([
      { start: 0, text: "a: 1\n" },
      { start: 5, text: "---\nb: x --- y\n" },
      { start: 20, text: "--- c\n---word\n" },
    ]);
  });

  it("keeps directives with the following document", () => {
    const text = "a: 1\n...\n%YAML 1.2\n%TAG ! tag:x,2000:\n---\nb: 2\n";
    const chunks = splitDocuments(text);
    expect(chunks.map((c) => c.text)).toEqual(["a: 1\n...\n", "%YAML 1.2\n%TAG ! tag:x,2000:\n---\nb: 2\n"]);
  });

  it("returns one chunk for text without markers, even empty text", () => {
    expect(splitDocuments("")).toEqual([{ start: 0, text: "" }]);
    expect(splitDocuments("---\na: 1")).toEqual([{ start: 0, text: "---\na: 1" }]);
  });

  it("ends on a directive line right after a leading newline (once an endless loop, found by the property below)", () => {
    expect(splitDocuments("\n%\n---")).toEqual([
      { start: 0, text: "\n" },
      { start: 1, text: "%\n---" },
    ]);
  });

  it("chunks concatenate to the text at their offsets", () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom("-", "\n", "a", " ", "%", "\r") }), (text) => {
        const chunks = splitDocuments(text);
        expect(chunks.map((c) => c.text).join("")).toBe(text);
        for (const c of chunks) expect(text.slice(c.start, c.start + c.text.length)).toBe(c.text);
      }),
    );
  });
});
