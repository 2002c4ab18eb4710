import { describe, expect, it } from "vitest";
import type { YNode } from "../yamlTree.js";
import { loadDocuments } from "./loadDocuments.js";
import { toPlain } from "./toPlain.js";

const span = { file: "f", start: 0, end: 0 };

describe("toPlain", () => {
  it("converts maps, sequences and scalars", () => {
    const node: YNode = {
      kind: "map",
      span,
      entries: [
        { key: "a", keySpan: span, value: { kind: "seq", span, items: [{ kind: "scalar", value: 1, style: "plain", span }] } },
        { key: "b", keySpan: span, value: { kind: "scalar", value: null, style: "plain", span } },
      ],
    };
    expect(toPlain(node)).toEqual({ a: [1], b: null });
    expect(Object.getPrototypeOf(toPlain(node))).toBe(Object.prototype);
  });

  it("keeps __proto__ as an own key", () => {
    const doc = loadDocuments([{ path: "f", text: "__proto__: {polluted: true}\n" }]).documents[0]!;
    const plain = toPlain(doc.node) as Record<string, unknown>;
    expect(Object.keys(plain)).toEqual(["__proto__"]);
    expect((plain as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("shares aliased values instead of expanding them", () => {
    const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 12; i++) levels.push(`l${i}: &l${i} [${Array(9).fill(i === 1 ? "*a" : `*l${i - 1}`).join(", ")}]`);
    const doc = loadDocuments([{ path: "f", text: `${levels.join("\n")}\n` }]).documents[0]!;
    const plain = toPlain(doc.node) as Record<string, unknown[]>;
    expect(plain.l11).toHaveLength(9);
    expect(plain.l11![0]).toBe(plain.l11![1]);
  });
});
