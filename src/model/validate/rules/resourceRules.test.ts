import { describe, expect, test } from "vitest";
import { codesAt, validateYaml, yaml } from "../testSupport.js";

const calico = (kind: string, name: string, ...spec: string[]) =>
  yaml("apiVersion: projectcalico.org/v3", `kind: ${kind}`, "metadata:", `  name: ${name}`, ...spec);

describe("resourceNames", () => {
  test("NetworkPolicy: label, label.label, knp.default.<subdomain>", () => {
    for (const n of ["allow", "tier1.allow", "knp.default.a.b.c"]) {
      expect(codesAt(calico("NetworkPolicy", n, "spec: {tier: default}"))).toEqual([]);
    }
    expect(codesAt(calico("NetworkPolicy", "a.b.c", "spec: {}"))).toEqual([{ code: "invalid-name", line: 4, column: 9 }]);
    expect(codesAt(calico("NetworkPolicy", "Allow", "spec: {}"))).toEqual([{ code: "invalid-name", line: 4, column: 9 }]);
  });

  test("GlobalNetworkPolicy rejects knp. names; Tier must be a DNS label", () => {
    expect(codesAt(calico("GlobalNetworkPolicy", "knp.default.x", "spec: {}"))).toEqual([{ code: "invalid-name", line: 4, column: 9 }]);
    expect(codesAt(calico("Tier", "a.b", "spec: {}"))).toEqual([{ code: "invalid-name", line: 4, column: 9 }]);
    expect(codesAt(calico("Tier", "x".repeat(64), "spec: {}"))).toEqual([{ code: "invalid-name", line: 4, column: 9 }]);
  });

  test("most kinds are DNS subdomains of at most 253", () => {
    expect(codesAt(calico("GlobalNetworkSet", "a.b.c", "spec: {}"))).toEqual([]);
    expect(codesAt(calico("GlobalNetworkSet", "a_b", "spec: {}"))).toEqual([{ code: "invalid-name", line: 4, column: 9 }]);
    expect(codesAt(calico("GlobalNetworkSet", `${"a".repeat(63)}.`.repeat(4) + "a", "spec: {}"))).toEqual([
      { code: "invalid-name", line: 4, column: 9 },
    ]);
  });

  test("namespaces must be DNS labels", () => {
    expect(codesAt(calico("NetworkSet", "s", "  namespace: Prod", "spec: {}"))).toEqual([{ code: "invalid-name", line: 5, column: 14 }]);
  });
});

describe("labelSyntax (metadata and labelsToApply)", () => {
  test("qualified keys and short values", () => {
    expect(
      codesAt(calico("Profile", "p", "  labels: {app.kubernetes.io/name: web, a: ''}", "spec:", "  labelsToApply: {role: db}")),
    ).toEqual([]);
    expect(
      codesAt(
        calico("Profile", "p", "  labels:", "    Bad_/x: v", `    k: ${"v".repeat(64)}`, "spec:", "  labelsToApply: {'a b': c}"),
      ),
    ).toEqual([
      { code: "invalid-label", line: 6, column: 5 },
      { code: "invalid-label", line: 7, column: 8 },
      { code: "invalid-label", line: 9, column: 19 },
    ]);
  });

  test("label values must be strings: the API server rejects a number, calicoctl reads it as a string", () => {
    const ns = yaml("apiVersion: v1", "kind: Namespace", "metadata:", "  name: ns", "  labels: {version: 1}");
    expect(codesAt(ns)).toEqual([{ code: "invalid-type", line: 5, column: 21 }]);
    const profile = validateYaml(calico("Profile", "p", "  labels: {version: 1, ratio: 0.5}"));
    expect(profile.found).toEqual([]);
    expect(profile.model.resources[0]?.metadata.labels).toEqual({ version: "1", ratio: "0.5" });
  });
});

describe("endpointPorts and hostEndpointAddress", () => {
  test("host endpoint ports and a missing interface/address", () => {
    expect(
      codesAt(calico("HostEndpoint", "h", "spec:", "  node: n1", "  ports:", "  - {name: Web, protocol: TCP, port: 0}")),
    ).toEqual([
      { code: "missing-field", line: 6, column: 3 },
      { code: "invalid-port", line: 8, column: 12 },
      { code: "invalid-port", line: 8, column: 38 },
    ]);
  });

  test("pod container ports", () => {
    const pod = yaml(
      "apiVersion: v1",
      "kind: Pod",
      "metadata: {name: web}",
      "spec:",
      "  containers:",
      "  - name: a",
      "    ports: [{containerPort: 80, name: http}]",
      "  - name: b",
      "    ports: [{containerPort: 70000, name: metrics}]",
    );
    expect(codesAt(pod)).toEqual([{ code: "invalid-port", line: 9, column: 29 }]);
  });
});
