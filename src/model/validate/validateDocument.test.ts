import { describe, expect, test } from "vitest";
import { codesAt, gnpYaml, validateYaml, yaml } from "./testSupport.js";

describe("kinds", () => {
  test("kinds unrelated to policy get one note per kind, with the count, at the first document", () => {
    const text = yaml(
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: x}",
      "---",
      "apiVersion: v1",
      "kind: Service",
      "metadata: {name: s}",
      "---",
      "apiVersion: v1",
      "kind: ConfigMap",
      "metadata: {name: y}",
    );
    const r = validateYaml(text);
    expect(r.found).toEqual([
      { code: "unknown-kind", severity: "note", line: 2, column: 7 },
      { code: "unknown-kind", severity: "note", line: 6, column: 7 },
    ]);
    expect(r.diagnostics[0]?.message).toBe("skipped 2 documents of v1 ConfigMap: not a kind that policyc compiles");
    expect(r.model.resources).toEqual([]);
  });

  test("policy kinds policyc does not compile are warnings at every document; staged kinds are a note", () => {
    const text = yaml(
      "apiVersion: policy.networking.k8s.io/v1alpha2",
      "kind: AdminNetworkPolicy",
      "metadata: {name: a}",
      "---",
      "apiVersion: cilium.io/v2",
      "kind: CiliumNetworkPolicy",
      "metadata: {name: c, namespace: x}",
      "---",
      "apiVersion: projectcalico.org/v3",
      "kind: StagedNetworkPolicy",
      "metadata: {name: s, namespace: x}",
      "---",
      "apiVersion: crd.projectcalico.org/v1",
      "kind: StagedGlobalNetworkPolicy",
      "metadata: {name: g}",
      "---",
      "apiVersion: projectcalico.org/v3",
      "kind: BGPConfiguration",
      "metadata: {name: default}",
    );
    expect(validateYaml(text).found).toEqual([
      { code: "uncompiled-policy-kind", severity: "warning", line: 2, column: 7 },
      { code: "uncompiled-policy-kind", severity: "warning", line: 6, column: 7 },
      { code: "staged-policy", severity: "note", line: 10, column: 7 },
      { code: "staged-policy", severity: "note", line: 14, column: 7 },
      { code: "unsupported", severity: "warning", line: 18, column: 7 },
    ]);
  });

  test("crd.projectcalico.org/v1 kinds are read as their projectcalico.org/v3 twins, with the v3 metadata", () => {
    const text = yaml(
      "apiVersion: crd.projectcalico.org/v1",
      "kind: GlobalNetworkPolicy",
      "metadata:",
      "  name: default.allow-dns",
      "  labels: {team: a}",
      "  annotations:",
      `    projectcalico.org/metadata: '{"creationTimestamp":null,"labels":{"owner":"x"},"annotations":{"note":"n"}}'`,
      "  resourceVersion: '12'",
      "spec:",
      "  selector: all()",
      "  egress: [{action: Allow, protocol: UDP, destination: {ports: [53]}}]",
      "---",
      "apiVersion: crd.projectcalico.org/v1",
      "kind: NetworkPolicy",
      "metadata:",
      "  name: t1.p",
      "  namespace: x",
      "  annotations:",
      `    projectcalico.org/metadata: '{"name":"t1.p"}'`,
      "spec: {tier: t1}",
    );
    const r = validateYaml(text);
    expect(r.found.filter((f) => f.code !== "unknown-tier")).toEqual([]);
    const [gnp, np] = r.model.resources;
    expect(gnp?.kind).toBe("GlobalNetworkPolicy");
    expect(gnp?.metadata).toEqual({ name: "allow-dns", labels: { team: "a", owner: "x" }, annotations: { note: "n" } });
    expect(np?.metadata.name).toBe("t1.p");
  });

  test("Kubernetes v1 kinds are capitalized, calicoctl v1 kinds are not", () => {
    expect(codesAt(yaml("apiVersion: v1", "kind: namespace", "metadata: {name: x}"))).toEqual([{ code: "unknown-kind", line: 2, column: 7 }]);
    expect(codesAt(yaml("apiVersion: v1", "kind: Profile", "metadata: {name: x}"))).toEqual([{ code: "unknown-kind", line: 2, column: 7 }]);
  });

  test("a document without kind", () => {
    expect(codesAt(yaml("apiVersion: v1", "metadata: {name: x}"))).toEqual([{ code: "missing-kind", line: 1, column: 13 }]);
  });
});

