/**
 * The evaluator on models loaded from YAML through the real front end (load + validate).
 */
import { describe, expect, it } from "vitest";
import { loadModel } from "../model/loadModel.js";
import { prepareModel } from "./prepareModel.js";
import type { Prepared } from "./types.js";
import { allowed, verdict } from "./testFlows.js";

/** Loads documents; fails the test on any error diagnostic. */
function load(...docs: string[]): Prepared {
  const r = loadModel([{ path: "in.yaml", text: docs.join("\n---\n") }]);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  expect(errors.map((d) => `${d.code}: ${d.message}`)).toEqual([]);
  return prepareModel(r.model);
}

const ns = (name: string, labels = "{}") => `apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: ${labels}}`;

const pod = (namespace: string, name: string, labels: string, ip: string, ports = "[]") => `apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: ${namespace}, labels: ${labels}}
spec: {containers: [{name: c, image: x, ports: ${ports}}]}
status: {podIP: "${ip}", podIPs: [{ip: "${ip}"}]}`;

const cluster = [
  ns("prod", "{team: a}"),
  ns("dev", "{team: b}"),
  pod("prod", "web", "{app: web}", "10.0.0.1", "[{name: http, containerPort: 8080}]"),
  pod("prod", "api", "{app: api, tier: back}", "10.0.0.2", "[{name: http, containerPort: 9090}]"),
  pod("prod", "db", "{app: db}", "10.0.0.3"),
  pod("dev", "tool", "{app: tool}", "10.0.1.2"),
];

describe("Kubernetes NetworkPolicy from YAML", () => {
  it("isolation per direction, union, AND/OR peers, matchExpressions", () => {
    const p = load(
      ...cluster,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress:
  - from: [{podSelector: {matchLabels: {app: web}}}]`,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-dev-tool, namespace: prod}
spec:
  podSelector: {matchExpressions: [{key: app, operator: In, values: [db]}]}
  ingress:
  - from:
    - podSelector: {matchLabels: {app: tool}}
      namespaceSelector: {matchLabels: {team: b}}`,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress:
  - to: [{podSelector: {matchLabels: {app: db}}}, {ipBlock: {cidr: 192.0.2.0/24, except: [192.0.2.128/25]}}]`,
    );
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(allowed(p, "dev/tool", "prod/db")).toBe(true);
    expect(allowed(p, "prod/api", "prod/db")).toBe(false);
    expect(allowed(p, "prod/web", "prod/api")).toBe(false);
    expect(allowed(p, "prod/web", "192.0.2.1")).toBe(true);
    expect(allowed(p, "prod/web", "192.0.2.200")).toBe(false);
    expect(allowed(p, "prod/api", "prod/web")).toBe(true);
  });

  it("named ports on ingress and egress, endPort, protocol-only rules", () => {
    const p = load(
      ...cluster,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ingress-http, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress:
  - ports: [{port: http}]`,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: tool-egress, namespace: dev}
spec:
  podSelector: {}
  policyTypes: [Egress]
  egress:
  - ports: [{port: http}, {port: 3000, endPort: 3005}, {protocol: UDP}]`,
    );
    expect(allowed(p, "prod/api", "prod/web", { dstPort: 8080 })).toBe(true);
    expect(allowed(p, "prod/api", "prod/web", { dstPort: 9090 })).toBe(false);
    expect(allowed(p, "dev/tool", "prod/api", { dstPort: 9090 })).toBe(true);
    expect(allowed(p, "dev/tool", "prod/api", { dstPort: 8080 })).toBe(false);
    expect(allowed(p, "dev/tool", "192.0.2.1", { dstPort: 3004 })).toBe(true);
    expect(allowed(p, "dev/tool", "192.0.2.1", { dstPort: 3006 })).toBe(false);
    expect(allowed(p, "dev/tool", "192.0.2.1", { protocol: 17, dstPort: 53 })).toBe(true);
  });

  it("an empty ingress rule allows everything; no rules deny everything", () => {
    const p = load(
      ...cluster,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-all, namespace: prod}
spec:
  podSelector: {matchLabels: {app: web}}
  ingress: [{}]`,
      `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: prod}
spec:
  podSelector: {matchLabels: {app: db}}`,
    );
    expect(allowed(p, "192.0.2.1", "prod/web", { protocol: 17, dstPort: 53 })).toBe(true);
    expect(allowed(p, "prod/web", "prod/db")).toBe(false);
  });
});

