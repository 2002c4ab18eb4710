import { describe, expect, it } from "vitest";
import { prepareModel } from "./prepareModel.js";
import { allowed, verdict } from "./testFlows.js";
import {
  globalNetworkSet,
  globalPolicy,
  hostEndpoint,
  model,
  namespace,
  networkPolicy,
  networkSet,
  pod,
  profile,
  rule,
  serviceAccount,
  tier,
  workloadEndpoint,
} from "./testing.js";

const base = [
  namespace("prod", { env: "prod" }),
  namespace("dev", { env: "dev" }),
  serviceAccount("prod", "robot", { role: "bot" }),
  pod("prod", "web", { labels: { app: "web" }, ips: ["10.0.0.1", "fd00::1"], ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }] }),
  pod("prod", "db", { labels: { app: "db" }, ips: ["10.0.0.3", "fd00::3"], sa: "robot" }),
  pod("dev", "web", { labels: { app: "web" }, ips: ["10.0.1.1"] }),
];

describe("tiers and actions", () => {
  it("evaluates tiers by order; Deny in an earlier tier is final", () => {
    const p = prepareModel(
      model(
        ...base,
        tier("security", 10),
        globalPolicy("security.block", { tier: "security", selector: "app == 'db'", ingress: [rule("Deny", { source: { selector: "app == 'web'" } })] }),
        globalPolicy("allow-all", { ingress: [rule("Allow")] }),
      ),
    );
    const v = verdict(p, "prod/web", "prod/db");
    expect(v.allowed).toBe(false);
    expect(v.ingress?.steps).toEqual([
      { kind: "rule", tier: "security", policyKind: "GlobalNetworkPolicy", policy: "security.block", ruleIndex: 0, action: "Deny", file: "test.yaml", path: "spec.ingress.0" },
    ]);
  });

  it("a tier without an order comes after ordered ones, ties broken by name", () => {
    const p = prepareModel(
      model(
        ...base,
        tier("zeta"),
        tier("alpha"),
        globalPolicy("z", { tier: "zeta", ingress: [rule("Allow")] }),
        globalPolicy("a", { tier: "alpha", ingress: [rule("Deny")] }),
      ),
    );
    expect(p.tiers.map((t) => t.name)).toEqual(["default", "alpha", "zeta"]);
    expect(allowed(p, "prod/web", "prod/db")).toBe(false);
  });

  it("Pass skips the rest of the tier; the next tier decides", () => {
    const p = prepareModel(
      model(
        ...base,
        tier("first", 1),
        globalPolicy("first.pass", { tier: "first", order: 1, ingress: [rule("Pass", { source: { selector: "app == 'web'" } })] }),
        globalPolicy("first.deny", { tier: "first", order: 2, ingress: [rule("Deny")] }),
        globalPolicy("allow", { ingress: [rule("Allow")] }),
      ),
    );
    const v = verdict(p, "prod/web", "prod/db");
    expect(v.allowed).toBe(true);
    expect(v.ingress?.steps.map((s) => s.kind === "rule" && `${s.policy}:${s.action}`)).toEqual(["first.pass:Pass", "allow:Allow"]);
    expect(allowed(p, "dev/web", "prod/db")).toBe(true); // dev/web also has app=web
    expect(allowed(p, "192.0.2.1", "prod/db")).toBe(false);
  });

  it("Pass out of the last tier goes to the profiles", () => {
    const p = prepareModel(model(...base, globalPolicy("pass", { ingress: [rule("Pass")] })));
    const v = verdict(p, "prod/web", "prod/db");
    expect(v.allowed).toBe(true);
    expect(v.ingress?.steps.at(-1)).toEqual({ kind: "profile", profile: "kns.prod", ruleIndex: 0, action: "Allow" });
  });

  it("a tier's default action applies when its policies select the endpoint but no rule acts", () => {
    const deny = prepareModel(model(...base, tier("t", 1), globalPolicy("t.p", { tier: "t", ingress: [rule("Allow", { protocol: "UDP" })] })));
    expect(verdict(deny, "prod/web", "prod/db").ingress?.steps).toEqual([{ kind: "tier-default", tier: "t", action: "Deny" }]);
    const pass = prepareModel(model(...base, tier("t", 1, "Pass"), globalPolicy("t.p", { tier: "t", ingress: [rule("Allow", { protocol: "UDP" })] })));
    const v = verdict(pass, "prod/web", "prod/db");
    expect(v.allowed).toBe(true);
    expect(v.ingress?.steps[0]).toEqual({ kind: "tier-default", tier: "t", action: "Pass" });
  });

  it("a tier takes part only if one of its policies selects the endpoint with that type", () => {
    const p = prepareModel(
      model(
        ...base,
        tier("t", 1),
        globalPolicy("t.other", { tier: "t", selector: "app == 'nothing'", ingress: [rule("Allow")] }),
        globalPolicy("t.egress-only", { tier: "t", selector: "app == 'db'", types: ["Egress"], egress: [rule("Allow")] }),
      ),
    );
    expect(verdict(p, "prod/web", "prod/db").ingress?.steps).toEqual([{ kind: "profile", profile: "kns.prod", ruleIndex: 0, action: "Allow" }]);
  });

  it("orders policies in a tier by order (missing last), then by name", () => {
    const mk = (o1: number | undefined, o2: number | undefined, n1 = "p1", n2 = "p2") =>
      prepareModel(
        model(
          ...base,
          globalPolicy(n1, { ...(o1 !== undefined ? { order: o1 } : {}), ingress: [rule("Deny")] }),
          globalPolicy(n2, { ...(o2 !== undefined ? { order: o2 } : {}), ingress: [rule("Allow")] }),
        ),
      );
    expect(allowed(mk(1, 2), "prod/web", "prod/db")).toBe(false);
    expect(allowed(mk(2, 1), "prod/web", "prod/db")).toBe(true);
    expect(allowed(mk(undefined, 5), "prod/web", "prod/db")).toBe(true);
    expect(allowed(mk(3, 3, "b", "a"), "prod/web", "prod/db")).toBe(true);
    expect(allowed(mk(3, 3, "a", "b"), "prod/web", "prod/db")).toBe(false);
  });

  it("Log records a step and evaluation continues", () => {
    const p = prepareModel(model(...base, globalPolicy("p", { ingress: [rule("Log"), rule("Allow")] })));
    const v = verdict(p, "prod/web", "prod/db");
    expect(v.allowed).toBe(true);
    expect(v.ingress?.steps.map((s) => s.kind === "rule" && s.action)).toEqual(["Log", "Allow"]);
  });

  it("egress rules apply only to policies with the Egress type", () => {
    const p = prepareModel(model(...base, globalPolicy("p", { selector: "app == 'web'", types: ["Ingress"], ingress: [rule("Allow")], egress: [rule("Deny")] })));
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
  });
});