describe("structure", () => {
  test("missing required fields point at the mapping that lacks them", () => {
    expect(codesAt(gnpYaml("ingress:", "- protocol: TCP"))).toEqual([{ code: "missing-field", line: 7, column: 5 }]);
  });

  test("wrong types and bad enum values", () => {
    expect(codesAt(gnpYaml("order: high", "ingress:", "- action: allow"))).toEqual([
      { code: "invalid-type", line: 6, column: 10 },
      { code: "invalid-action", line: 8, column: 13 },
    ]);
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  ipVersion: 5"))).toEqual([{ code: "invalid-value", line: 8, column: 16 }]);
  });

  test("a plain scalar that YAML 1.1 reads as a boolean or number where a string is expected says why", () => {
    const text = yaml(
      "apiVersion: networking.k8s.io/v1",
      "kind: NetworkPolicy",
      "metadata:",
      "  name: p",
      "  labels: {env: yes, on: 'x', version: 1.10, build: 0x1F, id: 7, q: ~}",
      "spec:",
      "  podSelector: {matchLabels: {tier: Off}}",
    );
    const r = validateYaml(text);
    expect(r.diagnostics.map((d) => [d.code, d.message])).toEqual([
      ["invalid-type", 'metadata.labels.env: yes is a boolean in YAML 1.1, which is how Kubernetes reads it; quote it: "yes"'],
      ["invalid-type", 'metadata.labels.version: 1.10 is a number (1.1) in YAML 1.1, which is how Kubernetes reads it; quote it: "1.10"'],
      ["invalid-type", 'metadata.labels.build: 0x1F is a number (31) in YAML 1.1, which is how Kubernetes reads it; quote it: "0x1F"'],
      ["invalid-type", 'metadata.labels.id: 7 is a number in YAML 1.1, which is how Kubernetes reads it; quote it: "7"'],
      ["invalid-type", 'spec.podSelector.matchLabels.tier: Off is a boolean in YAML 1.1, which is how Kubernetes reads it; quote it: "Off"'],
    ]);
    // `q: ~` is no error: a null label value is the empty string to Go's decoder (see goDecode).
    expect(r.found.map((f) => [f.line, f.column])).toEqual([[5, 17], [5, 40], [5, 53], [5, 63], [7, 37]]);
  });

  test("unknown fields are warnings at the key, and the resource is kept", () => {
    const r = validateYaml(gnpYaml("selector: all()", "ingres: []", "egress:", "- action: Allow", "  destinaton: {}"));
    expect(r.found).toEqual([
      { code: "unknown-field", severity: "warning", line: 7, column: 3 },
      { code: "unknown-field", severity: "warning", line: 10, column: 5 },
    ]);
    expect(r.model.resources).toHaveLength(1);
  });

  test("an HTTP match is compiled as Felix compiles it (without it), with a note; services are compiled", () => {
    const r = validateYaml(gnpYaml("ingress:", "- action: Allow", "  http: {methods: [GET]}", "  source:", "    services: {name: s, namespace: x}"));
    expect(r.found).toEqual([{ code: "http-match", severity: "note", line: 8, column: 11 }]);
    expect(r.model.resources).toHaveLength(1);
  });

  test("HTTP and service matches only where Calico allows them", () => {
    expect(
      codesAt(
        gnpYaml(
          "egress:",
          "- action: Deny",
          "  protocol: UDP",
          "  http: {methods: [GET]}",
          "  source:",
          "    services: {name: s}",
          "  destination:",
          "    services: {name: s}",
          "    ports: [80]",
          "    selector: a == 'b'",
        ),
      ),
    ).toEqual([
      { code: "http-match", line: 9, column: 11 },
      { code: "invalid-http-match", line: 9, column: 11 },
      { code: "invalid-http-match", line: 9, column: 11 },
      { code: "invalid-http-match", line: 9, column: 11 },
      { code: "invalid-service-match", line: 11, column: 7 },
      { code: "invalid-service-match", line: 11, column: 7 },
      { code: "invalid-service-match", line: 13, column: 7 },
      { code: "invalid-service-match", line: 13, column: 7 },
      { code: "invalid-service-match", line: 13, column: 7 },
    ]);
  });

});

