import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml } from "../testSupport.js";

describe("portsNeedProtocol", () => {
  test("ports with TCP, UDP, SCTP or their numbers are fine", () => {
    for (const p of ["TCP", "UDP", "SCTP", "6", "17", "132"]) {
      expect(codesAt(gnpYaml("ingress:", "- action: Allow", `  protocol: ${p}`, "  destination:", "    ports: [80]"))).toEqual([]);
    }
  });

  test("ports without a protocol are an error at the ports key", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  source:", "    notPorts: [80]"))).toEqual([
      { code: "ports-need-protocol", line: 9, column: 7 },
    ]);
  });

  test("ports with ICMP are an error", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: ICMP", "  destination:", "    ports: [80]"))).toEqual([
      { code: "ports-need-protocol", line: 10, column: 7 },
    ]);
  });

  test("only named ports with no protocol are allowed", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  destination:", "    ports: [http, metrics]"))).toEqual([]);
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  destination:", "    ports: [http, 80]"))).toEqual([
      { code: "ports-need-protocol", line: 9, column: 7 },
    ]);
  });
});

test("a misspelt protocol is reported once, by protocolNames", () => {
  expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  protocol: tcp", "  destination:", "    ports: [80]"))).toEqual([
    { code: "invalid-protocol", line: 8, column: 15 },
  ]);
});
