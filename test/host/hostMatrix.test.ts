/**
 * The class-level matrix on a node with host endpoints: forwarded workload traffic meets the
 * host endpoints' forward (applyOnForward) policy and, for IPv6 across the uplink, neighbour
 * discovery; the matrix (classReachability) must give every pair the evaluator's verdict.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadModel } from "../../src/model/loadModel.js";
import type { MatrixPort } from "../../src/semantics/index.js";
import { compactReachability, prepareModel } from "../../src/semantics/index.js";
import { matrixDifferences } from "../helpers/bruteMatrix.js";

const pods = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: default, labels: {app: a}}
spec: {nodeName: node-1}
status: {podIPs: [{ip: 10.65.0.10}, {ip: "fd00:65::a"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: default, labels: {app: b}}
spec: {nodeName: node-1}
status: {podIPs: [{ip: 10.65.0.11}, {ip: "fd00:65::b"}]}
---
apiVersion: v1
kind: Pod
metadata: {name: r, namespace: default, labels: {app: r}}
spec: {nodeName: node-2}
status: {podIPs: [{ip: 10.66.0.10}, {ip: "fd00:66::a"}]}
`;

const forwardDeny = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: all, labels: {role: node}}
spec: {node: node-1, interfaceName: "*", expectedIPs: [192.0.2.1]}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: fwd}
spec:
  selector: role == 'node'
  applyOnForward: true
  types: [Ingress]
  ingress:
    - {action: Deny, source: {selector: app == 'a'}}
    - {action: Allow}
`;

const PORTS: MatrixPort[] = [
  { port: 80, protocol: "TCP" },
  { port: 0, protocol: "ICMPv6", icmpType: 128, icmpCode: 0 },
];

function differences(text: string): string[] {
  const prepared = prepareModel(loadModel([{ path: "c.yaml", text }]).model, { node: "node-1" });
  return ([4, 6] as const).flatMap((family) => matrixDifferences(prepared, compactReachability(prepared, PORTS, family), PORTS, family, 20));
}

describe("the class matrix on a node with host endpoints", () => {
  it("applies the host endpoint's forward policy to workload traffic", () => {
    expect(differences(`${pods}---\n${forwardDeny}`)).toEqual([]);
  });

  it("cuts IPv6 across an uplink whose host endpoint denies neighbour discovery", () => {
    const hep = readFileSync("fixtures/conformance/host-ipv6-neighbour-discovery/cluster.yaml", "utf8");
    expect(differences(`${pods}---\n${hep}`)).toEqual([]);
  });
});
