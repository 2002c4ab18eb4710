import { describe, expect, it } from "vitest";
import { prepareModel } from "./prepareModel.js";
import { allowed, verdict } from "./testFlows.js";
import { k8sPolicy, labelSelector, model, namespace, pod, tcp } from "./testing.js";

const base = [
  namespace("prod", { team: "a" }),
  namespace("dev", { team: "b" }),
  pod("prod", "web", { labels: { app: "web" }, ips: ["10.0.0.1"], ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }] }),
  pod("prod", "api", { labels: { app: "api", tier: "back" }, ips: ["10.0.0.2"], ports: [{ name: "http", containerPort: 9090, protocol: "TCP" }] }),
  pod("prod", "db", { labels: { app: "db" }, ips: ["10.0.0.3"] }),
  pod("dev", "web", { labels: { app: "web" }, ips: ["10.0.1.1"] }),
  pod("dev", "tool", { labels: { app: "tool" }, ips: ["10.0.1.2"] }),
];

describe("Kubernetes NetworkPolicy", () => {
  it("allows everything without policies (kns profile), and says which profile", () => {
    const p = prepareModel(model(...base));
    const v = verdict(p, "prod/web", "dev/tool");
    expect(v.allowed).toBe(true);
    expect(v.egress?.steps).toEqual([{ kind: "profile", profile: "kns.prod", ruleIndex: 0, action: "Allow" }]);
    expect(v.ingress?.steps).toEqual([{ kind: "profile", profile: "kns.dev", ruleIndex: 0, action: "Allow" }]);
  });

  it("isolates a pod for ingress only when a policy of that type selects it", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "deny-db", { podSelector: labelSelector({ app: "db" }), types: ["Ingress"] })));
    const v = verdict(p, "prod/web", "prod/db");
    expect(v.allowed).toBe(false);
    expect(v.egress?.allowed).toBe(true);
    expect(v.ingress?.steps).toEqual([{ kind: "tier-default", tier: "default", action: "Deny" }]);
    // Egress from the db is not isolated.
    expect(allowed(p, "prod/db", "prod/web")).toBe(true);
    // Other pods are unaffected.
    expect(allowed(p, "prod/db", "prod/api")).toBe(true);
  });

  it("isolates for egress with policyTypes [Egress]", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "no-egress", { podSelector: labelSelector({ app: "db" }), types: ["Egress"] })));
    expect(allowed(p, "prod/db", "prod/web")).toBe(false);
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(allowed(p, "prod/db", "192.0.2.1")).toBe(false);
  });

  it("an empty podSelector selects every pod of the policy's namespace only", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "default-deny", { types: ["Ingress"] })));
    expect(allowed(p, "dev/tool", "prod/web")).toBe(false);
    expect(allowed(p, "dev/tool", "prod/db")).toBe(false);
    expect(allowed(p, "prod/web", "dev/web")).toBe(true);
  });

  it("allows the union of all policies selecting a pod", () => {
    const p = prepareModel(
      model(
        ...base,
        k8sPolicy("prod", "from-web", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "web" }) }] }] }),
        k8sPolicy("prod", "from-api", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "api" }) }] }] }),
      ),
    );
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(allowed(p, "prod/api", "prod/db")).toBe(true);
    expect(allowed(p, "dev/tool", "prod/db")).toBe(false);
    const v = verdict(p, "prod/api", "prod/db");
    expect(v.ingress?.steps).toEqual([
      { kind: "rule", tier: "default", policyKind: "K8sNetworkPolicy", policy: "prod/from-api", ruleIndex: 0, action: "Allow", file: "test.yaml", path: "spec.ingress.0" },
    ]);
  });

  it("a podSelector peer alone means pods of the policy's namespace", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "web" }) }] }] })));
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(allowed(p, "dev/web", "prod/db")).toBe(false);
  });

  it("a namespaceSelector peer alone means every pod of matching namespaces; {} means all namespaces", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ namespaceSelector: labelSelector({ team: "b" }) }] }] })));
    expect(allowed(p, "dev/web", "prod/db")).toBe(true);
    expect(allowed(p, "dev/tool", "prod/db")).toBe(true);
    expect(allowed(p, "prod/web", "prod/db")).toBe(false);
    const all = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ namespaceSelector: labelSelector() }] }] })));
    expect(allowed(all, "dev/tool", "prod/db")).toBe(true);
    expect(allowed(all, "prod/web", "prod/db")).toBe(true);
    // Not an external address: namespaceSelector matches pods only.
    expect(allowed(all, "192.0.2.1", "prod/db")).toBe(false);
  });

  it("podSelector and namespaceSelector in one peer are ANDed; separate peers are ORed", () => {
    const and = prepareModel(
      model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "web" }), namespaceSelector: labelSelector({ team: "b" }) }] }] })),
    );
    expect(allowed(and, "dev/web", "prod/db")).toBe(true);
    expect(allowed(and, "dev/tool", "prod/db")).toBe(false);
    expect(allowed(and, "prod/web", "prod/db")).toBe(false);
    const or = prepareModel(
      model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "web" }) }, { namespaceSelector: labelSelector({ team: "b" }) }] }] })),
    );
    expect(allowed(or, "dev/web", "prod/db")).toBe(true);
    expect(allowed(or, "dev/tool", "prod/db")).toBe(true);
    expect(allowed(or, "prod/web", "prod/db")).toBe(true);
    expect(allowed(or, "prod/api", "prod/db")).toBe(false);
  });

  it("matchExpressions: In, NotIn, Exists, DoesNotExist", () => {
    const cases: [Parameters<typeof labelSelector>[1], string[]][] = [
      [[{ key: "app", operator: "In", values: ["web", "api"] }], ["prod/web", "prod/api"]],
      [[{ key: "app", operator: "NotIn", values: ["web"] }], ["prod/api"]],
      [[{ key: "tier", operator: "Exists", values: [] }], ["prod/api"]],
      [[{ key: "tier", operator: "DoesNotExist", values: [] }], ["prod/web"]],
      [[{ key: "tier", operator: "NotIn", values: ["front"] }], ["prod/web", "prod/api"]],
    ];
    for (const [exprs, ok] of cases) {
      const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({}, exprs) }] }] })));
      for (const src of ["prod/web", "prod/api"]) expect(allowed(p, src, "prod/db"), `${JSON.stringify(exprs)} ${src}`).toBe(ok.includes(src));
    }
  });

  it("ipBlock matches by address (endpoints and outside addresses) minus except", () => {
    const p = prepareModel(
      model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] } }] }] })),
    );
    expect(allowed(p, "prod/web", "prod/db")).toBe(true);
    expect(allowed(p, "10.0.200.7", "prod/db")).toBe(true);
    expect(allowed(p, "dev/web", "prod/db")).toBe(false);
    expect(allowed(p, "192.0.2.1", "prod/db")).toBe(false);
  });

  it("an empty from list allows every peer, including outside addresses", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ ports: [tcp(5432)] }] })));
    expect(allowed(p, "192.0.2.1", "prod/db", { dstPort: 5432 })).toBe(true);
    expect(allowed(p, "192.0.2.1", "prod/db", { dstPort: 5433 })).toBe(false);
  });

  it("named ports on ingress resolve on the policy's own pod", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "web" }), ingress: [{ ports: [tcp("http")] }] })));
    expect(allowed(p, "dev/tool", "prod/web", { dstPort: 8080 })).toBe(true);
    expect(allowed(p, "dev/tool", "prod/web", { dstPort: 9090 })).toBe(false);
    expect(allowed(p, "dev/tool", "prod/web", { dstPort: 8080, protocol: 17 })).toBe(false);
  });

  it("named ports on egress resolve on the destination pod", () => {
    const p = prepareModel(model(...base, k8sPolicy("dev", "p", { podSelector: labelSelector({ app: "tool" }), egress: [{ ports: [tcp("http")] }], types: ["Egress"] })));
    expect(allowed(p, "dev/tool", "prod/web", { dstPort: 8080 })).toBe(true);
    expect(allowed(p, "dev/tool", "prod/api", { dstPort: 9090 })).toBe(true);
    expect(allowed(p, "dev/tool", "prod/api", { dstPort: 8080 })).toBe(false);
    // An address that is not an endpoint has no named ports.
    expect(allowed(p, "dev/tool", "192.0.2.1", { dstPort: 8080 })).toBe(false);
  });

  it("endPort gives an inclusive range", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ ports: [tcp(3000, 3005)] }] })));
    expect([2999, 3000, 3003, 3005, 3006].map((dstPort) => allowed(p, "prod/web", "prod/db", { dstPort }))).toEqual([false, true, true, true, false]);
  });

  it("a port entry with only a protocol allows every port of that protocol", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ ports: [{ protocol: "UDP" }] }] })));
    expect(allowed(p, "prod/web", "prod/db", { protocol: 17, dstPort: 53 })).toBe(true);
    expect(allowed(p, "prod/web", "prod/db", { protocol: 6, dstPort: 53 })).toBe(false);
  });

  it("empty ports allow every protocol, including ICMP", () => {
    const p = prepareModel(model(...base, k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "web" }) }] }] })));
    expect(allowed(p, "prod/web", "prod/db", { protocol: 1, icmpType: 8, srcPort: undefined, dstPort: undefined })).toBe(true);
    expect(allowed(p, "prod/web", "prod/db", { protocol: 132, dstPort: 9 })).toBe(true);
  });

  it("egress ipBlock with a different family does not match", () => {
    const p = prepareModel(
      model(
        pod("prod", "a", { ips: ["10.0.0.1", "fd00::1"] }),
        pod("prod", "b", { ips: ["10.0.0.2", "fd00::2"] }),
        k8sPolicy("prod", "p", { podSelector: labelSelector(), types: ["Egress"], egress: [{ peers: [{ ipBlock: { cidr: "10.0.0.0/8", except: [] } }] }] }),
      ),
    );
    expect(allowed(p, "prod/a", "prod/b")).toBe(true);
    expect(allowed(p, "prod/a", "prod/b", { family: 6 })).toBe(false);
  });

  it("only local endpoints are policed", () => {
    const m = model(
      pod("prod", "a", { ips: ["10.0.0.1"], node: "n1" }),
      pod("prod", "b", { ips: ["10.0.0.2"], node: "n2" }),
      k8sPolicy("prod", "deny", { types: ["Ingress", "Egress"] }),
    );
    const n1 = prepareModel(m, { node: "n1" });
    const v = verdict(n1, "prod/a", "prod/b");
    expect(v.egress?.allowed).toBe(false);
    expect(v.ingress).toBeUndefined();
    const n3 = prepareModel(m, { node: "n3" });
    const none = verdict(n3, "prod/a", "prod/b");
    expect(none).toMatchObject({ allowed: true, policed: false });
    expect(none.egress).toBeUndefined();
    // An address owned by a local endpoint is that endpoint.
    const n2 = prepareModel(m, { node: "n2" });
    expect(verdict(n2, "192.0.2.1", "10.0.0.2")).toMatchObject({ allowed: false, policed: true, dst: { endpoint: "prod/b" } });
  });

  it("host-network pods and pods without addresses are not endpoints", () => {
    const p = prepareModel(
      model(
        pod("prod", "h", { ips: ["10.9.9.9"], hostNetwork: true, labels: { app: "web" } }),
        pod("prod", "pending", { ips: [] }),
        pod("prod", "db", { ips: ["10.0.0.3"], labels: { app: "db" } }),
        k8sPolicy("prod", "p", { podSelector: labelSelector({ app: "db" }), ingress: [{ peers: [{ podSelector: labelSelector({ app: "web" }) }] }] }),
      ),
    );
    expect(p.members.map((m) => m.id)).toEqual(["prod/db"]);
    expect(allowed(p, "10.9.9.9", "prod/db")).toBe(false);
  });
});
