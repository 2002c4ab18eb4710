import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Resource } from "../types.js";
import { goDecode, goNumberString } from "./goDecode.js";
import { k8sNetworkPolicySchema } from "./schemas/kubernetes.js";
import { globalNetworkPolicySchema } from "./schemas/calicoV3.js";
import { validateYaml } from "./testSupport.js";

const calicoctl = { numbersToStrings: true };
const apiserver = { numbersToStrings: false };

describe("goDecode: null as Go's encoding/json reads it", () => {
  it("drops null optional fields, and gives required ones and list items their zero value", () => {
    const doc = { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "p", labels: null }, spec: { podSelector: null, ingress: [null, { from: null, ports: [null] }], egress: null } };
    expect(goDecode(k8sNetworkPolicySchema, doc, apiserver)).toEqual({
      apiVersion: "networking.k8s.io/v1",
      kind: "NetworkPolicy",
      metadata: { name: "p" },
      spec: { podSelector: {}, ingress: [{}, { ports: [{}] }] },
    });
  });

  it("gives a null map value the empty string, and a null string list item too", () => {
    const doc = { apiVersion: "a", kind: "k", metadata: { name: "p", labels: { a: null } }, spec: { podSelector: { matchExpressions: [{ key: "k", operator: "In", values: [null] }] } } };
    const out = goDecode(k8sNetworkPolicySchema, doc, apiserver) as { metadata: { labels: unknown }; spec: { podSelector: { matchExpressions: { values: unknown }[] } } };
    expect(out.metadata.labels).toEqual({ a: "" });
    expect(out.spec.podSelector.matchExpressions[0]!.values).toEqual([""]);
  });

  it("returns the very same object when there is nothing to change", () => {
    const doc = { apiVersion: "a", kind: "k", metadata: { name: "p" }, spec: { podSelector: {} } };
    expect(goDecode(k8sNetworkPolicySchema, doc, apiserver)).toBe(doc);
  });

  it("reads a number in a string field as a string for calicoctl's kinds only", () => {
    const doc = { apiVersion: "a", kind: "k", metadata: { name: "p", labels: { v: 2 } }, spec: { selector: "all()" } };
    expect((goDecode(globalNetworkPolicySchema, doc, calicoctl) as { metadata: { labels: unknown } }).metadata.labels).toEqual({ v: "2" });
    expect(goDecode(globalNetworkPolicySchema, doc, apiserver)).toBe(doc);
  });

  it("prints numbers as sigs.k8s.io/yaml does (FormatInt, FormatFloat 'g' -1 32)", () => {
    expect([1337, -4, 0.1, 1.5, 3.14159265358979, 1e21, 1234567.5, 0.00001, 123456.7].map(goNumberString)).toEqual([
      "1337",
      "-4",
      "0.1",
      "1.5",
      "3.1415927",
      "1e+21",
      "1.2345675e+06",
      "1e-05",
      "123456.7",
    ]);
  });
});

/** The model resources of a YAML text, without their origins (which hold positions). */
function resources(text: string): unknown[] {
  const r = validateYaml(text);
  expect(r.found.filter((f) => f.severity === "error")).toEqual([]);
  return r.model.resources.map((x: Resource) => {
    const { origin: _origin, ...rest } = x;
    return rest;
  });
}

describe("a null anywhere means what the spelled-out form means (property)", () => {
  // Random Kubernetes policies whose optional parts are spelled out, absent, or null.
  const form = fc.constantFrom("spelled", "absent", "null");
  const field = (f: string, spelled: string): string => (f === "spelled" ? spelled : f === "null" ? "" : "<absent>");
  it("for Kubernetes NetworkPolicy", () => {
    fc.assert(
      fc.property(fc.record({ sel: form, types: form, ingress: form, from: form, ports: form, labels: form }), (f) => {
        const lines = (nulled: boolean): string => {
          const v = (x: string, spelled: string): string | undefined => {
            const got = field(x, spelled);
            if (got === "<absent>") return undefined;
            return nulled ? got : x === "null" ? (spelled.startsWith("{") ? "{}" : "[]") : got;
          };
          const out = ["apiVersion: networking.k8s.io/v1", "kind: NetworkPolicy", "metadata:", "  name: p", "  namespace: ns"];
          const labels = v(f.labels, "{a: b}");
          if (labels !== undefined) out.push(`  labels: ${labels}`);
          out.push("spec:");
          out.push(`  podSelector: ${v(f.sel, "{matchLabels: {app: web}}") ?? "{}"}`);
          const types = v(f.types, "[Ingress]");
          if (types !== undefined) out.push(`  policyTypes: ${types}`);
          const ingress = v(f.ingress, "[...]");
          if (ingress === "[...]") {
            out.push("  ingress:", "  - from:");
            const from = v(f.from, "[{podSelector: {}}]");
            if (from !== undefined) out[out.length - 1] += ` ${from}`;
            out.push(`    ports: ${v(f.ports, "[{port: 80}]") ?? "[]"}`);
          } else if (ingress !== undefined) out.push(`  ingress: ${ingress}`);
          return out.join("\n") + "\n";
        };
        expect(resources(lines(true))).toEqual(resources(lines(false)));
      }),
      { numRuns: 200 },
    );
  });
});

describe("null is absent for Calico's kinds too (property)", () => {
  const optional = ["tier", "order", "selector", "serviceAccountSelector", "namespaceSelector", "types", "doNotTrack", "preDNAT", "applyOnForward", "performanceHints"];
  const ruleOptional = ["ipVersion", "protocol", "notProtocol", "icmp", "notICMP", "source", "destination", "http", "metadata"];
  const entityOptional = ["nets", "notNets", "selector", "notSelector", "namespaceSelector", "serviceAccounts", "ports", "notPorts", "services"];
  it("for GlobalNetworkPolicy, its rules and entity rules", () => {
    fc.assert(
      fc.property(fc.subarray(optional), fc.subarray(ruleOptional), fc.subarray(entityOptional), (spec, rule, entity) => {
        const nulls = (keys: readonly string[], indent: string): string[] => keys.map((k) => `${indent}${k}:`);
        const text = (withNulls: boolean): string =>
          [
            "apiVersion: projectcalico.org/v3",
            "kind: GlobalNetworkPolicy",
            "metadata:",
            "  name: g",
            "spec:",
            ...(withNulls ? nulls(spec, "  ") : []),
            "  ingress:",
            "  - action: Allow",
            ...(withNulls ? nulls(rule.filter((k) => k !== "source"), "    ") : []),
            "    source:",
            ...(withNulls ? nulls(entity, "      ") : ["      nets: [10.0.0.0/8]"]).concat(withNulls ? ["      nets: [10.0.0.0/8]"] : []),
          ]
            .filter((l, i, all) => !(withNulls && l === "      nets:" && all.includes("      nets: [10.0.0.0/8]")))
            .join("\n") + "\n";
        expect(resources(text(true))).toEqual(resources(text(false)));
      }),
      { numRuns: 200 },
    );
  });
});
