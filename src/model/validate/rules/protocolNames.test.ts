import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

describe("protocolNames", () => {
  test("accepts Calico names and numbers 1-255, digit strings included", () => {
    for (const p of ["TCP", "UDP", "ICMP", "ICMPv6", "SCTP", "UDPLite", "1", "255", "'17'"]) {
      expect(codesAt(gnpYaml("ingress:", "- action: Allow", `  protocol: ${p}`))).toEqual([]);
    }
  });

  test("protocol names are case-sensitive in v3", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: tcp"))).toEqual([
      { code: "invalid-protocol", line: 8, column: 15 },
    ]);
  });

  test("numbers must be 1-255, for notProtocol too", () => {
    expect(codesAt(gnpYaml("egress:", "- action: Deny", "  protocol: 0", "  notProtocol: 256"))).toEqual([
      { code: "invalid-protocol", line: 8, column: 15 },
      { code: "invalid-protocol", line: 9, column: 18 },
    ]);
  });
});
