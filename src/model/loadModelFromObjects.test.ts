import { describe, expect, it } from "vitest";
import { loadModelFromObjects } from "./loadModel.js";

describe("loadModelFromObjects", () => {
  it("validates in-memory objects into a model without positioned trees", () => {
    const { model, diagnostics } = loadModelFromObjects([
      { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop", labels: { team: "web" } } },
      { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "p" }, spec: { selector: "app == 'x'", ingress: [{ action: "Allow" }] } },
    ]);
    expect(diagnostics).toEqual([]);
    expect(model.resources.map((r) => r.kind)).toEqual(["Namespace", "GlobalNetworkPolicy"]);
    for (const r of model.resources) expect(r.origin.node).toBeUndefined();
  });

  it("reports bad objects against the source name", () => {
    const { model, diagnostics } = loadModelFromObjects(
      [{ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name: "p" }, spec: { selector: "app = 'x'" } }],
      "agent-cache",
    );
    expect(model.resources).toEqual([]);
    expect(diagnostics.map((d) => [d.code, d.span?.file])).toEqual([["selector-syntax", "agent-cache"]]);
  });
});
