import { describe, expect, test } from "vitest";
import { keySpanOf, spanOf, type Resource } from "../types.js";
import { lineColumn } from "../../diagnostics/span.js";
import { validateYaml, yaml } from "./testSupport.js";

const text = yaml(
  "apiVersion: v1",
  "kind: Namespace",
  "metadata:",
  "  name: prod",
  "  labels: {env: prod}",
  "---",
  "apiVersion: v1",
  "kind: ServiceAccount",
  "metadata: {name: api, namespace: prod, labels: {team: core}}",
  "---",
  "apiVersion: v1",
  "kind: Pod",
  "metadata:",
  "  name: api-0",
  "  namespace: prod",
  "  labels: {app: api}",
  "spec:",
  "  nodeName: node-1",
  "  serviceAccountName: api",
  "  containers:",
  "  - name: api",
  "    image: example/api:1",
  "    ports:",
  "    - {name: http, containerPort: 8080}",
  "    - {name: dns, containerPort: 53, protocol: UDP}",
  "status:",
  "  podIP: 10.0.0.5",
  "  podIPs: [{ip: 10.0.0.5}, {ip: 'fd00:0::5'}]",
  "---",
  "apiVersion: networking.k8s.io/v1",
  "kind: NetworkPolicy",
  "metadata: {name: api, namespace: prod}",
  "spec:",
  "  podSelector:",
  "    matchLabels: {app: api}",
  "  ingress:",
  "  - from:",
  "    - namespaceSelector: {matchExpressions: [{key: env, operator: In, values: [prod]}]}",
  "      podSelector: {}",
  "    - ipBlock: {cidr: 192.168.0.0/16, except: [192.168.1.0/24]}",
  "    ports:",
  "    - {port: http}",
  "    - {protocol: UDP, port: 5000, endPort: 5010}",
  "  egress:",
  "  - to: [{podSelector: {matchLabels: {app: db}}}]",
  "---",
  "apiVersion: projectcalico.org/v3",
  "kind: Tier",
  "metadata: {name: security}",
  "spec: {order: 100, defaultAction: Pass}",
  "---",
  "apiVersion: projectcalico.org/v3",
  "kind: GlobalNetworkPolicy",
  "metadata: {name: security.block}",
  "spec:",
  "  tier: security",
  "  order: 10",
  "  selector: has(app)",
  "  ingress:",
  "  - action: Deny",
  "    protocol: TCP",
  "    source:",
  "      namespaceSelector: global()",
  "      notNets: [10.0.0.0/8]",
  "    destination: {ports: [22, '6000:6010', ssh]}",
  "  - action: Pass",
  "---",
  "apiVersion: projectcalico.org/v3",
  "kind: NetworkPolicy",
  "metadata: {name: api, namespace: prod}",
  "spec:",
  "  egress:",
  "  - action: Allow",
  "    protocol: ICMPv6",
  "    ipVersion: 6",
  "    icmp: {type: 128, code: 0}",
  "    destination:",
  "      serviceAccounts: {names: [db], selector: tier == 'data'}",
  "---",
  "apiVersion: projectcalico.org/v3",
  "kind: HostEndpoint",
  "metadata: {name: node-1-eth0, labels: {role: node}}",
  "spec: {node: node-1, interfaceName: eth0, expectedIPs: [192.168.0.10], ports: [{name: ssh, protocol: TCP, port: 22}]}",
  "---",
  "apiVersion: projectcalico.org/v3",
  "kind: IPPool",
  "metadata: {name: pool-a}",
  "spec: {cidr: 10.0.0.0/16, natOutgoing: true, ipipMode: CrossSubnet, blockSize: 26}",
  "---",
  "apiVersion: v1",
  "kind: profile",
  "metadata:",
  "  name: docker-net",
  "  tags: [docker-net]",
  "spec:",
  "  ingress:",
  "  - action: allow",
  "    protocol: tcp",
  "    source: {tag: docker-net, net: 172.17.0.0/16}",
  "    destination: {ports: ['80:90']}",
  "  egress:",
  "  - action: pass",
  "---",
  "apiVersion: v1",
  "kind: workloadEndpoint",
  "metadata: {name: eth0, workload: c1, orchestrator: libnetwork, node: host1, labels: {app: web}}",
  "spec: {interfaceName: cali123, ipNetworks: [172.17.0.2], profiles: [docker-net], mac: 'ee:ee:ee:ee:ee:ee'}",
  "---",
  "apiVersion: v1",
  "kind: ipPool",
  "metadata: {cidr: 172.17.0.0/16}",
  "spec: {ipip: {enabled: true, mode: always}, nat-outgoing: true}",
  "---",
  "apiVersion: v1",
  "kind: policy",
  "metadata: {name: v1-web}",
  "spec: {order: 5, selector: app == 'web', egress: [{action: deny, protocol: udp}]}",
);

