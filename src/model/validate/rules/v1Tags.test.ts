import { describe, expect, test } from "vitest";
import { codesAt, yaml } from "../testSupport.js";

describe("v1Tags", () => {
  test("valid tags pass; bad profile tags and rule tags fail", () => {
    const ok = yaml("apiVersion: v1", "kind: profile", "metadata: {name: net1, tags: [net1, Web_2.x-y]}", "spec:", "  ingress:", "  - action: allow", "    source: {tag: net1}");
    expect(codesAt(ok)).toEqual([]);
    const bad = yaml(
      "apiVersion: v1",
      "kind: profile",
      "metadata: {name: net1, tags: ['a b']}",
      "spec:",
      "  ingress:",
      "  - action: allow",
      "    source: {notTag: 'x/y'}",
    );
    expect(codesAt(bad)).toEqual([
      { code: "invalid-tag", line: 3, column: 31 },
      { code: "invalid-tag", line: 7, column: 22 },
    ]);
  });
});