describe("policy selection", () => {
  it("a NetworkPolicy selects endpoints of its own namespace only", () => {
    const p = prepareModel(model(...base, networkPolicy("prod", "deny", { selector: "app == 'web'", ingress: [rule("Deny")] })));
    expect(allowed(p, "prod/db", "prod/web")).toBe(false);
    expect(allowed(p, "prod/db", "dev/web")).toBe(true);
  });

  it("a GlobalNetworkPolicy selects everywhere; its namespaceSelector uses namespace labels", () => {
    const gnp = prepareModel(model(...base, globalPolicy("deny", { selector: "app == 'web'", ingress: [rule("Deny")] })));
    expect(allowed(gnp, "prod/db", "dev/web")).toBe(false);
    const scoped = prepareModel(model(...base, globalPolicy("deny", { selector: "app == 'web'", namespaceSelector: "env == 'dev'", ingress: [rule("Deny")] })));
    expect(allowed(scoped, "prod/db", "dev/web")).toBe(false);
    expect(allowed(scoped, "prod/db", "prod/web")).toBe(true);
  });

  it("serviceAccountSelector matches the service account's labels", () => {
    const p = prepareModel(model(...base, networkPolicy("prod", "deny", { serviceAccountSelector: "role == 'bot'", ingress: [rule("Deny")] })));
    expect(allowed(p, "prod/web", "prod/db")).toBe(false);
    expect(allowed(p, "prod/db", "prod/web")).toBe(true);
  });
});

