/**
 * Divergences found while proving field coverage (test/fieldCoverage.test.ts), kept like the fuzz
 * regressions: the case, what was wrong, and how it was settled.
 */
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow } from "../../src/semantics/index.js";
import { compileYaml, disagreements, irAllows } from "./differential.js";

function compiled(yaml: string) {
  const c = compileYaml(yaml, "node-1");
  if (typeof c === "string") throw new Error(c);
  return c;
}

describe("profile regressions", () => {
  // Compiler bug: a hand-written Profile named like a namespace's profile (kns.<ns>) replaced the
  // one derived from the Namespace, while the evaluator kept the derived one. kube-controllers
  // writes kns./ksa. profiles from the Kubernetes objects and overwrites any other
  // (kube-controllers/pkg/controllers/namespace), so the derived one wins. Fixed in
  // src/compiler/profiles.ts.
  it("a namespace's own profile wins over a Profile of the same name", () => {
    const c = compiled(`
apiVersion: v1
kind: Namespace
metadata: {name: a}
---
apiVersion: v1
kind: Pod
metadata: {name: p0, namespace: a}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.1}
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: kns.a}
spec:
  ingress: [{action: Deny}]
  egress: [{action: Deny}]
`);
    const out: Flow = { family: 4, src: { endpoint: "a/p0" }, dst: { ip: "192.0.2.1" }, protocol: 6, srcPort: 40000, dstPort: 80 };
    expect(evaluateFlow(c.prepared, out).allowed).toBe(true);
    expect(irAllows(c, out)).toBe(true);
    expect(disagreements(c, [out])).toEqual([]);
  });
});
