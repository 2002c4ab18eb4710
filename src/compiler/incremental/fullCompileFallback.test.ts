import { describe, expect, it } from "vitest";
import { loadModelFromObjects } from "../../model/loadModel.js";
import { compileModel } from "../compile.js";
import { diffIr, isEmptyDelta } from "../ir/delta.js";
import { createCompiler } from "./createCompiler.js";

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
});