describe("entity rules", () => {
  const ingressTo = (ruleArgs: Parameters<typeof rule>[1], extra: Parameters<typeof model> = []) =>
    prepareModel(model(...base, ...extra, globalPolicy("p", { selector: "app == 'db'", ingress: [rule("Allow", ruleArgs)] })));

  it("a rule selector in a namespaced policy is scoped to the policy's namespace", () => {
    const p = prepareModel(model(...base, networkPolicy("prod", "p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { selector: "app == 'web'" } })] })));
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(allowed(p, "dev/web", "prod/db")).toBe(false);
  });

  it("namespaceSelector selects peers by namespace labels, all() any namespace", () => {
    const ns = prepareModel(model(...base, networkPolicy("prod", "p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { selector: "app == 'web'", namespaceSelector: "env == 'dev'" } })] })));
    expect(allowed(ns, "dev/web", "prod/db")).toBe(true);
    expect(allowed(ns, "prod/web", "prod/db")).toBe(false);
    const any = prepareModel(model(...base, networkPolicy("prod", "p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { namespaceSelector: "all()" } })] })));
    expect(allowed(any, "dev/web", "prod/db")).toBe(true);
    expect(allowed(any, "192.0.2.1", "prod/db")).toBe(false);
  });

  it("namespaceSelector global() matches non-namespaced things: global network sets, host endpoints", () => {
    const p = ingressTo({ source: { namespaceSelector: "global()" } }, [
      globalNetworkSet("outside", ["192.0.2.0/24"]),
      networkSet("prod", "inside", ["198.51.100.0/24"]),
      hostEndpoint("host1", ["203.0.113.1"]),
    ]);
    expect(allowed(p, "192.0.2.1", "prod/db")).toBe(true);
    expect(allowed(p, "203.0.113.1", "prod/db")).toBe(true);
    expect(allowed(p, "198.51.100.1", "prod/db")).toBe(false);
    expect(allowed(p, "prod/web", "prod/db")).toBe(false);
    expect(allowed(p, "203.0.113.2", "prod/db")).toBe(false);
  });

  it("serviceAccounts names and selector", () => {
    const byName = ingressTo({ source: { serviceAccounts: { names: ["robot"] } } });
    expect(allowed(byName, "prod/db", "prod/db")).toBe(true);
    expect(allowed(byName, "prod/web", "prod/db")).toBe(false);
    const bySel = ingressTo({ source: { serviceAccounts: { selector: "role == 'bot'" } } });
    expect(allowed(bySel, "prod/db", "prod/db")).toBe(true);
    expect(allowed(bySel, "prod/web", "prod/db")).toBe(false);
  });

  it("nets and notNets", () => {
    const nets = ingressTo({ source: { nets: ["192.0.2.0/24", "10.0.0.0/24"] } });
    expect(allowed(nets, "192.0.2.9", "prod/db")).toBe(true);
    expect(allowed(nets, "prod/web", "prod/db")).toBe(true);
    expect(allowed(nets, "dev/web", "prod/db")).toBe(false);
    const notNets = ingressTo({ source: { notNets: ["10.0.0.0/24"] } });
    expect(allowed(notNets, "prod/web", "prod/db")).toBe(false);
    expect(allowed(notNets, "dev/web", "prod/db")).toBe(true);
    expect(allowed(notNets, "192.0.2.9", "prod/db")).toBe(true);
  });

  it("selector matches only known endpoints and network sets; notSelector lets unknown addresses through", () => {
    const s = ingressTo({ source: { selector: "!has(app)" } });
    expect(allowed(s, "192.0.2.9", "prod/db")).toBe(false);
    expect(allowed(s, "prod/web", "prod/db")).toBe(false);
    const all = ingressTo({ source: { selector: "all()" } });
    expect(allowed(all, "192.0.2.9", "prod/db")).toBe(false);
    expect(allowed(all, "dev/web", "prod/db")).toBe(true);
    const not = ingressTo({ source: { notSelector: "app == 'web'" } });
    expect(allowed(not, "192.0.2.9", "prod/db")).toBe(true);
    expect(allowed(not, "prod/web", "prod/db")).toBe(false);
    expect(allowed(not, "prod/db", "prod/db")).toBe(true);
  });

  it("notSelector in a namespaced policy still scopes the peer to the namespace (Calico's nsSel rule)", () => {
    const p = prepareModel(model(...base, networkPolicy("prod", "p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { notSelector: "app == 'db'" } })] })));
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(allowed(p, "dev/web", "prod/db")).toBe(false);
    expect(allowed(p, "192.0.2.9", "prod/db")).toBe(false);
  });

  it("ports, ranges, notPorts and named ports on the destination", () => {
    const ports = ingressTo({ protocol: "TCP", destination: { ports: [80, "1000:1010"] } });
    expect([80, 81, 1000, 1010, 1011].map((dstPort) => allowed(ports, "prod/web", "prod/db", { dstPort }))).toEqual([true, false, true, true, false]);
    const notPorts = ingressTo({ protocol: "TCP", destination: { notPorts: [22] } });
    expect(allowed(notPorts, "prod/web", "prod/db", { dstPort: 22 })).toBe(false);
    expect(allowed(notPorts, "prod/web", "prod/db", { dstPort: 23 })).toBe(true);
    const src = ingressTo({ protocol: "TCP", source: { ports: [40000] } });
    expect(allowed(src, "prod/web", "prod/db")).toBe(true);
    expect(allowed(src, "prod/web", "prod/db", { srcPort: 40001 })).toBe(false);
    const named = prepareModel(model(...base, globalPolicy("p", { selector: "app == 'web'", ingress: [rule("Allow", { protocol: "TCP", destination: { ports: ["http"] } })] })));
    expect(allowed(named, "prod/db", "prod/web", { dstPort: 8080 })).toBe(true);
    expect(allowed(named, "prod/db", "prod/web", { dstPort: 80 })).toBe(false);
    const namedSrc = ingressTo({ protocol: "TCP", source: { ports: ["http"] } });
    expect(allowed(namedSrc, "prod/web", "prod/db", { srcPort: 8080 })).toBe(true);
    expect(allowed(namedSrc, "prod/web", "prod/db", { srcPort: 8081 })).toBe(false);
  });

  it("protocol by name or number, notProtocol", () => {
    const udp = ingressTo({ protocol: "UDP" });
    expect(allowed(udp, "prod/web", "prod/db", { protocol: 17 })).toBe(true);
    expect(allowed(udp, "prod/web", "prod/db", { protocol: 6 })).toBe(false);
    const num = ingressTo({ protocol: 47 });
    expect(allowed(num, "prod/web", "prod/db", { protocol: 47 })).toBe(true);
    const sctp = ingressTo({ protocol: "SCTP" });
    expect(allowed(sctp, "prod/web", "prod/db", { protocol: 132 })).toBe(true);
    const lite = ingressTo({ protocol: "UDPLite" });
    expect(allowed(lite, "prod/web", "prod/db", { protocol: 136 })).toBe(true);
    const not = ingressTo({ notProtocol: "TCP" });
    expect(allowed(not, "prod/web", "prod/db", { protocol: 6 })).toBe(false);
    expect(allowed(not, "prod/web", "prod/db", { protocol: 17 })).toBe(true);
  });

  it("ICMP type and code, notICMP, and ICMP only on IPv4", () => {
    const echo = ingressTo({ protocol: "ICMP", icmp: { type: 8, code: 0 } });
    const icmp = (type: number, code: number, family: 4 | 6 = 4, protocol = 1) => ({ family, protocol, icmpType: type, icmpCode: code });
    expect(allowed(echo, "prod/web", "prod/db", icmp(8, 0))).toBe(true);
    expect(allowed(echo, "prod/web", "prod/db", icmp(8, 1))).toBe(false);
    expect(allowed(echo, "prod/web", "prod/db", icmp(0, 0))).toBe(false);
    const anyCode = ingressTo({ protocol: "ICMP", icmp: { type: 3 } });
    expect(allowed(anyCode, "prod/web", "prod/db", icmp(3, 4))).toBe(true);
    const notEcho = ingressTo({ protocol: "ICMP", notICMP: { type: 8 } });
    expect(allowed(notEcho, "prod/web", "prod/db", icmp(8, 0))).toBe(false);
    expect(allowed(notEcho, "prod/web", "prod/db", icmp(0, 0))).toBe(true);
    const anyIcmp = ingressTo({ protocol: "ICMP" });
    expect(allowed(anyIcmp, "prod/web", "prod/db", icmp(128, 0, 6, 1))).toBe(false);
    const v6 = ingressTo({ protocol: "ICMPv6", icmp: { type: 128 } });
    expect(allowed(v6, "prod/web", "prod/db", icmp(128, 0, 6, 58))).toBe(true);
  });

  it("IP family: ipVersion and single-family nets restrict the rule", () => {
    const v4only = ingressTo({ ipVersion: 4 });
    expect(allowed(v4only, "prod/web", "prod/db")).toBe(true);
    expect(allowed(v4only, "prod/web", "prod/db", { family: 6 })).toBe(false);
    const notNets4 = ingressTo({ source: { notNets: ["192.0.2.0/24"] } });
    expect(allowed(notNets4, "prod/web", "prod/db", { family: 6 })).toBe(false);
    expect(allowed(notNets4, "prod/web", "prod/db")).toBe(true);
    const v6nets = ingressTo({ source: { nets: ["fd00::/64"] } });
    expect(allowed(v6nets, "prod/web", "prod/db", { family: 6 })).toBe(true);
    expect(allowed(v6nets, "fd00::99", "prod/db", { family: 6 })).toBe(true);
    expect(allowed(v6nets, "prod/web", "prod/db")).toBe(false);
    const sel = ingressTo({ source: { selector: "app == 'web'" } });
    expect(allowed(sel, "prod/web", "prod/db", { family: 6 })).toBe(true);
  });
});

describe("network sets", () => {
  const sets = [
    globalNetworkSet("partners", ["192.0.2.0/24"], { kind: "partner" }),
    networkSet("prod", "office", ["198.51.100.0/24", "2001:db8::/32"], { kind: "office" }),
  ];

  it("a selector matches an address inside a matching network set", () => {
    const p = prepareModel(model(...base, ...sets, globalPolicy("p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { selector: "kind == 'partner'" } })] })));
    expect(allowed(p, "192.0.2.77", "prod/db")).toBe(true);
    expect(allowed(p, "198.51.100.1", "prod/db")).toBe(false);
    expect(verdict(p, "192.0.2.77", "prod/db").src).toEqual({ ip: "192.0.2.77", others: ["GlobalNetworkSet:partners"] });
  });

  it("namespaced network sets carry the namespace label and the namespace's labels", () => {
    const ns = prepareModel(model(...base, ...sets, networkPolicy("prod", "p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { selector: "kind == 'office'" } })] })));
    expect(allowed(ns, "198.51.100.1", "prod/db")).toBe(true);
    expect(allowed(ns, "2001:db8::5", "prod/db", { family: 6 })).toBe(true);
    const devScoped = prepareModel(model(...base, ...sets, networkPolicy("dev", "p", { selector: "app == 'web'", ingress: [rule("Allow", { source: { selector: "kind == 'office'" } })] })));
    expect(allowed(devScoped, "198.51.100.1", "dev/web")).toBe(false);
    const byNsLabel = prepareModel(model(...base, ...sets, globalPolicy("p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { namespaceSelector: "env == 'prod'" } })] })));
    expect(allowed(byNsLabel, "198.51.100.1", "prod/db")).toBe(true);
    expect(allowed(byNsLabel, "192.0.2.1", "prod/db")).toBe(false);
  });

  it("an endpoint inside a matching network set matches too (both are in Felix's IP set)", () => {
    const p = prepareModel(
      model(...base, globalNetworkSet("cluster", ["10.0.0.0/16"], { kind: "cluster" }), globalPolicy("p", { selector: "app == 'db'", ingress: [rule("Allow", { source: { selector: "kind == 'cluster'" } })] })),
    );
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(verdict(p, "10.0.0.1", "prod/db").src).toEqual({ ip: "10.0.0.1", endpoint: "prod/web", others: ["GlobalNetworkSet:cluster"] });
  });
});

describe("profiles and endpoints", () => {
  it("evaluates the endpoint's profiles in order; no match continues; nothing accepting drops", () => {
    const p = prepareModel(
      model(
        profile("first", { ingress: [rule("Allow", { protocol: "UDP" })] }),
        profile("second", { ingress: [rule("Deny", { protocol: "TCP", destination: { ports: [22] } }), rule("Allow", { protocol: "TCP" })] }),
        workloadEndpoint("ns", "a", { nets: ["10.1.0.1/32"], profiles: ["first", "second"] }),
        workloadEndpoint("ns", "b", { nets: ["10.1.0.2/32"], profiles: ["first"] }),
      ),
    );
    expect(verdict(p, "192.0.2.1", "ns/a").ingress?.steps).toEqual([{ kind: "profile", profile: "second", ruleIndex: 1, action: "Allow", file: "test.yaml", path: "spec.ingress.1" }]);
    expect(allowed(p, "192.0.2.1", "ns/a", { dstPort: 22 })).toBe(false);
    expect(allowed(p, "192.0.2.1", "ns/a", { protocol: 17 })).toBe(true);
    // Neither profile has egress rules: the source's egress drops.
    expect(verdict(p, "ns/b", "ns/a").egress?.allowed).toBe(false);
    const v = verdict(p, "ns/a", "ns/b");
    expect(v.allowed).toBe(false);
    expect(v.ingress?.steps).toEqual([{ kind: "no-profile-matched", profiles: ["first"] }]);
  });

  it("labelsToApply are inherited; the endpoint's own label wins; earlier profiles win", () => {
    const p = prepareModel(
      model(
        profile("p1", { labels: { color: "red", size: "s" }, ingress: [rule("Allow")], egress: [rule("Allow")] }),
        profile("p2", { labels: { color: "blue", shape: "round" } }),
        workloadEndpoint("ns", "a", { nets: ["10.1.0.1/32"], profiles: ["p1", "p2"], labels: { size: "xl" } }),
      ),
    );
    expect(p.members[0]?.labels).toEqual({ color: "red", size: "xl", shape: "round", "projectcalico.org/namespace": "ns" });
  });

  it("pods get Calico's automatic labels and lose pcns./pcsa. labels", () => {
    const p = prepareModel(model(namespace("prod", { env: "prod" }), serviceAccount("prod", "robot", { role: "bot" }), pod("prod", "db", { labels: { app: "db", "pcns.env": "fake" }, ips: ["10.0.0.3"], sa: "robot" })));
    expect(p.members[0]).toMatchObject({
      id: "prod/db",
      profiles: ["kns.prod", "ksa.prod.robot"],
      labels: {
        app: "db",
        "projectcalico.org/namespace": "prod",
        "projectcalico.org/orchestrator": "k8s",
        "projectcalico.org/serviceaccount": "robot",
        "pcns.env": "prod",
        "pcns.projectcalico.org/name": "prod",
        "pcsa.role": "bot",
        "pcsa.projectcalico.org/name": "robot",
      },
    });
  });

  it("a pod in an undefined namespace still gets kns.<ns> with only the name label", () => {
    const p = prepareModel(model(pod("ghost", "a", { ips: ["10.0.0.9"] }), pod("ghost", "b", { ips: ["10.0.0.8"] })));
    expect(p.members[0]?.labels["pcns.projectcalico.org/name"]).toBe("ghost");
    expect(allowed(p, "ghost/a", "ghost/b")).toBe(true);
  });

  it("the built-in projectcalico-default-allow profile allows everything", () => {
    const p = prepareModel(model(workloadEndpoint("ns", "a", { nets: ["10.1.0.1/32"], profiles: ["projectcalico-default-allow"] }), workloadEndpoint("ns", "b", { nets: ["10.1.0.2/32"], profiles: ["projectcalico-default-allow"] })));
    expect(allowed(p, "ns/a", "ns/b")).toBe(true);
  });

  it("Pass in a v3 profile ends that profile; the next one is evaluated", () => {
    const p = prepareModel(
      model(
        profile("p1", { ingress: [rule("Pass"), rule("Allow")] }),
        profile("p2", { ingress: [rule("Deny")] }),
        workloadEndpoint("ns", "a", { nets: ["10.1.0.1/32"], profiles: ["p1", "p2"] }),
      ),
    );
    expect(verdict(p, "192.0.2.1", "ns/a").ingress?.steps.map((s) => s.kind === "profile" && `${s.profile}:${s.action}`)).toEqual(["p1:Pass", "p2:Deny"]);
  });

  // Felix clears the pass mark only at the start of a tier and renders a Pass rule's return as
  // a check of the mark alone (felix/rules/endpoints.go, felix/rules/policy.go).
  it("after a Pass, each later profile ends at its first Pass rule, matched or not", () => {
    const p = prepareModel(
      model(
        profile("p1", { ingress: [rule("Pass", { protocol: "UDP" }), rule("Allow")] }),
        profile("p2", { ingress: [rule("Pass"), rule("Allow")] }),
        profile("p3", { ingress: [rule("Pass", { protocol: "UDP" }), rule("Allow")] }),
        workloadEndpoint("ns", "a", { nets: ["10.1.0.1/32"], profiles: ["p1"] }),
        workloadEndpoint("ns", "b", { nets: ["10.1.0.2/32"], profiles: ["p2", "p3"] }),
        workloadEndpoint("ns", "c", { nets: ["10.1.0.3/32"], profiles: ["p1"], labels: { pass: "yes" } }),
        globalPolicy("pass", { selector: "pass == 'yes'", ingress: [rule("Pass")] }),
      ),
    );
    // No Pass before p1: its UDP Pass rule does not match a TCP packet, the Allow does.
    expect(allowed(p, "192.0.2.1", "ns/a")).toBe(true);
    // p2's Pass sets the mark, so p3 ends at its unmatched Pass rule.
    expect(verdict(p, "192.0.2.1", "ns/b").ingress?.steps).toEqual([
      { kind: "profile", profile: "p2", ruleIndex: 0, action: "Pass", file: "test.yaml", path: "spec.ingress.0" },
      { kind: "profile", profile: "p3", ruleIndex: 0, action: "Pass", byPassMark: true, file: "test.yaml", path: "spec.ingress.0" },
      { kind: "no-profile-matched", profiles: ["p2", "p3"] },
    ]);
    // The tier's Pass sets the mark too.
    expect(allowed(p, "192.0.2.1", "ns/c")).toBe(false);
  });
});
