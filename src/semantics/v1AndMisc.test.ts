import { describe, expect, it } from "vitest";
import { printSelector } from "../model/selector/index.js";
import { entitySelector, policySelector } from "./effectiveSelector.js";
import { formatVerdict } from "./formatVerdict.js";
import { prepareModel } from "./prepareModel.js";
import { reachabilityMatrix } from "./reachabilityMatrix.js";
import { allowed, verdict } from "./testFlows.js";
import { entity, globalPolicy, k8sPolicy, labelSelector, model, networkPolicy, pod, rule, tcp, v1Policy, v1Profile, v1WorkloadEndpoint } from "./testing.js";

describe("Calico v1 (tags)", () => {
  // The Docker CNM profile: members of network `net1` accept traffic from each other.
  const cnm = [
    v1Profile("net1", { tags: ["net1"], ingress: [rule("Allow", { source: { tag: "net1" } })], egress: [rule("Allow")] }),
    v1Profile("net2", { tags: ["net2", "shared"], ingress: [rule("Allow", { source: { tag: "net2" } })], egress: [rule("Allow")] }),
    v1WorkloadEndpoint("a", { workload: "c1", nets: ["10.2.0.1/32"], profiles: ["net1"] }),
    v1WorkloadEndpoint("b", { workload: "c2", nets: ["10.2.0.2/32"], profiles: ["net1"] }),
    v1WorkloadEndpoint("c", { workload: "c3", nets: ["10.2.0.3/32"], profiles: ["net2"] }),
  ];

  it("v1 endpoint ids and tag labels (tags and the profile's name)", () => {
    const p = prepareModel(model(...cnm));
    expect(p.members.map((m) => m.id)).toEqual(["libnetwork/c1/a", "libnetwork/c2/b", "libnetwork/c3/c"]);
    expect(p.members[2]?.labels).toEqual({ net2: "", shared: "" });
  });

  it("tag: peers carrying the tag", () => {
    const p = prepareModel(model(...cnm));
    expect(allowed(p, "libnetwork/c1/a", "libnetwork/c2/b")).toBe(true);
    expect(allowed(p, "libnetwork/c3/c", "libnetwork/c2/b")).toBe(false);
    expect(allowed(p, "192.0.2.1", "libnetwork/c2/b")).toBe(false);
  });

  it("notTag: peers without the tag, unknown addresses included", () => {
    const p = prepareModel(
      model(v1Profile("p", { ingress: [rule("Allow", { source: { notTag: "shared" } })] }), ...cnm.slice(1), v1WorkloadEndpoint("d", { workload: "c4", nets: ["10.2.0.4/32"], profiles: ["p"] })),
    );
    expect(allowed(p, "192.0.2.1", "libnetwork/c4/d")).toBe(true);
    expect(allowed(p, "libnetwork/c3/c", "libnetwork/c4/d")).toBe(false);
  });

  // Felix renders a profile's pass (`next-tier`) like a policy's, and checks only the accept mark
  // after a profile (felix/rules/policy.go, felix/rules/endpoints.go).
  it("Pass in a v1 profile ends that profile; the next one decides", () => {
    const p = prepareModel(
      model(
        v1Profile("p", { ingress: [rule("Pass"), rule("Allow")] }),
        v1Profile("q", { ingress: [rule("Allow")] }),
        v1WorkloadEndpoint("d", { workload: "w", nets: ["10.2.0.4/32"], profiles: ["p"] }),
        v1WorkloadEndpoint("e", { workload: "x", nets: ["10.2.0.5/32"], profiles: ["p", "q"] }),
      ),
    );
    const v = verdict(p, "192.0.2.1", "libnetwork/w/d");
    expect(v.allowed).toBe(false);
    expect(v.ingress?.steps).toEqual([
      { kind: "profile", profile: "p", ruleIndex: 0, action: "Pass", file: "test.yaml", path: "spec.ingress.0" },
      { kind: "no-profile-matched", profiles: ["p"] },
    ]);
    expect(allowed(p, "192.0.2.1", "libnetwork/x/e")).toBe(true);
  });

  it("v1 policies are global policies of the default tier, before profiles", () => {
    const p = prepareModel(model(...cnm, v1Policy("block", { selector: "has(net1)", ingress: [rule("Deny", { source: { tag: "net1" }, protocol: "TCP", destination: { ports: [22] } })] })));
    expect(allowed(p, "libnetwork/c1/a", "libnetwork/c2/b", { dstPort: 22 })).toBe(false);
    // The policy selects the endpoint, so the default tier's Deny applies to other traffic too.
    expect(verdict(p, "libnetwork/c1/a", "libnetwork/c2/b").ingress?.steps).toEqual([{ kind: "tier-default", tier: "default", action: "Deny" }]);
  });
});

