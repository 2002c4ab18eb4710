import { describe, expect, it } from "vitest";
import { loadModelFromObjects } from "../../model/loadModel.js";
import { compileModel } from "../compile.js";
import { diffIr, isEmptyDelta } from "../ir/delta.js";
import { createCompiler, settingsNeedFullCompile } from "./createCompiler.js";

const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "a", namespace: "ns" }, spec: { nodeName: "node-1" }, status: { podIP: "10.0.0.1" } };
const felix = { apiVersion: "projectcalico.org/v3", kind: "FelixConfiguration", metadata: { name: "default" }, spec: { defaultEndpointToHostAction: "Accept", iptablesMarkMask: 0xff00 } };

describe("the incremental compiler with host-side resources", () => {
  it("compiles in full while a FelixConfiguration is held, and incrementally again after", () => {
    const base = loadModelFromObjects([pod]).model;
    const withFelix = loadModelFromObjects([pod, felix]).model;
    const compiler = createCompiler({ node: "node-1" });
    const first = compiler.load(base);
    expect(first.ir).toEqual(compileModel(base, { node: "node-1" }).ir);
    const second = compiler.load(withFelix);
    expect(second.ir).toEqual(compileModel(withFelix, { node: "node-1" }).ir);
    expect(second.delta).toEqual(diffIr(first.ir, second.ir));
    expect(second.delta.marksChanged).toBe(true);
    const third = compiler.load(base);
    expect(third.ir).toEqual(first.ir);
    expect(third.delta).toEqual(diffIr(second.ir, third.ir));
    expect(isEmptyDelta(compiler.update([]).delta)).toBe(true);
  });

  it("stays incremental with a FelixConfiguration that leaves the node's settings at the defaults", () => {
    const config = (name: string, spec: object) => loadModelFromObjects([{ apiVersion: "projectcalico.org/v3", kind: "FelixConfiguration", metadata: { name }, spec }]).model.resources;
    expect(settingsNeedFullCompile(config("default", { logSeverityScreen: "Info" }), "node-1")).toBe(false);
    expect(settingsNeedFullCompile(config("default", { defaultEndpointToHostAction: "Drop", vxlanPort: 4789 }), "node-1")).toBe(false);
    expect(settingsNeedFullCompile(config("node.node-2", { defaultEndpointToHostAction: "Accept" }), "node-1")).toBe(false);
    expect(settingsNeedFullCompile(config("node.node-1", { defaultEndpointToHostAction: "Accept" }), "node-1")).toBe(true);
    expect(settingsNeedFullCompile(config("default", { vxlanEnabled: false }), "node-1")).toBe(true);
    const quiet = loadModelFromObjects([pod, { ...felix, spec: { logSeverityScreen: "Info" } }]).model;
    const compiler = createCompiler({ node: "node-1" });
    expect(compiler.load(quiet).ir).toEqual(compileModel(quiet, { node: "node-1" }).ir);
    const loud = loadModelFromObjects([pod, felix]).model;
    expect(compiler.load(loud).ir).toEqual(compileModel(loud, { node: "node-1" }).ir);
    expect(compiler.load(quiet).ir).toEqual(compileModel(quiet, { node: "node-1" }).ir);
  });
});
