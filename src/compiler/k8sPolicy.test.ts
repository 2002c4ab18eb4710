import { describe, expect, it } from "vitest";
import { printSelector } from "../model/selector/index.js";
import { convertK8sPolicy, labelSelectorToCalico } from "./k8sPolicy.js";
import { k8sPeer, k8sPolicy, k8sRule, labelSelector } from "./testing/builders.js";

describe("Kubernetes NetworkPolicy conversion (libcalico-go k8s/conversion/conversion.go)", () => {
  it("translates label selectors with the orchestrator term first", () => {
    const s = labelSelector({ role: "db", app: "x" }, [
      { key: "tier", operator: "In", values: ["b", "a"] },
      { key: "env", operator: "NotIn", values: ["dev"] },
      { key: "has", operator: "Exists", values: [] },
      { key: "gone", operator: "DoesNotExist", values: [] },
    ]);
    expect(printSelector(labelSelectorToCalico(s, true))).toBe(
      '(projectcalico.org/orchestrator == "k8s" && app == "x" && role == "db" && tier in {"a", "b"} && env not in {"dev"} && has(has) && !has(gone))',
    );
    expect(printSelector(labelSelectorToCalico(labelSelector(), false))).toBe("all()");
    expect(printSelector(labelSelectorToCalico(labelSelector(), true))).toBe('projectcalico.org/orchestrator == "k8s"');
  });

  it("emits one Allow rule per (protocol, peer), protocols sorted, ports simplified", () => {
    const c = convertK8sPolicy(
      k8sPolicy("ns", "p", {
        ingress: [
          k8sRule(
            [k8sPeer({ podSelector: labelSelector({ a: "b" }) }), k8sPeer({ ipBlock: { cidr: "10.0.0.0/8", except: ["10.1.0.0/16"] } })],
            [{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 81 }, { protocol: "TCP", port: 80 }, { protocol: "TCP", port: 82, endPort: 90 }, { protocol: "TCP", port: "http" }],
          ),
        ],
      }),
    );
    expect(c.ingress.map((r) => [r.protocol, r.source.selector ? printSelector(r.source.selector.ast) : r.source.nets.join(","), r.destination.ports])).toEqual([
      ["TCP", '(projectcalico.org/orchestrator == "k8s" && a == "b")', [{ kind: "range", first: 80, last: 90 }, { kind: "named", name: "http" }]],
      ["TCP", "10.0.0.0/8", [{ kind: "range", first: 80, last: 90 }, { kind: "named", name: "http" }]],
      ["UDP", '(projectcalico.org/orchestrator == "k8s" && a == "b")', [{ kind: "range", first: 53, last: 53 }]],
      ["UDP", "10.0.0.0/8", [{ kind: "range", first: 53, last: 53 }]],
    ]);
    expect(c.ingress[1]!.source.notNets).toEqual(["10.1.0.0/16"]);
    expect(c.ingress.every((r) => r.action === "Allow")).toBe(true);
  });

  it("gives a namespace-only peer the orchestrator selector, and an empty rule no criteria", () => {
    const c = convertK8sPolicy(k8sPolicy("ns", "p", { egress: [k8sRule([k8sPeer({ namespaceSelector: labelSelector() })]), k8sRule()] }));
    const [nsOnly, any] = c.egress;
    expect(nsOnly!.destination.namespaceSelector && printSelector(nsOnly!.destination.namespaceSelector.ast)).toBe("all()");
    expect(nsOnly!.destination.selector && printSelector(nsOnly!.destination.selector.ast)).toBe('projectcalico.org/orchestrator == "k8s"');
    expect(nsOnly!.protocol).toBeUndefined();
    expect(any!.destination).toEqual({ nets: [], notNets: [], ports: [], notPorts: [] });
  });
});