describe("selectors", () => {
  test("syntax errors point inside plain, quoted and block scalars", () => {
    expect(codesAt(gnpYaml("selector: a == 'b' &&"))).toEqual([{ code: "selector-syntax", line: 6, column: 24 }]);
    expect(codesAt(gnpYaml('selector: "a == \\"b\\" c"'))).toEqual([{ code: "selector-syntax", line: 6, column: 25 }]);
    // A literal block keeps the newline, which Calico's lexer rejects outside a string.
    expect(codesAt(gnpYaml("selector: |", "  a == 'b'", "  && b == 'c'"))).toEqual([{ code: "selector-syntax", line: 7, column: 13 }]);
    // A folded block joins the lines; the lone '=' is on the second line.
    expect(codesAt(gnpYaml("selector: >", "  a == 'b' &&", "  b = 'c'"))).toEqual([{ code: "selector-syntax", line: 8, column: 7 }]);
  });

  test("block scalars are trimmed first, as Calico's Normalise does", () => {
    const r = validateYaml(gnpYaml("selector: >", "  app == 'web'", ""));
    expect(r.found).toEqual([]);
    const p = r.model.resources[0];
    expect(p && "selector" in p ? p.selector.ast : undefined).toEqual({ kind: "eq", label: "app", value: "web" });
  });
});

describe("CIDRs", () => {
  test("bare IPs become /32 or /128, IPv6 is compact, host bits are masked with a warning", () => {
    const text = yaml(
      "apiVersion: projectcalico.org/v3",
      "kind: GlobalNetworkSet",
      "metadata: {name: s}",
      "spec:",
      "  nets: [10.1.2.3, '2001:DB8:0:0:0:0:0:1', 192.168.1.7/24, '2001:db8::1/64']",
    );
    const r = validateYaml(text);
    expect(r.found).toEqual([
      { code: "cidr-host-bits", severity: "warning", line: 5, column: 44 },
      { code: "cidr-host-bits", severity: "warning", line: 5, column: 60 },
    ]);
    const set = r.model.resources[0];
    expect(set && "nets" in set ? set.nets : undefined).toEqual(["10.1.2.3/32", "2001:db8::1/128", "192.168.1.0/24", "2001:db8::/64"]);
  });

  test("invalid CIDRs are errors", () => {
    expect(codesAt(gnpYaml("ingress:", "- action: Allow", "  source:", "    nets: [10.1/8, 10.0.0.0/33, 'fe80::/129', host]"))).toEqual([
      { code: "invalid-cidr", line: 9, column: 14 },
      { code: "invalid-cidr", line: 9, column: 22 },
      { code: "invalid-cidr", line: 9, column: 35 },
      { code: "invalid-cidr", line: 9, column: 49 },
    ]);
  });
});

describe("endpoints", () => {
  test("endpoint ipNetworks must be single addresses", () => {
    const text = yaml(
      "apiVersion: projectcalico.org/v3",
      "kind: WorkloadEndpoint",
      "metadata: {name: w, namespace: prod}",
      "spec: {node: n1, interfaceName: cali1, ipNetworks: [10.0.0.5, '10.0.0.6/32', 10.0.0.7/24]}",
    );
    const r = validateYaml(text);
    expect(r.found).toEqual([{ code: "invalid-cidr", severity: "error", line: 4, column: 78 }]);
    expect(r.model.resources).toEqual([]);
  });
});
