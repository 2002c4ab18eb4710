import { describe, expect, it } from "vitest";
import { compileModel } from "../compile.js";
import { loadModel } from "../../model/loadModel.js";
import { diffIr, isEmptyDelta } from "./delta.js";

function compile(yaml: string) {
  return compileModel(loadModel([{ path: "t.yaml", text: yaml }]).model, { node: "node-1" }).ir;
}

const base = `
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: ns, labels: {app: db}}
spec: {nodeName: node-1}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: ns, labels: {app: other}}
spec: {nodeName: node-2}
status: {podIP: 10.0.0.3}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  selector: app == 'db'
  ingress: [{action: Allow, source: {selector: app == 'web'}}]
`;

describe("diffIr", () => {
  it("is empty for the same IR", () => {
    const ir = compile(base);
    expect(isEmptyDelta(diffIr(ir, ir))).toBe(true);
    expect(isEmptyDelta(diffIr(ir, compile(base)))).toBe(true);
  });

  it("names changed set members, and chains added, changed and removed", () => {
    const before = compile(base);
    const d0 = diffIr(before, compile(base.replace("labels: {app: other}", "labels: {app: web}")));
    expect(d0.marksChanged).toBe(false);
    expect(d0.v4.setsChanged).toEqual([{ id: expect.any(String), added: ["10.0.0.3/32"], removed: [] }]);
    expect(d0.v4.tables).toEqual([]);
    const relabelled = compile(base.replace("labels: {app: db}", "labels: {app: web}"));
    const d = diffIr(before, relabelled);
    // b no longer gets the policy: its endpoint chain changes, the policy chain is unused.
    const filter = d.v4.tables.find((t) => t.table === "filter");
    expect(filter?.chainsChanged.length).toBeGreaterThan(0);
    expect(filter?.chainsRemoved).toContain("cali-pi-gnp/g");
    expect(diffIr(relabelled, before).v4.tables.find((t) => t.table === "filter")?.chainsAdded).toContain("cali-pi-gnp/g");
  });
});
