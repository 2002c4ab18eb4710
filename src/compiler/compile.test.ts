import { describe, expect, it } from "vitest";
import { compileModel } from "./compile.js";
import { printIr } from "./ir/print.js";
import type { Ir } from "./ir/types.js";
import { podInterfaceName } from "./endpoints.js";
import { collectPolicies } from "./policies.js";
import { printSelector } from "../model/selector/index.js";
import * as b from "./testing/builders.js";
import { verdict } from "./testing/packets.js";

const webIf = podInterfaceName("prod", "web");
const dbIf = podInterfaceName("prod", "db");

function base(...extra: Parameters<typeof b.model>): Parameters<typeof b.model> {
  return [
    b.namespace("prod", { env: "prod" }),
    b.namespace("dev", { env: "dev" }),
    b.pod("prod", "web", { labels: { app: "web" }, ips: ["10.0.0.1", "fd00::1"], ports: [{ name: "http", containerPort: 8080, protocol: "TCP" }] }),
    b.pod("prod", "db", { labels: { app: "db" }, ips: ["10.0.0.2", "fd00::2"] }),
    b.pod("dev", "client", { labels: { app: "client" }, ips: ["10.0.1.1"], node: "node-2" }),
    ...extra,
  ];
}

const compile = (...extra: Parameters<typeof b.model>): Ir => compileModel(b.model(...base(...extra)), { node: "node-1" }).ir;
/** From the remote client pod to web. */
const toWeb = (ir: Ir, dport = 80, proto = 6): string => verdict(ir, { src: "10.0.1.1", dst: "10.0.0.1", iif: "eth0", oif: webIf, dport, proto });
/** From local db to local web (both endpoints' chains apply). */
const dbToWeb = (ir: Ir, dport = 80): string => verdict(ir, { src: "10.0.0.2", dst: "10.0.0.1", iif: dbIf, oif: webIf, dport });

