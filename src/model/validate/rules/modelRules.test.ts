import { describe, expect, test } from "vitest";
import { validateYaml, yaml } from "../testSupport.js";
import { lineColumn } from "../../../diagnostics/span.js";

describe("duplicateResources", () => {
  const text = yaml(
    "apiVersion: projectcalico.org/v3",
    "kind: NetworkPolicy",
    "metadata: {name: p, namespace: a}",
    "---",
    "apiVersion: networking.k8s.io/v1",
    "kind: NetworkPolicy",
    "metadata: {name: p, namespace: a}",
    "spec: {podSelector: {}}",
    "---",
    "apiVersion: projectcalico.org/v3",
    "kind: NetworkPolicy",
    "metadata: {name: p, namespace: b}",
    "---",
    "apiVersion: projectcalico.org/v3",
    "kind: NetworkPolicy",
    "metadata: {name: p, namespace: a}",
  );

  test("error at the second with a note at the first; other kinds and namespaces differ", () => {
    const r = validateYaml(text);
    expect(r.found).toEqual([{ code: "duplicate-resource", severity: "error", line: 16, column: 18 }]);
    const note = r.diagnostics[0]?.notes?.[0];
    expect(note?.span && lineColumn(text, note.span.start)).toEqual({ line: 3, column: 18 });
    expect(r.model.resources.map((x) => `${x.kind}/${x.metadata.namespace}`)).toEqual([
      "NetworkPolicy/a",
      "K8sNetworkPolicy/a",
      "NetworkPolicy/b",
    ]);
  });
});

describe("unknownTier", () => {
  test("a tier that is not defined is a warning; default and defined tiers are fine", () => {
    const text = yaml(
      "apiVersion: projectcalico.org/v3",
      "kind: Tier",
      "metadata: {name: security}",
      "spec: {order: 100}",
      "---",
      "apiVersion: projectcalico.org/v3",
      "kind: GlobalNetworkPolicy",
      "metadata: {name: security.a}",
      "spec: {tier: security}",
      "---",
      "apiVersion: projectcalico.org/v3",
      "kind: GlobalNetworkPolicy",
      "metadata: {name: b}",
      "spec: {tier: platform}",
    );
    const r = validateYaml(text);
    expect(r.found).toEqual([{ code: "unknown-tier", severity: "warning", line: 14, column: 14 }]);
    expect(r.model.resources).toHaveLength(3);
  });
});

describe("duplicateResources (v1 endpoints)", () => {
  test("v1 workload endpoints are scoped by node, orchestrator and workload", () => {
    const wep = (workload: string) =>
      yaml(
        "apiVersion: v1",
        "kind: workloadEndpoint",
        `metadata: {name: eth0, workload: ${workload}, orchestrator: docker, node: n1}`,
        "spec: {interfaceName: cali1}",
      );
    expect(validateYaml(`${wep("a")}---\n${wep("b")}`).found).toEqual([]);
    expect(validateYaml(`${wep("a")}---\n${wep("a")}`).found).toEqual([
      { code: "duplicate-resource", severity: "error", line: 8, column: 18 },
    ]);
  });
});
