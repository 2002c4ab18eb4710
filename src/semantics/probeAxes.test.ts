/**
 * `probeAxes` on hand-made models: where ICMP matches and protocols cut their axes, what each key
 * probes, and how a run of keys is reported. `policyDiff` over every axis is checked against
 * brute force on random clusters in test/fuzz/policyDiff.test.ts.
 */
import { describe, expect, it } from "vitest";
import { probeAxes, type ProbeAxis } from "./probeAxes.js";
import { equivalenceClasses } from "./equivalenceClasses.js";
import { prepareModel } from "./prepareModel.js";
import { globalPolicy, model, rule, workloadEndpoint } from "./testing.js";

const prepared = prepareModel(
  model(
    workloadEndpoint("ns", "a", { nets: ["10.1.0.1/32", "fd00::1/128"] }),
    globalPolicy("p", {
      selector: "all()",
      ingress: [
        rule("Allow", { protocol: "ICMP", icmp: { type: 8 } }),
        rule("Deny", { protocol: "ICMP", notICMP: { type: 3, code: 4 } }),
        rule("Allow", { protocol: 47 }),
        rule("Deny", { notProtocol: "UDPLite" }),
        rule("Allow", { protocol: "TCP", destination: { ports: [80] } }),
      ],
    }),
  ),
);

function axes(family: 4 | 6, wanted?: Parameters<typeof probeAxes>[4]): ProbeAxis[] {
  return probeAxes([prepared], [equivalenceClasses(prepared, family)], family, 40000, wanted);
}

describe("probeAxes", () => {
  it("sweeps the ports of TCP, UDP and SCTP, then the family's ICMP, then every other protocol", () => {
    const v4 = axes(4);
    expect(v4.map((a) => a.span(a.intervals[0]!.first, a.intervals[0]!.last).kind)).toEqual(["ports", "ports", "ports", "icmp", "protocols"]);
    // The rule's port 80, among Felix's failsafe ports (which split classes too).
    expect(v4[0]!.intervals).toContainEqual({ first: 80, last: 80 });
    expect(v4[0]!.probe(80)).toEqual({ protocol: 6, srcPort: 40000, dstPort: 80 });
    expect(v4.map((a) => a.rewalkEach)).toEqual([false, false, false, true, true]);
  });

  it("cuts ICMP at a type (every code) and at a type and code, keyed type * 256 + code", () => {
    const icmp = axes(4)[3]!;
    expect(icmp.intervals).toEqual([
      { first: 0, last: 3 * 256 + 3 },
      { first: 3 * 256 + 4, last: 3 * 256 + 4 },
      { first: 3 * 256 + 5, last: 8 * 256 - 1 },
      { first: 8 * 256, last: 9 * 256 - 1 },
      { first: 9 * 256, last: 65535 },
    ]);
    expect(icmp.probe(3 * 256 + 4)).toEqual({ protocol: 1, icmpType: 3, icmpCode: 4 });
    // Types other than 3 and 8 are alike, and so are type 3's codes other than 4.
    expect(icmp.sameAs).toEqual([0, 1, 0, 3, 0]);
    expect(icmp.span(8 * 256, 9 * 256 - 1)).toEqual({ kind: "icmp", protocol: "ICMP", first: { type: 8, code: 0 }, last: { type: 8, code: 255 } });
    // IPv6 sweeps ICMPv6; the ICMP rules name protocol 1 there, one of the other protocols.
    const v6 = axes(6);
    expect(v6[3]!.probe(128 * 256)).toEqual({ protocol: 58, icmpType: 128, icmpCode: 0 });
    expect(v6[3]!.intervals).toHaveLength(5);
  });

  it("cuts the other protocols where rules name one, and at IPIP, skipping those with an axis of their own", () => {
    const others = axes(4)[4]!;
    const spans = others.intervals.map((i) => others.span(i.first, i.last));
    // 1 (ICMP), 6 (TCP), 17 (UDP) and 132 (SCTP) have their own axes on IPv4; UDPLite (136) does not.
    expect(spans).toEqual([
      { kind: "protocols", first: 0, last: 3 },
      { kind: "protocols", first: 4, last: 4 },
      { kind: "protocols", first: 5, last: 46 },
      { kind: "protocols", first: 47, last: 47 },
      { kind: "protocols", first: 48, last: 135 },
      { kind: "protocols", first: 136, last: 136 },
      { kind: "protocols", first: 137, last: 255 },
    ]);
    expect(others.probe(others.intervals[3]!.first)).toEqual({ protocol: 47 });
    // The protocols no rule names are alike; IPIP, 47 and UDPLite each stand alone.
    expect(others.sameAs).toEqual([0, 1, 0, 3, 0, 5, 0]);
    // Keys are positions among the protocols swept: the interval after 0..3 starts at the key of 4.
    expect(others.intervals[0]).toEqual({ first: 0, last: 2 });
    const v6 = axes(6)[4]!;
    expect(v6.intervals.map((i) => v6.span(i.first, i.last)).slice(0, 3)).toEqual([
      { kind: "protocols", first: 0, last: 0 },
      { kind: "protocols", first: 1, last: 1 },
      { kind: "protocols", first: 2, last: 3 },
    ]);
    expect(v6.probe(1)).toEqual({ protocol: 1 });
  });

  it("probes only what is asked for", () => {
    const wanted = axes(4, [
      { protocol: "UDP", port: 53 },
      { protocol: "ICMP", type: 8, code: 0 },
    ]);
    expect(wanted.map((a) => [a.portProtocol, a.intervals])).toEqual([
      [17, [{ first: 53, last: 53 }]],
      [undefined, [{ first: 8 * 256, last: 8 * 256 }]],
    ]);
  });
});
