import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

describe("catchAllNotNets", () => {
  test("0.0.0.0/0 and ::/0 in notNets are errors", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  source:", "    notNets: [0.0.0.0/0]"))).toEqual([
      { code: "catch-all-not-net", line: 9, column: 17 },
    ]);
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  destination:", "    notNets: ['::/0']"))).toEqual([
      { code: "catch-all-not-net", line: 9, column: 17 },
    ]);
  });

  test("a catch-all in nets, or a narrower notNet, is fine", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  source:", "    nets: [0.0.0.0/0]", "    notNets: [10.0.0.0/8]"))).toEqual([]);
  });
});