const byKind = (resources: readonly Resource[], kind: Resource["kind"]) => resources.find((r) => r.kind === kind);

describe("a realistic multi-kind file", () => {
  const r = validateYaml(text);

  test("has no diagnostics (but for what policyc does not compile yet) and keeps every resource in input order", () => {
    // The host endpoint (a named interface) and both pools are compiled.
    expect(r.found).toEqual([]);
    expect(r.model.resources.map((x) => x.kind)).toEqual([
      "Namespace",
      "ServiceAccount",
      "Pod",
      "K8sNetworkPolicy",
      "Tier",
      "GlobalNetworkPolicy",
      "NetworkPolicy",
      "HostEndpoint",
      "IPPool",
      "V1Profile",
      "V1WorkloadEndpoint",
      "V1IPPool",
      "V1Policy",
    ]);
  });

  test("Kubernetes kinds", () => {
    const pod = byKind(r.model.resources, "Pod");
    expect(pod).toMatchObject({
      metadata: { name: "api-0", namespace: "prod", labels: { app: "api" }, annotations: {} },
      nodeName: "node-1",
      serviceAccountName: "api",
      hostNetwork: false,
      ports: [
        { name: "http", containerPort: 8080, protocol: "TCP" },
        { name: "dns", containerPort: 53, protocol: "UDP" },
      ],
      ips: ["10.0.0.5", "fd00::5"],
    });
    const knp = byKind(r.model.resources, "K8sNetworkPolicy");
    expect(knp).toMatchObject({
      podSelector: { matchLabels: { app: "api" }, matchExpressions: [] },
      policyTypes: ["Ingress", "Egress"],
      ingress: [
        {
          path: "spec.ingress.0",
          peers: [
            {
              namespaceSelector: { matchLabels: {}, matchExpressions: [{ key: "env", operator: "In", values: ["prod"] }] },
              podSelector: { matchLabels: {}, matchExpressions: [] },
              path: "spec.ingress.0.from.0",
            },
            { ipBlock: { cidr: "192.168.0.0/16", except: ["192.168.1.0/24"] }, path: "spec.ingress.0.from.1" },
          ],
          ports: [
            { protocol: "TCP", port: "http" },
            { protocol: "UDP", port: 5000, endPort: 5010 },
          ],
        },
      ],
      egress: [{ peers: [{ podSelector: { matchLabels: { app: "db" } } }], ports: [] }],
    });
    expect(byKind(r.model.resources, "ServiceAccount")?.metadata).toEqual({
      name: "api",
      namespace: "prod",
      labels: { team: "core" },
      annotations: {},
    });
  });

  test("Calico v3 kinds", () => {
    expect(byKind(r.model.resources, "Tier")).toMatchObject({ order: 100, defaultAction: "Pass" });
    const gnp = byKind(r.model.resources, "GlobalNetworkPolicy");
    expect(gnp).toMatchObject({
      tier: "security",
      order: 10,
      selector: { text: "has(app)", ast: { kind: "has", label: "app" } },
      types: ["Ingress"],
      doNotTrack: false,
      preDNAT: false,
      applyOnForward: false,
      egress: [],
    });
    expect(gnp && "ingress" in gnp ? gnp.ingress : undefined).toEqual([
      {
        action: "Deny",
        protocol: "TCP",
        source: {
          nets: [],
          notNets: ["10.0.0.0/8"],
          namespaceSelector: { text: "global()", ast: { kind: "global" } },
          ports: [],
          notPorts: [],
        },
        destination: {
          nets: [],
          notNets: [],
          ports: [
            { kind: "range", first: 22, last: 22 },
            { kind: "range", first: 6000, last: 6010 },
            { kind: "named", name: "ssh" },
          ],
          notPorts: [],
        },
        path: "spec.ingress.0",
      },
      {
        action: "Pass",
        source: { nets: [], notNets: [], ports: [], notPorts: [] },
        destination: { nets: [], notNets: [], ports: [], notPorts: [] },
        path: "spec.ingress.1",
      },
    ]);
    const np = byKind(r.model.resources, "NetworkPolicy");
    expect(np).toMatchObject({
      metadata: { name: "api", namespace: "prod" },
      tier: "default",
      selector: { text: "", ast: { kind: "all" } },
      types: ["Egress"],
      egress: [
        {
          action: "Allow",
          protocol: "ICMPv6",
          ipVersion: 6,
          icmp: { type: 128, code: 0 },
          destination: {
            serviceAccounts: { names: ["db"], selector: { text: "tier == 'data'", ast: { kind: "eq", label: "tier", value: "data" } } },
          },
        },
      ],
    });
    expect(np && "order" in np).toBe(false);
    expect(byKind(r.model.resources, "HostEndpoint")).toMatchObject({
      node: "node-1",
      interfaceName: "eth0",
      expectedIPs: ["192.168.0.10"],
      profiles: [],
      ports: [{ name: "ssh", protocol: "TCP", port: 22 }],
    });
    expect(byKind(r.model.resources, "IPPool")).toMatchObject({
      cidr: "10.0.0.0/16",
      ipipMode: "CrossSubnet",
      vxlanMode: "Never",
      natOutgoing: true,
      disabled: false,
    });
  });

  test("calicoctl v1 kinds are normalized into the v3 rule shape", () => {
    const profile = byKind(r.model.resources, "V1Profile");
    expect(profile).toMatchObject({
      metadata: { name: "docker-net", labels: {} },
      tags: ["docker-net"],
      ingress: [
        {
          action: "Allow",
          protocol: "TCP",
          source: { tag: "docker-net", nets: ["172.17.0.0/16"] },
          destination: { ports: [{ kind: "range", first: 80, last: 90 }] },
        },
      ],
      egress: [{ action: "Pass" }],
    });
    expect(byKind(r.model.resources, "V1WorkloadEndpoint")).toMatchObject({
      metadata: { name: "eth0", labels: { app: "web" } },
      node: "host1",
      orchestrator: "libnetwork",
      workload: "c1",
      interfaceName: "cali123",
      ipNetworks: ["172.17.0.2/32"],
      profiles: ["docker-net"],
      ports: [],
    });
    expect(byKind(r.model.resources, "V1IPPool")).toMatchObject({
      metadata: { name: "172.17.0.0/16" },
      cidr: "172.17.0.0/16",
      ipip: true,
      natOutgoing: true,
      disabled: false,
    });
    expect(byKind(r.model.resources, "V1Policy")).toMatchObject({
      order: 5,
      selector: { ast: { kind: "eq", label: "app", value: "web" } },
      types: ["Egress"],
      egress: [{ action: "Deny", protocol: "UDP" }],
    });
  });

  test("origins carry value and key spans by dotted path", () => {
    const gnp = byKind(r.model.resources, "GlobalNetworkPolicy");
    if (!gnp) throw new Error("no GNP");
    const at = (s: { start: number }) => lineColumn(text, s.start);
    expect(gnp.origin.file).toBe("test.yaml");
    expect(gnp.origin.document).toBe(5);
    expect(at(gnp.origin.span)).toEqual({ line: 52, column: 1 });
    expect(at(spanOf(gnp.origin, "spec.ingress.0.source.namespaceSelector"))).toEqual({ line: 63, column: 26 });
    expect(at(keySpanOf(gnp.origin, "spec.ingress.0.source.namespaceSelector"))).toEqual({ line: 63, column: 7 });
    expect(at(spanOf(gnp.origin, "spec.ingress.0.destination.ports.2"))).toEqual({ line: 65, column: 44 });
    // A path that does not exist falls back to its nearest ancestor.
    expect(at(spanOf(gnp.origin, "spec.ingress.1.source.nets"))).toEqual({ line: 66, column: 5 });
  });

  test("the result does not depend on anything but the input", () => {
    expect(validateYaml(text).model).toEqual(r.model);
  });
});