describe("Calico from YAML", () => {
  it("tiers, order, Pass, Deny, tier default Pass, Log, GNP, NetworkSets, notNets/notSelector/notPorts", () => {
    const p = load(
      ...cluster,
      `apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100, defaultAction: Pass}`,
      `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: security.quarantine}
spec:
  tier: security
  order: 1
  selector: app == 'db'
  ingress:
  - action: Log
  - action: Deny
    source: {selector: role == 'bad'}
  - action: Pass
    protocol: TCP
    destination: {notPorts: [22]}`,
      `apiVersion: projectcalico.org/v3
kind: GlobalNetworkSet
metadata: {name: bad, labels: {role: bad}}
spec: {nets: [198.51.100.0/24]}`,
      `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db, namespace: prod}
spec:
  selector: app == 'db'
  ingress:
  - action: Allow
    source: {notSelector: app == 'api', notNets: [10.0.0.1/32]}`,
    );
    // web is excluded by notNets, api by notSelector.
    expect(allowed(p, "prod/web", "prod/db")).toBe(false);
    expect(allowed(p, "prod/api", "prod/db")).toBe(false);
    // The source must be in prod (the namespaced policy scopes notSelector rules): an outside
    // address passes the security tier and is then denied by the default tier.
    const outside = verdict(p, "192.0.2.1", "prod/db");
    expect(outside.ingress?.steps.map((s) => s.kind)).toEqual(["rule", "rule", "tier-default"]);
    expect(allowed(p, "198.51.100.1", "prod/db")).toBe(false);
    // Port 22 skips the Pass: security's default action (Pass) applies.
    expect(verdict(p, "192.0.2.1", "prod/db", { dstPort: 22 }).ingress?.steps[1]).toEqual({ kind: "tier-default", tier: "security", action: "Pass" });
  });

  it("profiles, ICMP and IPv6 rules", () => {
    const p = load(
      `apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: base}
spec:
  labelsToApply: {zone: z1}
  ingress:
  - action: Allow
    protocol: ICMP
    icmp: {type: 8}
  - action: Allow
    ipVersion: 6
    source: {nets: ["fd00::/64"]}`,
      `apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata: {name: node1-k8s-a-eth0, namespace: prod}
spec:
  node: node1
  orchestrator: k8s
  pod: a
  endpoint: eth0
  interfaceName: cali12345
  ipNetworks: [10.0.5.1/32, "fd00::5/128"]
  profiles: [base]`,
    );
    const id = "prod/node1-k8s-a-eth0";
    expect(p.members[0]?.labels).toMatchObject({ zone: "z1", "projectcalico.org/namespace": "prod" });
    expect(allowed(p, "192.0.2.1", id, { protocol: 1, icmpType: 8, icmpCode: 0 })).toBe(true);
    expect(allowed(p, "192.0.2.1", id, { protocol: 1, icmpType: 0, icmpCode: 0 })).toBe(false);
    expect(allowed(p, "fd00::9", id, { family: 6 })).toBe(true);
    expect(allowed(p, "fd01::9", id, { family: 6 })).toBe(false);
  });

  it("v1 profiles and tags", () => {
    const p = load(
      `apiVersion: v1
kind: profile
metadata: {name: net1, tags: [net1]}
spec:
  ingress: [{action: allow, source: {tag: net1}}]
  egress: [{action: allow}]`,
      `apiVersion: v1
kind: workloadEndpoint
metadata: {name: ep1, node: host1, orchestrator: libnetwork, workload: w1}
spec: {interfaceName: cali1, ipNetworks: [10.3.0.1/32], profiles: [net1]}`,
      `apiVersion: v1
kind: workloadEndpoint
metadata: {name: ep2, node: host1, orchestrator: libnetwork, workload: w2}
spec: {interfaceName: cali2, ipNetworks: [10.3.0.2/32], profiles: [net1]}`,
    );
    expect(allowed(p, "libnetwork/w1/ep1", "libnetwork/w2/ep2")).toBe(true);
    expect(allowed(p, "192.0.2.1", "libnetwork/w2/ep2")).toBe(false);
  });
});

describe("encapsulated packets from workloads", () => {
  it("drops IPIP and VXLAN a workload sends, before any policy, also to an allowed peer", () => {
    const p = load(...cluster);
    const v = verdict(p, "prod/web", "192.0.2.1", { protocol: 17, dstPort: 4789 });
    expect(v.allowed).toBe(false);
    expect(v.egress?.steps).toEqual([{ kind: "encapsulated", what: "VXLAN" }]);
    expect(verdict(p, "prod/web", "prod/db", { protocol: 4 }).egress?.steps).toEqual([{ kind: "encapsulated", what: "IPIP" }]);
    // Into a workload, and other UDP, policy decides as usual (here: no policy, allowed).
    expect(allowed(p, "192.0.2.1", "prod/web", { protocol: 17, dstPort: 4789 })).toBe(true);
    expect(allowed(p, "prod/web", "192.0.2.1", { protocol: 17, dstPort: 4790 })).toBe(true);
  });
});
