import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

describe("gnpOptions", () => {
  test("preDNAT with applyOnForward and only ingress is fine", () => {
    expect(codesAt(gnpYaml("preDNAT: true", "applyOnForward: true", "ingress:", "- action: Deny"))).toEqual([]);
  });

  test("doNotTrack and preDNAT together, each without applyOnForward", () => {
    expect(codesAt(gnpYaml("doNotTrack: true", "preDNAT: true"))).toEqual([
      { code: "conflicting-options", line: 6, column: 15 },
      { code: "conflicting-options", line: 7, column: 12 },
      { code: "conflicting-options", line: 7, column: 12 },
    ]);
  });

  test("preDNAT forbids egress rules and the Egress type", () => {
    expect(codesAt(gnpYaml("preDNAT: true", "applyOnForward: true", "types: [Egress]", "egress:", "- action: Deny"))).toEqual([
      { code: "conflicting-options", line: 8, column: 10 },
      { code: "conflicting-options", line: 10, column: 3 },
    ]);
  });
});
