import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

describe("selectorGlobal", () => {
  test("global() as a whole rule namespaceSelector is allowed", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  source:", "    namespaceSelector: global()"))).toEqual([]);
  });

  test("global() inside a larger namespaceSelector", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  source:", "    namespaceSelector: global() || a == 'b'"))).toEqual([
      { code: "selector-global", line: 9, column: 26 },
    ]);
  });

  test("global() in a rule selector, the policy selector and the GNP namespaceSelector", () => {
    expect(
      codesAt(
        gnpYaml(
          "selector: '!global()'",
          "namespaceSelector: global()",
          "egress:",
          "- action: Allow",
          "  destination:",
          "    selector: global()",
        ),
      ),
    ).toEqual([
      { code: "selector-global", line: 6, column: 13 },
      { code: "selector-global", line: 7, column: 22 },
      { code: "selector-global", line: 11, column: 17 },
    ]);
  });
});
