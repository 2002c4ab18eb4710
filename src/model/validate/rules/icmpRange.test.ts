import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

const icmp = (value: string) => gnpYaml("ingress:", "- action: Allow", "  protocol: ICMP", `  icmp: ${value}`);

describe("icmpRange", () => {
  test("type 0-254 and code 0-255 pass", () => {
    expect(codesAt(icmp("{type: 0, code: 255}"))).toEqual([]);
    expect(codesAt(icmp("{type: 254}"))).toEqual([]);
  });

  test("type 255 and code 256 are out of range", () => {
    expect(codesAt(icmp("{type: 255, code: 256}"))).toEqual([
      { code: "invalid-icmp", line: 9, column: 18 },
      { code: "invalid-icmp", line: 9, column: 29 },
    ]);
  });

  test("a code needs a type (error at the code key)", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: ICMP", "  notICMP:", "    code: 3"))).toEqual([
      { code: "invalid-icmp", line: 10, column: 7 },
    ]);
  });
});
