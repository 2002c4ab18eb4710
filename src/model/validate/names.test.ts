import { describe, expect, test } from "vitest";
import { isCalicoPortName, isDnsLabel, isDnsSubdomain, isGlobalNetworkPolicyName, isK8sPortName, isLabelValue, isNetworkPolicyName, isQualifiedName } from "./names.js";

describe("name formats", () => {
  test("DNS labels and subdomains", () => {
    expect(isDnsLabel("a-1")).toBe(true);
    expect(isDnsLabel("a".repeat(64))).toBe(false);
    expect(isDnsLabel("-a")).toBe(false);
    expect(isDnsSubdomain("a.b-c.d")).toBe(true);
    expect(isDnsSubdomain("a..b")).toBe(false);
    expect(isDnsSubdomain("A")).toBe(false);
  });

  test("qualified names and label values", () => {
    expect(isQualifiedName("app.kubernetes.io/name")).toBe(true);
    expect(isQualifiedName("Under_score.Dot-dash")).toBe(true);
    expect(isQualifiedName("a/b/c")).toBe(false);
    expect(isQualifiedName("/x")).toBe(false);
    expect(isQualifiedName("x".repeat(64))).toBe(false);
    expect(isLabelValue("")).toBe(true);
    expect(isLabelValue("v1.2_3-x")).toBe(true);
    expect(isLabelValue("-x")).toBe(false);
  });

  test("port names", () => {
    expect(isK8sPortName("http-alt")).toBe(true);
    expect(isK8sPortName("a".repeat(16))).toBe(false);
    expect(isK8sPortName("8080")).toBe(false);
    expect(isK8sPortName("a--b")).toBe(false);
    expect(isK8sPortName("Http")).toBe(false);
    expect(isCalicoPortName("web-1")).toBe(true);
    expect(isCalicoPortName("web_1")).toBe(false);
  });

  test("policy names", () => {
    expect(isNetworkPolicyName("knp.default.my.policy")).toBe(true);
    expect(isNetworkPolicyName("ossg.default.x")).toBe(true);
    expect(isNetworkPolicyName("tier.name")).toBe(true);
    expect(isNetworkPolicyName("a.b.c")).toBe(false);
    expect(isGlobalNetworkPolicyName("knp.default.x")).toBe(false);
    expect(isGlobalNetworkPolicyName("a.b")).toBe(true);
  });
});