describe("effective selectors (libcalico-go updateprocessors/rules.go)", () => {
  it("builds the reference's example", () => {
    const e = entity({ namespaceSelector: "nskey == 'nsvalue'", serviceAccounts: { names: ["sa3"], selector: "key == 'value2'" } });
    expect(printSelector(entitySelector(e, "ns1")!)).toBe('(pcns.nskey == "nsvalue" && (pcsa.key == "value2" && projectcalico.org/serviceaccount in {"sa3"}))');
  });

  it("scopes to the namespace only when some selector field is set", () => {
    expect(entitySelector(entity({ nets: ["10.0.0.0/8"] }), "ns1")).toBeUndefined();
    expect(printSelector(entitySelector(entity({ notSelector: "a == 'b'" }), "ns1")!)).toBe('projectcalico.org/namespace == "ns1"');
    expect(printSelector(entitySelector(entity({ selector: "a == 'b'" }), undefined)!)).toBe('a == "b"');
    expect(printSelector(entitySelector(entity({ namespaceSelector: "all()" }), "ns1")!)).toBe("has(projectcalico.org/namespace)");
    expect(printSelector(entitySelector(entity({ namespaceSelector: "global()", selector: "x == 'y'" }), "ns1")!)).toBe('(!has(projectcalico.org/namespace) && x == "y")');
  });

  it("policy selectors", () => {
    // all() in a serviceAccountSelector means "has an account" in a GNP only
    // (globalnetworkpolicyprocessor.go vs networkpolicyprocessor.go).
    const np = networkPolicy("ns1", "p", { selector: "app == 'a'", serviceAccountSelector: "all()" });
    expect(printSelector(policySelector(np))).toBe('(app == "a" && projectcalico.org/namespace == "ns1" && all())');
    const gnp = globalPolicy("g", { namespaceSelector: "all()" });
    expect(printSelector(policySelector(gnp))).toBe("has(projectcalico.org/namespace)");
    const gnpSa = globalPolicy("g", { serviceAccountSelector: "all()" });
    expect(printSelector(policySelector(gnpSa))).toBe("has(projectcalico.org/serviceaccount)");
    // globalnetworkpolicyprocessor.go replaces all() in the whole selector text built so far,
    // the written selector included; an empty written selector is not part of it.
    const written = globalPolicy("g", { selector: "all()", namespaceSelector: "!has(team)", serviceAccountSelector: "role != 'x'" });
    expect(printSelector(policySelector(written))).toBe(
      '((has(projectcalico.org/namespace) && !has(pcns.team)) && pcsa.role != "x")',
    );
    const unwritten = globalPolicy("g", { namespaceSelector: "!has(team)" });
    expect(printSelector(policySelector(unwritten))).toBe("!has(pcns.team)");
  });

  it("a GNP with selector all() and a namespaceSelector leaves endpoints without a namespace alone", () => {
    const open = v1Profile("open", { ingress: [rule("Allow")], egress: [rule("Allow")] });
    const ep = v1WorkloadEndpoint("a", { workload: "c1", nets: ["10.2.0.1/32"], profiles: ["open"] });
    const deny = (selector?: string) => globalPolicy("deny", { ...(selector !== undefined ? { selector } : {}), namespaceSelector: "!has(team)", ingress: [rule("Deny")] });
    expect(allowed(prepareModel(model(open, ep, deny("all()"))), "192.0.2.1", "libnetwork/c1/a")).toBe(true);
    expect(allowed(prepareModel(model(open, ep, deny())), "192.0.2.1", "libnetwork/c1/a")).toBe(false);
  });
});

