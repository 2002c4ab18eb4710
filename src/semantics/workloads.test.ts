/**
 * Workloads from their manifests as endpoints: labels and named ports from the pod template, no
 * address (no CIDR contains one), and no double counting with their pods or owners.
 */
import { describe, expect, it } from "vitest";
import { loadModel } from "../model/loadModel.js";
import { prepareModel } from "./prepareModel.js";
import { isEndpointOf } from "./isEndpointOf.js";
import { endpointName } from "./formatVerdict.js";
import { compactReachability } from "./reachabilityMatrix.js";
import type { Prepared } from "./types.js";
import { allowed, verdict } from "./testFlows.js";
import { memberIface } from "./prepareMembers.js";
import { podInterfaceName } from "../calico/index.js";

function load(...docs: string[]): Prepared {
  const r = loadModel([{ path: "in.yaml", text: docs.join("\n---\n") }]);
  expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return prepareModel(r.model);
}

const deployment = (name: string, labels: string, extra = "", ns = "shop") => `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}${extra}}
spec:
  selector: {matchLabels: ${labels}}
  template:
    metadata: {labels: ${labels}}
    spec: {containers: [{name: c, image: x, ports: [{name: http, containerPort: 8080}]}]}`;

const pod = (name: string, labels: string, ip: string, owner = "") => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop, labels: ${labels}${owner}}
spec: {nodeName: node-1, containers: [{name: c, image: x}]}
status: {podIP: "${ip}"}`;

const policy = (spec: string) => `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec:
${spec}`;

const ids = (p: Prepared): string[] => p.members.filter((m) => isEndpointOf(m, 4)).map((m) => m.id);

describe("workloads as endpoints", () => {
  it("one endpoint per workload, labelled as its pods, with the template's named ports and no address", () => {
    const p = load(deployment("web", "{app: web}"), deployment("api", "{app: api}"));
    expect(ids(p)).toEqual(["Deployment/shop/api", "Deployment/shop/web"]);
    const web = p.members[p.memberIndexById.get("Deployment/shop/web")!]!;
    expect(web.kind).toBe("Workload");
    expect(web.nets).toEqual([]);
    expect(web.ports).toEqual([{ name: "http", protocol: "TCP", port: 8080 }]);
    expect(web.labels).toMatchObject({ app: "web", "projectcalico.org/namespace": "shop", "projectcalico.org/orchestrator": "k8s" });
    expect(isEndpointOf(web, 6)).toBe(true);
    expect(endpointName(web.id)).toBe("Deployment shop/web");
  });

  it("pods and workloads have Calico CNI's interface names, derived when asked for", () => {
    const p = load(deployment("web", "{app: web}"), pod("db-0", "{app: db}", "10.0.0.9"));
    const web = p.members[p.memberIndexById.get("Deployment/shop/web")!]!;
    const db = p.members[p.memberIndexById.get("shop/db-0")!]!;
    expect(memberIface(web)).toBe(podInterfaceName("shop", "Deployment/web"));
    expect(memberIface(db)).toBe(podInterfaceName("shop", "db-0"));
    expect(memberIface(db)).toMatch(/^cali[0-9a-f]{11}$/);
  });

  it("the namespace defaults to default, as a Pod's does", () => {
    const p = load(`apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: {metadata: {labels: {app: r}}, spec: {containers: [{name: c, image: x}]}}}}}`);
    expect(ids(p)).toEqual(["CronJob/default/nightly"]);
  });

  it("policies select workloads by their template labels; named ports resolve on them", () => {
    const deny = policy(`  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: http}]}]`);
    const p = load(deployment("web", "{app: web}"), deployment("api", "{app: api}"), deployment("other", "{app: other}"), deny);
    expect(allowed(p, "Deployment/shop/web", "Deployment/shop/api", { dstPort: 8080 })).toBe(true);
    expect(allowed(p, "Deployment/shop/web", "Deployment/shop/api", { dstPort: 8081 })).toBe(false);
    expect(allowed(p, "Deployment/shop/other", "Deployment/shop/api", { dstPort: 8080 })).toBe(false);
    const v = verdict(p, "Deployment/shop/web", "Deployment/shop/api", { dstPort: 8080 });
    expect(v.src).toEqual({ endpoint: "Deployment/shop/web", others: [] });
  });

  it("no CIDR contains a workload: ipBlock and nets do not match it, notNets does", () => {
    const fromAnywhere = policy(`  podSelector: {matchLabels: {app: api}}
  policyTypes: [Ingress]
  ingress: [{from: [{ipBlock: {cidr: 0.0.0.0/0}}]}]`);
    const p = load(deployment("web", "{app: web}"), deployment("api", "{app: api}"), fromAnywhere);
    expect(allowed(p, "Deployment/shop/web", "Deployment/shop/api")).toBe(false);
    expect(allowed(p, "192.0.2.1", "Deployment/shop/api")).toBe(true);
    const calico = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: g}
spec:
  selector: app == 'api'
  ingress:
  - {action: Deny, source: {notNets: [10.0.0.0/8]}}
  - {action: Allow, source: {nets: [0.0.0.0/0]}}`;
    const q = load(deployment("web", "{app: web}"), deployment("api", "{app: api}"), calico);
    // Outside every CIDR: notNets holds (denied first), as for any address outside 10/8.
    expect(verdict(q, "Deployment/shop/web", "Deployment/shop/api").ingress?.steps[0]).toMatchObject({ kind: "rule", ruleIndex: 0, action: "Deny" });
  });

  it("a workload whose pods are in the input is represented by them; a ReplicaSet by its Deployment", () => {
    const owned = (kind: string, name: string) => `, ownerReferences: [{apiVersion: apps/v1, kind: ${kind}, name: ${name}, uid: u, controller: true}]`;
    const replicaSet = `apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-5d8f9c7b6, namespace: shop${owned("Deployment", "web")}}
spec: {template: {metadata: {labels: {app: web, pod-template-hash: 5d8f9c7b6}}, spec: {containers: [{name: c, image: x}]}}}`;
    // The Deployment and its ReplicaSet, no pods: the Deployment stands for both.
    expect(ids(load(deployment("web", "{app: web}"), replicaSet))).toEqual(["Deployment/shop/web"]);
    // With running pods (owned through the ReplicaSet): the pods.
    const running = pod("web-5d8f9c7b6-x2k4p", "{app: web, pod-template-hash: 5d8f9c7b6}", "10.0.0.5", owned("ReplicaSet", "web-5d8f9c7b6"));
    expect(ids(load(deployment("web", "{app: web}"), replicaSet, running))).toEqual(["shop/web-5d8f9c7b6-x2k4p"]);
    // The ReplicaSet not in the input: found by the name the Deployment controller gives it.
    expect(ids(load(deployment("web", "{app: web}"), running))).toEqual(["shop/web-5d8f9c7b6-x2k4p"]);
    // A pod without an address does not stand for its workload.
    const pending = `apiVersion: v1
kind: Pod
metadata: {name: web-5d8f9c7b6-aaaaa, namespace: shop, labels: {app: web, pod-template-hash: 5d8f9c7b6}${owned("ReplicaSet", "web-5d8f9c7b6")}}
spec: {containers: [{name: c, image: x}]}`;
    expect(ids(load(deployment("web", "{app: web}"), pending))).toEqual(["Deployment/shop/web"]);
    // A pod of another workload of the same name in another kind does not hide this one.
    expect(ids(load(deployment("web", "{app: web}"), pod("web-0", "{app: web}", "10.0.0.6", owned("StatefulSet", "web"))))).toEqual([
      "Deployment/shop/web",
      "shop/web-0",
    ]);
  });

  it("a workload on the host network, or without a pod template, is no endpoint", () => {
    const host = `apiVersion: apps/v1
kind: DaemonSet
metadata: {name: node-exporter, namespace: shop}
spec: {template: {metadata: {labels: {app: ne}}, spec: {hostNetwork: true, containers: [{name: c, image: x}]}}}`;
    const r = loadModel([{ path: "in.yaml", text: [host, "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bare}\nspec: {replicas: 1}"].join("\n---\n") }]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(["missing-field"]);
    expect(ids(prepareModel(r.model))).toEqual([]);
  });

  it("the matrix includes workloads in both families", () => {
    const p = load(deployment("web", "{app: web}"), pod("db", "{app: db}", "10.0.0.3"));
    expect(compactReachability(p, [{ port: 80, protocol: "TCP" }], 4).endpoints).toEqual(["Deployment/shop/web", "shop/db"]);
    expect(compactReachability(p, [{ port: 80, protocol: "TCP" }], 6).endpoints).toEqual(["Deployment/shop/web"]);
  });
});
