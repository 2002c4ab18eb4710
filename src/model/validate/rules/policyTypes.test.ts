import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml, validateYaml, yaml } from "../testSupport.js";

describe("policyTypes", () => {
  test("a repeated type is an error at the repeat", () => {
    expect(codesAt(gnpYaml("types: [Ingress, Ingress]"))).toEqual([{ code: "invalid-policy-types", line: 6, column: 20 }]);
  });

  test("more than two types or an unknown type are schema errors", () => {
    expect(codesAt(gnpYaml("types: [Ingress, Egress, Ingress]"))).toEqual([{ code: "invalid-value", line: 6, column: 10 }]);
    expect(codesAt(gnpYaml("types: [ingress]"))).toEqual([{ code: "invalid-value", line: 6, column: 11 }]);
  });

  test("Kubernetes policyTypes may not repeat either", () => {
    const text = yaml(
      "apiVersion: networking.k8s.io/v1",
      "kind: NetworkPolicy",
      "metadata: {name: p}",
      "spec:",
      "  podSelector: {}",
      "  policyTypes: [Egress, Egress]",
    );
    expect(codesAt(text)).toEqual([{ code: "invalid-policy-types", line: 6, column: 25 }]);
  });

  test("Calico defaults: none → Ingress, egress only → Egress, both → both", () => {
    const types = (...spec: string[]) => {
      const r = validateYaml(gnpYaml(...spec)).model.resources[0];
      return r && "types" in r ? r.types : undefined;
    };
    expect(types("selector: all()")).toEqual(["Ingress"]);
    expect(types("egress: [{action: Allow}]")).toEqual(["Egress"]);
    expect(types("ingress: [{action: Allow}]", "egress: [{action: Allow}]")).toEqual(["Ingress", "Egress"]);
    expect(types("types: [Egress]", "ingress: [{action: Allow}]")).toEqual(["Egress"]);
  });
});