describe("reachabilityMatrix and formatVerdict", () => {
  const m = model(
    pod("prod", "a", { labels: { app: "a" }, ips: ["10.0.0.1"] }),
    pod("prod", "b", { labels: { app: "b" }, ips: ["10.0.0.2"] }),
    pod("prod", "c", { labels: { app: "c" }, ips: ["10.0.0.3"] }),
    k8sPolicy("prod", "b-from-a", { podSelector: labelSelector({ app: "b" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "a" }) }], ports: [tcp(80)] }] }),
  );

  it("computes who reaches whom per port, without self-pairs", () => {
    const r = reachabilityMatrix(prepareModel(m), [{ port: 80, protocol: "TCP" }, { port: 443, protocol: 6 }]);
    expect(r.ports[0]?.matrix).toEqual({
      "prod/a": { "prod/b": true, "prod/c": true },
      "prod/b": { "prod/a": true, "prod/c": true },
      "prod/c": { "prod/a": true, "prod/b": false },
    });
    expect(r.ports[1]?.matrix["prod/a"]?.["prod/b"]).toBe(false);
    expect(reachabilityMatrix(prepareModel(m), [{ port: 80, protocol: "TCP" }], 6).ports[0]?.matrix).toEqual({});
  });

  it("formats a verdict as text", () => {
    const p = prepareModel(m);
    expect(formatVerdict(verdict(p, "prod/c", "prod/b"))).toBe(
      [
        "from 10.0.0.3 (prod/c)",
        "to   10.0.0.2 (prod/b)",
        "egress at prod/c: allow",
        "  namespace prod rule 0 -> Allow",
        "ingress at prod/b: deny",
        "  tier default: no rule decided -> tier default action Deny",
        "verdict: deny",
        "",
      ].join("\n"),
    );
    expect(formatVerdict(verdict(p, "prod/a", "prod/b"))).toContain("tier default: NetworkPolicy prod/b-from-a rule 0 (test.yaml: spec.ingress.0) -> Allow");
    expect(formatVerdict(verdict(prepareModel(m, { node: "elsewhere" }), "prod/a", "192.0.2.1"))).toContain("not policed on this node");
  });

  it("rejects unknown endpoints and addresses of the wrong family", () => {
    const p = prepareModel(m);
    expect(() => verdict(p, "prod/zzz", "prod/b")).toThrow(/unknown workload endpoint/);
    expect(() => verdict(p, "prod/a", "prod/b", { family: 6 })).toThrow(/no IPv6 address/);
    expect(() => verdict(p, "fd00::1", "prod/b")).toThrow(/not an IPv4 address/);
  });

  it("is fast enough for hundreds of endpoints", () => {
    const resources = [];
    for (let i = 0; i < 300; i++) resources.push(pod(`ns${i % 10}`, `p${i}`, { labels: { app: `a${i % 7}`, tier: `t${i % 3}` }, ips: [`10.${i >> 8}.${i & 255}.1`] }));
    for (let i = 0; i < 30; i++) {
      resources.push(k8sPolicy(`ns${i % 10}`, `k${i}`, { podSelector: labelSelector({ app: `a${i % 7}` }), ingress: [{ peers: [{ podSelector: labelSelector({ tier: `t${i % 3}` }) }], ports: [tcp(80 + (i % 4))] }] }));
      resources.push(globalPolicy(`g${i}`, { order: i, selector: `tier == 't${i % 3}'`, ingress: [rule("Log", { source: { selector: `app == 'a${i % 7}'` } }), rule("Pass")] }));
    }
    const start = Date.now();
    const r = reachabilityMatrix(prepareModel(model(...resources)), [{ port: 80, protocol: "TCP" }]);
    expect(Object.keys(r.ports[0]?.matrix ?? {})).toHaveLength(300);
    expect(Date.now() - start).toBeLessThan(15000);
  });
});
