/**
 * The benchmark's two input forms (bench/generateCluster.ts) are the same cluster: the YAML
 * stream and the `kubectl get -o json` List load into the same model, without diagnostics. The
 * benchmark compares each against its own parse floor, so they must describe the same work.
 * Figures and times are the benchmark's business (`npm run bench`); nothing here times anything.
 */
import { describe, expect, it } from "vitest";
import { generateJson, generateYaml, type ClusterShape } from "../bench/generateCluster.js";
import { loadModel } from "../src/model/loadModel.js";

describe("the benchmark's inputs", () => {
  it("the YAML stream and the JSON List of a shape load into the same model", () => {
    const shape: ClusterShape = { name: "tiny", namespaces: 5, pods: 200, localPods: 10, policies: 40 };
    const yaml = loadModel([{ path: "cluster.yaml", text: generateYaml(shape) }]);
    const json = loadModel([{ path: "cluster.json", text: generateJson(shape) }]);
    expect(yaml.diagnostics).toEqual([]);
    expect(json.diagnostics).toEqual([]);
    expect(yaml.model.resources.length).toBeGreaterThan(shape.pods + shape.policies);
    // Origins differ (other files, other positions); the resources do not.
    const strip = (m: typeof yaml.model): unknown => JSON.parse(JSON.stringify(m.resources, (k, v: unknown) => (k === "origin" ? undefined : v)));
    expect(strip(json.model)).toEqual(strip(yaml.model));
  });
});
