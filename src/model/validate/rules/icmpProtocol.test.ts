import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

describe("icmpProtocol", () => {
  test("icmp with ICMP or ICMPv6 and a matching ipVersion is fine", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: ICMP", "  ipVersion: 4", "  icmp: {type: 8}"))).toEqual([]);
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: 58", "  ipVersion: 6", "  notICMP: {type: 128}"))).toEqual([]);
  });

  test("icmp without an ICMP protocol points at the key", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: TCP", "  icmp: {type: 8}"))).toEqual([
      { code: "icmp-needs-protocol", line: 9, column: 5 },
    ]);
  });

  test("ICMP with ipVersion 6, and ICMPv6 in notProtocol with ipVersion 4", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: ICMP", "  ipVersion: 6"))).toEqual([
      { code: "icmp-version-mismatch", line: 8, column: 15 },
    ]);
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  notProtocol: ICMPv6", "  ipVersion: 4"))).toEqual([
      { code: "icmp-version-mismatch", line: 8, column: 18 },
    ]);
  });
});