describe("compileModel: Kubernetes semantics", () => {
  it("leaves pods that no policy selects open (kns profile allows all)", () => {
    const ir = compile();
    expect(toWeb(ir)).toBe("accept");
    expect(dbToWeb(ir)).toBe("accept");
  });

  it("isolates a selected pod for ingress and allows the union of rules", () => {
    const ir = compile(
      b.k8sPolicy("prod", "web-from-db", {
        podSelector: b.labelSelector({ app: "web" }),
        ingress: [b.k8sRule([b.k8sPeer({ podSelector: b.labelSelector({ app: "db" }) })], [{ protocol: "TCP", port: 80 }])],
      }),
      b.k8sPolicy("prod", "web-from-dev", {
        podSelector: b.labelSelector({ app: "web" }),
        ingress: [b.k8sRule([b.k8sPeer({ namespaceSelector: b.labelSelector({ env: "dev" }) })], [{ protocol: "TCP", port: 443 }])],
      }),
    );
    expect(dbToWeb(ir, 80)).toBe("accept");
    expect(dbToWeb(ir, 443)).toBe("drop");
    expect(toWeb(ir, 443)).toBe("accept");
    expect(toWeb(ir, 80)).toBe("drop");
    // Egress from web is not isolated.
    expect(verdict(ir, { src: "10.0.0.1", dst: "8.8.8.8", iif: webIf, oif: "eth0" })).toBe("accept");
  });

  it("ANDs podSelector and namespaceSelector within one peer", () => {
    const ir = compile(
      b.k8sPolicy("prod", "p", {
        podSelector: b.labelSelector({ app: "web" }),
        ingress: [b.k8sRule([b.k8sPeer({ podSelector: b.labelSelector({ app: "db" }), namespaceSelector: b.labelSelector({ env: "dev" }) })])],
      }),
    );
    expect(dbToWeb(ir)).toBe("drop"); // db is in prod, not dev
    expect(toWeb(ir)).toBe("drop"); // client is in dev but not app=db
  });

  it("carves ipBlock except out, resolves named ports on the destination, and handles endPort", () => {
    const ir = compile(
      b.k8sPolicy("prod", "p", {
        podSelector: b.labelSelector({ app: "web" }),
        ingress: [
          b.k8sRule([b.k8sPeer({ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.1.0/24"] } })], [{ protocol: "TCP", port: "http" }]),
          b.k8sRule([], [{ protocol: "UDP", port: 1000, endPort: 1010 }]),
        ],
      }),
    );
    expect(dbToWeb(ir, 8080)).toBe("accept");
    expect(dbToWeb(ir, 80)).toBe("drop");
    expect(toWeb(ir, 8080)).toBe("drop"); // 10.0.1.1 is in the except block
    expect(toWeb(ir, 1005, 17)).toBe("accept");
    expect(toWeb(ir, 1011, 17)).toBe("drop");
  });

  it("treats an empty ports list as any protocol and port, and egress isolation separately", () => {
    const ir = compile(
      b.k8sPolicy("prod", "p", {
        podSelector: b.labelSelector({ app: "db" }),
        policyTypes: ["Egress"],
        egress: [b.k8sRule([b.k8sPeer({ podSelector: b.labelSelector({ app: "web" }) })])],
      }),
    );
    expect(dbToWeb(ir, 5555)).toBe("accept");
    expect(verdict(ir, { src: "10.0.0.2", dst: "10.0.1.1", iif: dbIf, oif: "eth0" })).toBe("drop");
    expect(verdict(ir, { src: "10.0.0.2", dst: "10.0.0.1", iif: dbIf, oif: webIf, proto: 17 })).toBe("accept");
  });

  it("accepts established traffic and drops invalid traffic first", () => {
    const ir = compile(b.k8sPolicy("prod", "deny-all", { podSelector: b.labelSelector() }));
    expect(toWeb(ir)).toBe("drop");
    expect(verdict(ir, { src: "10.0.1.1", dst: "10.0.0.1", iif: "eth0", oif: webIf, ctstate: "ESTABLISHED" })).toBe("accept");
  });

  it("polices workload-to-host traffic through INPUT and not host-to-workload", () => {
    const ir = compile(b.k8sPolicy("prod", "deny-egress", { podSelector: b.labelSelector(), policyTypes: ["Egress"] }));
    expect(verdict(ir, { src: "10.0.0.1", dst: "10.9.9.9", iif: webIf, hook: "INPUT" })).toBe("drop");
    expect(verdict(ir, { src: "10.9.9.9", dst: "10.0.0.1", oif: webIf, hook: "OUTPUT" })).toBe("accept");
  });
});

describe("compileModel: Calico semantics", () => {
  it("orders tiers, applies Pass, and the tier default action", () => {
    const ir = compile(
      b.tier("security", 100),
      b.globalPolicy("pass-db", { tier: "security", order: 1, ingress: [b.rule({ action: "Pass", source: { selector: b.sel("app == 'db'") } })] }),
      b.globalPolicy("deny-rest", { tier: "security", order: 2, selector: "app == 'web'", ingress: [b.rule({ action: "Deny" })] }),
      b.globalPolicy("allow-db", { order: 5, selector: "app == 'web'", ingress: [b.rule({ source: { selector: b.sel("app == 'db'") } })] }),
    );
    expect(dbToWeb(ir)).toBe("accept");
    expect(toWeb(ir)).toBe("drop");
    const text = printIr(ir);
    expect(text.indexOf("Start of tier security")).toBeLessThan(text.indexOf("Start of tier default"));
  });

  it("drops at the end of a Deny tier and falls through a Pass tier to profiles", () => {
    const deny = compile(b.tier("t", 1), b.globalPolicy("log-only", { tier: "t", ingress: [b.rule({ action: "Log" })] }));
    expect(toWeb(deny)).toBe("drop");
    const pass = compile(b.tier("t", 1, "Pass"), b.globalPolicy("log-only", { tier: "t", ingress: [b.rule({ action: "Log" })] }));
    expect(toWeb(pass)).toBe("accept");
    expect(printIr(pass)).toContain('log "calico-packet: "');
  });

  it("sorts policies by order (missing last), ties by name", () => {
    const ir = compile(
      b.globalPolicy("b-allow", { selector: "app == 'web'", ingress: [b.rule()] }),
      b.globalPolicy("a-deny", { selector: "app == 'web'", ingress: [b.rule({ action: "Deny" })] }),
      b.globalPolicy("z-first", { order: 1, selector: "app == 'web'", ingress: [b.rule({ action: "Log" })] }),
    );
    const tw = printIr(ir).split("\n").filter((l) => l.includes("jump cali-pi-"));
    expect(tw.slice(0, 3).map((l) => l.match(/cali-pi-(\S+)/)?.[1])).toEqual(["gnp/z-first", "gnp/a-deny", "gnp/b-allow"]);
    expect(toWeb(ir)).toBe("drop");
  });

  it("scopes namespaced rule selectors, namespaceSelector and serviceAccounts", () => {
    const ir = compile(
      b.networkPolicy("prod", "p", {
        selector: "app == 'web'",
        ingress: [b.rule({ source: { selector: b.sel("app == 'client'") } }), b.rule({ source: { namespaceSelector: b.sel("env == 'dev'") }, destination: { ports: b.ports(443) }, protocol: "TCP" })],
      }),
    );
    expect(toWeb(ir, 80)).toBe("drop"); // client is in dev, rule 1 is scoped to prod
    expect(toWeb(ir, 443)).toBe("accept");
    const sa = compile(b.networkPolicy("prod", "p", { selector: "app == 'web'", ingress: [b.rule({ source: { serviceAccounts: { names: ["default"] } } })] }));
    expect(dbToWeb(sa)).toBe("accept");
  });

  it("folds notSelector into a positive selector and negates it alone", () => {
    const folded = compile(b.globalPolicy("p", { selector: "app == 'web'", ingress: [b.rule({ source: { selector: b.sel("has(app)"), notSelector: b.sel("app == 'db'") } })] }));
    expect(dbToWeb(folded)).toBe("drop");
    expect(toWeb(folded)).toBe("accept");
    expect(printIr(folded)).toContain('(has(app) && !app == "db")');
    const alone = compile(b.globalPolicy("p", { selector: "app == 'web'", ingress: [b.rule({ source: { notSelector: b.sel("app == 'db'") } })] }));
    expect(dbToWeb(alone)).toBe("drop");
    expect(verdict(alone, { src: "1.2.3.4", dst: "10.0.0.1", iif: "eth0", oif: webIf })).toBe("accept");
  });

  it("includes NetworkSets (with namespace profile labels) in selector sets", () => {
    const ir = compile(
      b.networkSet("prod", "office", ["192.168.0.0/24"], { kind: "office" }),
      b.globalNetworkSet("dns", ["8.8.8.8/32"], { kind: "dns" }),
      b.globalPolicy("p", { selector: "app == 'web'", ingress: [b.rule({ source: { selector: b.sel("kind == 'office'"), namespaceSelector: b.sel("env == 'prod'") } }), b.rule({ source: { selector: b.sel("kind == 'dns'") } })] }),
    );
    expect(verdict(ir, { src: "192.168.0.7", dst: "10.0.0.1", iif: "eth0", oif: webIf })).toBe("accept");
    expect(verdict(ir, { src: "8.8.8.8", dst: "10.0.0.1", iif: "eth0", oif: webIf })).toBe("accept");
    expect(toWeb(ir)).toBe("drop");
  });

  it("compiles each family separately and drops rules limited to the other family", () => {
    const ir = compile(
      b.globalPolicy("p", {
        selector: "app == 'web'",
        ingress: [b.rule({ source: { nets: ["fd00::/64"] } }), b.rule({ ipVersion: 4, source: { nets: ["10.0.0.0/8"] }, destination: { ports: b.ports(22) }, protocol: "TCP" }), b.rule({ protocol: "ICMP" })],
      }),
    );
    expect(verdict(ir, { src: "fd00::2", dst: "fd00::1", iif: dbIf, oif: webIf })).toBe("accept");
    expect(verdict(ir, { src: "fd01::2", dst: "fd00::1", iif: "eth0", oif: webIf })).toBe("drop");
    expect(toWeb(ir, 22)).toBe("accept");
    expect(toWeb(ir, 0, 1)).toBe("accept");
    const v6 = printIr({ ...ir, v4: { ...ir.v4, tables: [], sets: [] } });
    expect(v6).not.toContain("proto 1 ");
    expect(v6).not.toContain("10.0.0.0/8");
  });

  it("inherits profile labelsToApply (the endpoint's own label wins) and evaluates profiles in order", () => {
    const ir = compileModel(
      b.model(
        b.profile("p1", { labelsToApply: { team: "a", app: "profile" }, ingress: [b.rule({ action: "Deny", source: { selector: b.sel("team == 'a'") } })] }),
        b.profile("p2", { ingress: [b.rule()], egress: [b.rule()] }),
        b.workloadEndpoint("ns", "w1", { iface: "caliw1", nets: ["10.1.0.1/32"], profiles: ["p1", "p2"], labels: { app: "own" } }),
        b.workloadEndpoint("ns", "w2", { iface: "caliw2", nets: ["10.1.0.2/32"], profiles: ["p2"] }),
        b.globalPolicy("sel-own", { selector: "app == 'own'", types: ["Egress"], egress: [b.rule()] }),
      ),
      { node: "node-1" },
    ).ir;
    expect(verdict(ir, { src: "10.1.0.1", dst: "10.1.0.2", iif: "caliw1", oif: "caliw2" })).toBe("accept");
    expect(verdict(ir, { src: "10.1.0.2", dst: "10.1.0.1", iif: "caliw2", oif: "caliw1" })).toBe("accept");
    expect(verdict(ir, { src: "10.1.0.1", dst: "10.1.0.1", iif: "caliw1", oif: "caliw1" })).toBe("drop"); // p1 denies team a first
    expect(printIr(ir)).toContain("jump cali-po-gnp/sel-own");
  });
});

describe("compileModel: GlobalNetworkPolicy selectors (globalnetworkpolicyprocessor.go)", () => {
  it("turns every all() into has(namespace) / has(serviceaccount), the written selector's too", () => {
    const gnp = (o: Parameters<typeof b.globalPolicy>[1], sa?: string) => ({
      ...b.globalPolicy("g", o),
      ...(sa !== undefined ? { serviceAccountSelector: b.sel(sa) } : {}),
    });
    const selectorOf = (p: ReturnType<typeof gnp>) => printSelector(collectPolicies(b.model(p))[0]!.selector);
    expect(selectorOf(gnp({ selector: "all()", namespaceSelector: "!has(team)" }, "role != 'x'"))).toBe(
      '((has(projectcalico.org/namespace) && !has(pcns.team)) && pcsa.role != "x")',
    );
    expect(selectorOf(gnp({ selector: "all()" }, "all()"))).toBe("(has(projectcalico.org/serviceaccount) && has(projectcalico.org/serviceaccount))");
    // An empty written selector is no part of the text.
    expect(selectorOf(gnp({ namespaceSelector: "!has(team)" }))).toBe("!has(pcns.team)");
    expect(selectorOf(gnp({ selector: "all()" }))).toBe("all()");
  });

  it("so a selector all() with a namespaceSelector leaves endpoints without a namespace alone", () => {
    const ir = compileModel(
      b.model(
        b.v1Profile("open", { ingress: [b.rule()], egress: [b.rule()] }),
        b.v1WorkloadEndpoint("a1", { iface: "calia1", nets: ["10.2.0.1/32"], profiles: ["open"] }),
        b.globalPolicy("deny", { selector: "all()", namespaceSelector: "!has(team)", ingress: [b.rule({ action: "Deny" })] }),
      ),
      { node: "node-1" },
    ).ir;
    expect(verdict(ir, { src: "10.2.9.9", dst: "10.2.0.1", iif: "eth0", oif: "calia1" })).toBe("accept");
  });
});

describe("compileModel: v1 profiles and tags", () => {
  it("compiles the Docker CNM default profile as Calico ran it", () => {
    const net = (name: string, rest: object = {}) =>
      b.v1Profile(name, { tags: [name], ingress: [b.rule({ source: { tag: name } })], egress: [b.rule()], ...rest });
    const ir = compileModel(
      b.model(
        net("netA"),
        net("netB"),
        b.v1WorkloadEndpoint("a1", { iface: "calia1", nets: ["10.2.0.1/32"], profiles: ["netA"] }),
        b.v1WorkloadEndpoint("a2", { iface: "calia2", nets: ["10.2.0.2/32"], profiles: ["netA"] }),
        b.v1WorkloadEndpoint("b1", { iface: "calib1", nets: ["10.2.1.1/32"], profiles: ["netB"] }),
      ),
      { node: "node-1" },
    ).ir;
    expect(verdict(ir, { src: "10.2.0.1", dst: "10.2.0.2", iif: "calia1", oif: "calia2" })).toBe("accept");
    expect(verdict(ir, { src: "10.2.1.1", dst: "10.2.0.2", iif: "calib1", oif: "calia2" })).toBe("drop");
    expect(verdict(ir, { src: "10.2.0.1", dst: "1.1.1.1", iif: "calia1", oif: "eth0" })).toBe("accept");
    const text = printIr(ir);
    expect(text).toContain("# has(netA)");
    expect(text).toContain("chain cali-from-wl-dispatch-a");
  });
});

describe("compileModel: endpoints and diagnostics", () => {
  it("skips host-network pods and pods without an address, and names interfaces as Calico CNI", () => {
    const r = compileModel(b.model(b.pod("ns", "h", { hostNetwork: true, ips: ["10.0.0.9"] }), b.pod("ns", "n", {})), { node: "node-1" });
    expect(r.diagnostics.map((d) => d.code)).toEqual(["no-local-endpoints"]);
    expect(podInterfaceName("default", "nginx")).toMatch(/^cali[0-9a-f]{11}$/);
  });

  it("warns about a named port that resolves nowhere", () => {
    const r = compileModel(
      b.model(...base(b.globalPolicy("p", { selector: "app == 'web'", ingress: [b.rule({ protocol: "TCP", destination: { ports: b.ports("nope") } })] }))),
      { node: "node-1" },
    );
    expect(r.diagnostics.map((d) => d.code)).toEqual(["unresolved-named-port"]);
  });

  it("is deterministic and does not depend on resource order", () => {
    const resources = base(b.globalPolicy("p", { selector: "app == 'web'", ingress: [b.rule({ source: { selector: b.sel("has(app)") } })] }));
    const a = printIr(compileModel(b.model(...resources), { node: "node-1" }).ir);
    const c = printIr(compileModel(b.model(...[...resources].reverse()), { node: "node-1" }).ir);
    expect(c).toBe(a);
  });

  it("emits only referenced chains and only policies used by local endpoints", () => {
    const ir = compile(b.globalPolicy("remote-only", { selector: "app == 'client'", ingress: [b.rule()] }));
    expect(printIr(ir)).not.toContain("remote-only");
  });
});
