/**
 * `compactReachability` against one evaluation per pair on hand-made models for the corners
 * random clusters seldom reach: the pass mark carried from a tier into the profiles, and from one
 * profile into the next.
 */
import { describe, expect, it } from "vitest";
import { matrixDifferences } from "../../test/helpers/bruteMatrix.js";
import { prepareModel } from "./prepareModel.js";
import { compactReachability, type MatrixPort } from "./reachabilityMatrix.js";
import { globalPolicy, model, profile, rule, workloadEndpoint } from "./testing.js";

const ports: MatrixPort[] = [
  { port: 80, protocol: "TCP", srcPort: 40000 },
  { port: 53, protocol: "UDP", srcPort: 40000 },
];

describe("compactReachability", () => {
  it("carries the pass mark from the tiers and between profiles", () => {
    const p = prepareModel(
      model(
        profile("p1", { ingress: [rule("Pass", { protocol: "UDP" }), rule("Allow")], egress: [rule("Allow")] }),
        profile("p2", { ingress: [rule("Pass"), rule("Allow")], egress: [rule("Allow")] }),
        profile("p3", { ingress: [rule("Pass", { protocol: "UDP" }), rule("Allow")], egress: [rule("Allow")] }),
        profile("p4", { ingress: [rule("Deny", { protocol: "UDP" }), rule("Allow")], egress: [rule("Allow")] }),
        profile("p5", { ingress: [rule("Deny")], egress: [rule("Allow")] }),
        workloadEndpoint("ns", "a", { nets: ["10.1.0.1/32"], profiles: ["p1"], labels: { from: "y" } }),
        workloadEndpoint("ns", "b", { nets: ["10.1.0.2/32"], profiles: ["p2", "p3"] }),
        workloadEndpoint("ns", "c", { nets: ["10.1.0.3/32"], profiles: ["p1", "p4"], labels: { pass: "yes" } }),
        workloadEndpoint("ns", "d", { nets: ["10.1.0.4/32"], profiles: ["p3", "p5"], labels: { pass: "yes", from: "x" } }),
        globalPolicy("pass", { selector: "pass == 'yes'", ingress: [rule("Pass", { source: { selector: "has(from)" } }), rule("Pass", { protocol: "UDP" })] }),
      ),
    );
    for (const family of [4] as const) {
      const compact = compactReachability(p, ports, family);
      expect(compact.endpoints).toEqual(["ns/a", "ns/b", "ns/c", "ns/d"]);
      expect(matrixDifferences(p, compact, ports, family)).toEqual([]);
      // a -> d: the tier's Pass sets the mark, so p3 ends at its unmatched UDP Pass and p5 denies.
      expect(compact.ports[0]!.allowed(0, 3)).toBe(false);
      // b -> d: no rule of the tier matches (b has no `from`): the tier's default denies.
      expect(compact.ports[0]!.allowed(1, 3)).toBe(false);
    }
  });
});
