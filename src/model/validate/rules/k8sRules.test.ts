import { describe, expect, test } from "vitest";
import { codesAt, yaml } from "../testSupport.js";

/** A Kubernetes NetworkPolicy whose spec lines start at line 5 (indented two more spaces). */
const knp = (...spec: string[]) =>
  yaml("apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy", "metadata: {name: p, namespace: prod}", "spec:", "  podSelector: {}", ...spec.map((l) => `  ${l}`));

describe("ipBlockExcept", () => {
  test("except inside the cidr is fine", () => {
    expect(codesAt(knp("ingress:", "- from:", "  - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}"))).toEqual([]);
  });

  test("except outside, or equal to, the cidr is an error", () => {
    expect(codesAt(knp("ingress:", "- from:", "  - ipBlock: {cidr: 10.0.0.0/8, except: [11.0.0.0/16, 10.0.0.0/8]}"))).toEqual([
      { code: "invalid-cidr", line: 8, column: 44 },
      { code: "invalid-cidr", line: 8, column: 57 },
    ]);
  });

  test("host bits in cidr are masked with a warning", () => {
    expect(codesAt(knp("egress:", "- to:", "  - ipBlock: {cidr: 10.1.2.3/8}"))).toEqual([{ code: "cidr-host-bits", line: 8, column: 23 }]);
  });
});

describe("k8sPeers", () => {
  test("an empty peer, and ipBlock with a selector", () => {
    expect(
      codesAt(knp("ingress:", "- from:", "  - {}", "  - podSelector: {}", "    ipBlock: {cidr: 10.0.0.0/8}")),
    ).toEqual([
      { code: "invalid-value", line: 8, column: 7 },
      { code: "invalid-value", line: 10, column: 16 },
    ]);
  });
});

describe("k8sPolicyPorts", () => {
  test("numbers, names and endPort ranges", () => {
    expect(codesAt(knp("ingress:", "- ports:", "  - {port: 80}", "  - {port: http, protocol: UDP}", "  - {port: 30000, endPort: 32767}"))).toEqual([]);
  });

  test("bad numbers, bad names, endPort without numeric port or below port", () => {
    expect(
      codesAt(knp("ingress:", "- ports:", "  - {port: 0}", "  - {port: '80'}", "  - {port: http, endPort: 90}", "  - {port: 90, endPort: 80}")),
    ).toEqual([
      { code: "invalid-port", line: 8, column: 14 },
      { code: "invalid-port", line: 9, column: 14 },
      { code: "invalid-port", line: 10, column: 29 },
      { code: "invalid-port", line: 11, column: 27 },
    ]);
  });
});

describe("labelSyntax (Kubernetes selectors)", () => {
  test("bad keys and values in matchLabels and matchExpressions", () => {
    expect(
      codesAt(
        knp(
          "ingress:",
          "- from:",
          "  - podSelector:",
          "      matchLabels: {'-bad': ok, good: 'not ok'}",
          "      matchExpressions:",
          "      - {key: app, operator: In}",
          "      - {key: app, operator: Exists, values: [x]}",
        ),
      ),
    ).toEqual([
      { code: "invalid-label", line: 9, column: 23 },
      { code: "invalid-label", line: 9, column: 41 },
      { code: "invalid-value", line: 11, column: 32 },
      { code: "invalid-value", line: 12, column: 48 },
    ]);
  });
});
