import { describe, expect, it } from "vitest";
import { loadModelFromObjects } from "../model/loadModel.js";
import { toStoredResources } from "./toStored.js";

describe("toStoredResources", () => {
  it("leaves workloads out of etcd with a note: Calico's etcd holds the endpoints of running pods", () => {
    const { model } = loadModelFromObjects([
      { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", namespace: "shop" }, spec: { template: { metadata: { labels: { app: "web" } } } } },
    ]);
    const result = toStoredResources(model.resources, () => undefined, "/calico/resources/v3/projectcalico.org");
    expect(result.resources).toEqual([]);
    expect(result.notes.map((d) => [d.code, d.message])).toEqual([
      ["not-stored", "Deployments are not stored in etcd: Calico's etcd holds the WorkloadEndpoints the CNI plugin writes for running pods"],
    ]);
  });
});
