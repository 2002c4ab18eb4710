import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

describe("ipFamilies", () => {
  test("one family across both sides is fine", () => {
    expect(
      codesAt(gnpYaml("ingress:", "- action: Allow", "  ipVersion: 6", "  source:", "    nets: ['fd00::/8']", "  destination:", "    notNets: ['fd00::1']")),
    ).toEqual([]);
  });

  test("IPv4 source with IPv6 destination notNets", () => {
    expect(
      codesAt(gnpYaml("ingress:", "- action: Allow", "  source:", "    nets: [10.0.0.0/8]", "  destination:", "    notNets: ['fd00::/8']")),
    ).toEqual([{ code: "mixed-ip-families", line: 11, column: 17 }]);
  });

  test("nets must match ipVersion", () => {
    expect(codesAt(gnpYaml("egress:", "- action: Allow", "  ipVersion: 6", "  destination:", "    nets: [10.0.0.0/8]"))).toEqual([
      { code: "mixed-ip-families", line: 10, column: 14 },
    ]);
  });
});
