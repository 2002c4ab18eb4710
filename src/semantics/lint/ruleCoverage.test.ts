import { describe, expect, it } from "vitest";
import { parseCidr } from "../addresses.js";
import { bitsOf } from "../bits.js";
import type { PreparedCalicoRule, PreparedEntity } from "../types.js";
import { cidrCovers, ruleCovers } from "./ruleCoverage.js";

const cidr = (t: string) => parseCidr(t)!;
const entity = (e: Partial<PreparedEntity> = {}): PreparedEntity => ({ nets: [], notNets: [], notSelectors: [], ports: [], notPorts: [], ...e });
const rule = (r: Partial<PreparedCalicoRule> = {}): { kind: "calico"; rule: PreparedCalicoRule } => ({
  kind: "calico",
  rule: { kind: "calico", action: "Allow", source: entity(), destination: entity(), path: "spec.ingress.0", ...r },
});
const range = (first: number, last = first) => ({ kind: "range" as const, first, last });
const sel = (text: string, members: number[]) => ({ text, members: bitsOf(8, members) });

describe("ruleCovers", () => {
  it("a rule with no criteria covers everything", () => {
    expect(ruleCovers(rule(), rule({ protocol: 6, destination: entity({ ports: [range(80)] }) }))).toBe("structural");
  });

  it("protocol, ports and nets by inclusion", () => {
    expect(ruleCovers(rule({ protocol: 6 }), rule({ protocol: 6, destination: entity({ ports: [range(80, 90)] }) }))).toBe("structural");
    expect(ruleCovers(rule({ protocol: 6, destination: entity({ ports: [range(80, 90)] }) }), rule({ protocol: 6 }))).toBeUndefined();
    expect(ruleCovers(rule({ protocol: 6, destination: entity({ ports: [range(80, 90)] }) }), rule({ protocol: 6, destination: entity({ ports: [range(85, 95)] }) }))).toBeUndefined();
    expect(ruleCovers(rule({ source: entity({ nets: [cidr("10.0.0.0/8")] }) }), rule({ source: entity({ nets: [cidr("10.1.0.0/16")] }) }))).toBe("structural");
    expect(ruleCovers(rule({ protocol: 6 }), rule())).toBeUndefined();
    expect(ruleCovers(rule({ family: 4 }), rule())).toBeUndefined();
  });

  it("negations: what the earlier rule excludes, the later one must exclude too", () => {
    // e excludes 10/8; r matches 10.1/16, inside it: not covered.
    expect(ruleCovers(rule({ source: entity({ notNets: [cidr("10.0.0.0/8")] }) }), rule({ source: entity({ nets: [cidr("10.1.0.0/16")] }) }))).toBeUndefined();
    // r's nets avoid the exclusion, or r excludes a wider range.
    expect(ruleCovers(rule({ source: entity({ notNets: [cidr("10.0.0.0/8")] }) }), rule({ source: entity({ nets: [cidr("192.168.0.0/16")] }) }))).toBe("structural");
    expect(ruleCovers(rule({ source: entity({ notNets: [cidr("10.1.0.0/16")] }) }), rule({ source: entity({ notNets: [cidr("10.0.0.0/8")] }) }))).toBe("structural");
    expect(ruleCovers(rule({ protocol: 6, destination: entity({ notPorts: [range(22)] }) }), rule({ protocol: 6, destination: entity({ ports: [range(80)] }) }))).toBe("structural");
    expect(ruleCovers(rule({ notProtocol: 17 }), rule({ protocol: 6 }))).toBe("structural");
    expect(ruleCovers(rule({ notProtocol: 17 }), rule())).toBeUndefined();
  });

  it("selectors: by text for any endpoints, by members given the input", () => {
    expect(ruleCovers(rule({ source: entity({ selector: sel("a == 'x'", [1]) }) }), rule({ source: entity({ selector: sel("a == 'x'", [1]) }) }))).toBe("structural");
    expect(ruleCovers(rule({ source: entity({ selector: sel("a == 'x'", [1, 2]) }) }), rule({ source: entity({ selector: sel("b == 'y'", [2]) }) }))).toBe("input");
    expect(ruleCovers(rule({ source: entity({ selector: sel("a == 'x'", [1]) }) }), rule({ source: entity({ selector: sel("b == 'y'", [2]) }) }))).toBeUndefined();
    // A selector that matches nothing is covered by nothing (selector-matches-nothing reports it).
    expect(ruleCovers(rule({ source: entity({ selector: sel("a == 'x'", [1]) }) }), rule({ source: entity({ selector: sel("b == 'y'", []) }) }))).toBeUndefined();
    // An earlier selector where the later rule has none: the later one also matches outside addresses.
    expect(ruleCovers(rule({ source: entity({ selector: sel("all()", [0, 1, 2]) }) }), rule())).toBeUndefined();
  });

  it("ICMP", () => {
    expect(ruleCovers(rule({ protocol: 1, icmp: { type: 8 } }), rule({ protocol: 1, icmp: { type: 8, code: 0 } }))).toBe("structural");
    expect(ruleCovers(rule({ protocol: 1, icmp: { type: 8, code: 0 } }), rule({ protocol: 1, icmp: { type: 8 } }))).toBeUndefined();
    expect(ruleCovers(rule({ notICMP: { type: 8 } }), rule({ protocol: 6 }))).toBe("structural");
  });
});

describe("cidrCovers", () => {
  it("nests within a family only", () => {
    expect(cidrCovers(cidr("10.0.0.0/8"), cidr("10.2.3.0/24"))).toBe(true);
    expect(cidrCovers(cidr("10.2.3.0/24"), cidr("10.0.0.0/8"))).toBe(false);
    expect(cidrCovers(cidr("::/0"), cidr("10.0.0.0/8"))).toBe(false);
  });
});
