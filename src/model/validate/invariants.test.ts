/** Invariant kinds (policyc.dev/v1alpha1): read with positions, validated, kept out of the resources. */
import { describe, expect, test } from "vitest";
import { validateYaml, yaml } from "./testSupport.js";

const issueExample = yaml(
  "apiVersion: policyc.dev/v1alpha1",
  "kind: IsolationInvariant",
  "metadata: { name: tenants-stay-apart }",
  "spec:",
  "  tenantLabel: tenant          # namespaces with different values of this label ...",
  "  deny: cross-tenant           # ... may not reach each other,",
  "  except:                      # except through declared doors",
  "    - to: { namespaceSelector: \"shared == 'true'\" }",
  "      ports: [ { protocol: UDP, port: 53 } ]",
);

describe("invariants", () => {
  test("the issue's example loads as written, with one note that only verify reads it", () => {
    const r = validateYaml(issueExample);
    expect(r.found).toEqual([{ code: "invariant-not-compiled", severity: "note", line: 2, column: 7 }]);
    expect(r.model.resources).toEqual([]);
    const [inv] = r.model.invariants ?? [];
    expect(inv?.kind).toBe("IsolationInvariant");
    if (inv?.kind !== "IsolationInvariant") return;
    expect(inv.name).toBe("tenants-stay-apart");
    expect(inv.tenantLabel).toBe("tenant");
    expect(inv.except).toHaveLength(1);
    expect(inv.except[0]!.to?.namespaceSelector?.text).toBe("shared == 'true'");
    expect(inv.except[0]!.ports).toEqual([{ protocol: "UDP", first: 53, last: 53 }]);
  });

  test("unknown fields are warnings at their key; bad selectors, ports and values are errors at their position", () => {
    const r = validateYaml(
      yaml(
        "apiVersion: policyc.dev/v1alpha1",
        "kind: NeverReachInvariant",
        "metadata: { name: never }",
        "spec:",
        "  from: { selector: \"app == 'web'\", labels: x }",
        "  to: { namespaceSelector: \"tenant ==\" }",
        "  ports: [ { protocol: TCP, port: 90, endPort: 80 } ]",
        "---",
        "apiVersion: policyc.dev/v1alpha1",
        "kind: IsolationInvariant",
        "metadata: { name: i }",
        "spec: { tenantLabel: t, deny: everything }",
        "---",
        "apiVersion: policyc.dev/v1alpha1",
        "kind: DefaultDenyInvariant",
        "metadata: { name: d }",
        "spec: { namespaceSelector: \"has(tenant)\", direction: Sideways }",
        "---",
        "apiVersion: policyc.dev/v1alpha1",
        "kind: OnlyReachInvariant",
        "metadata: { name: o }",
        "spec: { to: {}, ports: [ { port: 70000 } ] }",
        "---",
        "apiVersion: policyc.dev/v1alpha1",
        "kind: IsolationInvariants",
        "metadata: { name: typo }",
      ),
    );
    expect(r.found.map((f) => `${f.line}:${f.column} ${f.severity} ${f.code}`).sort()).toEqual(
      [
        "5:37 warning unknown-field",
        "6:38 error selector-syntax",
        "7:48 error invalid-port",
        "12:31 error invalid-value",
        "17:54 error invalid-value",
        "22:34 error invalid-value",
        "22:7 error missing-field",
        "25:7 warning unsupported",
      ].sort(),
    );
    expect(r.model.invariants ?? []).toEqual([]);
  });

  test("every kind builds", () => {
    const r = validateYaml(
      yaml(
        "apiVersion: policyc.dev/v1alpha1",
        "kind: OnlyReachInvariant",
        "metadata: { name: o }",
        "spec:",
        "  to: { selector: \"app == 'db'\" }",
        "  ports: [ { port: 5432 }, { protocol: UDP } ]",
        "  only: [ { selector: \"app == 'api'\" } ]",
        "---",
        "apiVersion: policyc.dev/v1alpha1",
        "kind: DefaultDenyInvariant",
        "metadata: { name: d }",
        "spec: { namespaceSelector: \"has(tenant)\" }",
      ),
    );
    expect(r.found.filter((f) => f.severity !== "note")).toEqual([]);
    const [o, d] = r.model.invariants ?? [];
    expect(o?.kind === "OnlyReachInvariant" && o.ports).toEqual([
      { protocol: "TCP", first: 5432, last: 5432 },
      { protocol: "UDP", first: 0, last: 65535 },
    ]);
    expect(d?.kind === "DefaultDenyInvariant" && d.direction).toBe("Ingress");
  });
});
