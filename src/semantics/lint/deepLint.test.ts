import { describe, expect, it } from "vitest";
import { loadModel } from "../../model/loadModel.js";
import { deepLint } from "./deepLint.js";

const yaml = `apiVersion: v1
kind: Pod
metadata: {name: web-0, namespace: shop, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.65.0.10}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: misspelt, namespace: shop}
spec:
  podSelector: {matchLabels: {app: wbe}}
  ingress:
    - {ports: [{port: 80}]}
    - {from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 80}]}
`;

describe("deepLint", () => {
  const { model } = loadModel([{ path: "p.yaml", text: yaml }]);
  const codes = (options: Parameters<typeof deepLint>[1]): string[] => deepLint(model, options).map((d) => d.code);

  it("runs the endpoint checks only when asked to", () => {
    // Without them only the checks that read the policies alone run (nothing to find here).
    expect(codes({ endpoints: false })).toEqual([]);
    expect(codes({ endpoints: true })).toEqual(["policy-selects-nothing", "shadowed-rule"]);
  });

  it("leaves the endpoint checks to --deep above the endpoint limit, and says so", () => {
    expect(codes({ endpoints: true, endpointLimit: 0 })).toEqual(["lint-checks-skipped"]);
    expect(codes({ endpoints: true, endpointLimit: 0, deep: true })).toContain("policy-selects-nothing");
  });
});
