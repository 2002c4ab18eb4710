/**
 * The pure parts of the conformance harness (no root needed): the expected.yaml format and its
 * expansion, matrix comparison, the topology script and the names it uses.
 */
import { describe, expect, it } from "vitest";
import { compareMatrices, formatMismatches } from "./compareMatrices.js";
import { calicoPodInterface } from "./conformance.js";
import { expectedMatrices, parseExpected } from "./expected.js";
import { clusterNames, clusterScript, verdictMatrices, verdicts } from "./multiNode.js";
import { parsePortKey, probedPairs } from "./probe.js";
import { GATEWAY4, GATEWAY6, namespaceNames, topologyScript, type Host, type TopologySpec } from "./topology.js";

const hosts: Host[] = [
  { id: "a/x", netns: "n-0", local: true, ipv4: "10.0.0.1", ipv6: "fd00::1" },
  { id: "a/y", netns: "n-1", local: true, ipv4: "10.0.0.2" },
  { id: "b/z", netns: "n-2", local: true, ipv4: "10.0.0.3", ipv6: "fd00::3" },
  { id: "world/w", netns: "n-w", local: false, ipv4: "192.0.2.1" },
  { id: "world/v", netns: "n-w", local: false, ipv4: "192.0.2.2" },
];

describe("expected.yaml", () => {
  it("expands allow lines, wildcards, families and deny lines over the probed pairs", () => {
    const e = parseExpected(`
ports: [tcp/80, icmp]
allow:
  "*": ["a/* -> b/z"]
  "tcp/80 @v4": ["world/w -> a/x, a/y"]
deny:
  icmp: ["a/y -> *"]
`);
    expect(e.node).toBe("node-1");
    const m = expectedMatrices(e.steps[0]!, hosts, e.ports);
    expect(m["v4 tcp/80"]!["a/x"]!["b/z"]).toBe(true);
    expect(m["v6 tcp/80"]!["a/x"]!["b/z"]).toBe(true);
    expect(m["v4 icmp"]!["a/y"]!["b/z"]).toBe(false);
    expect(m["v4 icmp"]!["a/x"]!["b/z"]).toBe(true);
    expect(m["v4 tcp/80"]!["world/w"]!["a/y"]).toBe(true);
    expect(m["v4 icmp"]!["world/w"]!["a/y"]).toBe(false);
    expect(m["v4 tcp/80"]!["b/z"]!["a/x"]).toBe(false);
    // Remote-to-remote and self pairs are never probed, so never expected.
    expect(m["v4 tcp/80"]!["world/w"]!["world/v"]).toBeUndefined();
    expect(m["v4 tcp/80"]!["a/x"]!["a/x"]).toBeUndefined();
    // a/y has no IPv6 address.
    expect(m["v6 tcp/80"]!["a/y"]).toBeUndefined();
  });

  it("takes steps with their inputs", () => {
    const e = parseExpected(`
ports: [udp/53]
steps:
  - {name: one, inputs: [a.yaml], allow: {udp/53: ["* -> *"]}}
  - {inputs: [b.yaml]}
`);
    expect(e.steps.map((s) => [s.name, s.inputs])).toEqual([
      ["one", ["a.yaml"]],
      ["step 2", ["b.yaml"]],
    ]);
  });

  it("rejects malformed files and patterns that match no host", () => {
    expect(() => parseExpected("ports: [tcp/80]\nallow: {tcp/80: ['a -> b -> c']}")).toThrow(/from -> to/);
    expect(() => parseExpected("ports: [sctp/80]")).toThrow(/bad port/);
    expect(() => parseExpected("ports: [tcp/80]\nalow: {}")).toThrow(/unknown key alow/);
    expect(() => parseExpected("ports: [tcp/80]\nallow: {}\nsteps: [{inputs: []}]")).toThrow(/inside each step/);
    const typo = parseExpected("ports: [tcp/80]\nallow: {tcp/80: ['a/q -> *']}");
    expect(() => expectedMatrices(typo.steps[0]!, hosts, typo.ports)).toThrow(/"a\/q".*matches no host/);
  });

  it("parses port keys", () => {
    expect(parsePortKey(" TCP/8080 ")).toEqual({ protocol: "tcp", port: 8080 });
    expect(parsePortKey("icmp")).toEqual({ protocol: "icmp", port: 0 });
    expect(() => parsePortKey("tcp/0")).toThrow();
  });
});

describe("matrices", () => {
  it("lists and draws mismatches", () => {
    const want = { "v4 tcp/80": { "a/x": { "a/y": true, "b/z": false } } };
    const got = { "v4 tcp/80": { "a/x": { "a/y": false, "b/z": true } } };
    const mismatches = compareMatrices(got, want);
    expect(mismatches).toHaveLength(2);
    const table = formatMismatches("kernel", got, want, mismatches);
    expect(table).toContain("DENIED!");
    expect(table).toContain("ALLOWED!");
    expect(compareMatrices(want, want)).toEqual([]);
  });

  it("pairs at least one local host, both with the family", () => {
    const v6 = probedPairs(hosts, "v6").map(([a, b]) => `${a.id}>${b.id}`);
    expect(v6).toEqual(["a/x>b/z", "b/z>a/x"]);
  });
});

describe("topology script", () => {
  const spec: TopologySpec = {
    local: [{ id: "a/x", iface: calicoPodInterface("a", "x"), ipv4: "10.0.0.1", ipv6: "fd00::1" }],
    remote: [{ id: "world/w", ipv4: "192.0.2.1" }],
  };

  it("names pod interfaces as Calico's CNI does", () => {
    expect(calicoPodInterface("a", "x")).toMatch(/^cali[0-9a-f]{11}$/);
  });

  it("wires a pod Calico style", () => {
    const t = namespaceNames(spec, "abc123");
    expect(t.namespaces).toEqual(["pcn-abc123", "pcn-abc123-w", "pcn-abc123-0"]);
    expect(t.hosts.map((h) => [h.id, h.netns, h.local])).toEqual([
      ["a/x", "pcn-abc123-0", true],
      ["world/w", "pcn-abc123-w", false],
    ]);
    const script = topologyScript(spec, t);
    const iface = spec.local[0]!.iface;
    expect(script).toContain(`ip -n pcn-abc123 link add ${iface} address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns pcn-abc123-0`);
    expect(script).toContain(`net.ipv4.conf.${iface}.proxy_arp=1`);
    expect(script).toContain(`ip -n pcn-abc123-0 route add default via ${GATEWAY4} dev eth0`);
    expect(script).toContain(`ip -n pcn-abc123-0 -6 route add default via ${GATEWAY6} dev eth0`);
    expect(script).toContain(`ip -n pcn-abc123 route add 10.0.0.1/32 dev ${iface}`);
    expect(script).toContain("ip -n pcn-abc123-w addr add 192.0.2.1/32 dev eth0");
  });

  it("refuses what the kernel would refuse", () => {
    const long = { local: [{ id: "a/x", iface: "cali0123456789ab", ipv4: "10.0.0.1" }], remote: [] };
    expect(() => topologyScript(long, namespaceNames(long))).toThrow(/bad interface name/);
    const dup = { local: [{ id: "a/x", iface: "calia", ipv4: "10.0.0.1" }], remote: [{ id: "w", ipv4: "10.0.0.1" }] };
    expect(() => topologyScript(dup, namespaceNames(dup))).toThrow(/used twice/);
  });
});

describe("multi-node cluster script", () => {
  const pods = [
    { namespace: "shop", name: "api", node: "node-1", ip: "10.65.1.2", labels: {} },
    { namespace: "shop", name: "db", node: "node-2", ip: "10.65.2.2", labels: {} },
  ];
  const names = clusterNames("beef");

  it("routes other nodes' blocks via their fabric address in BGP mode", () => {
    const script = clusterScript({ mode: "bgp", nodes: ["node-1", "node-2"], pods }, names);
    expect(names.node("node-1")).toBe("pcmbeef-n1");
    expect(script).toContain("ip -n pcmbeef-f link add br0 type bridge");
    expect(script).toContain("ip -n pcmbeef-n1 link add eth0 type veth peer name n1 netns pcmbeef-f");
    expect(script).toContain("ip -n pcmbeef-n1 route add 10.65.2.0/26 via 192.168.100.2 dev eth0 proto bird");
    expect(script).toContain("ip -n pcmbeef-n2 route add blackhole 10.65.2.0/26 proto bird");
    const iface = calicoPodInterface("shop", "db");
    expect(script).toContain(`ip -n pcmbeef-n2 link add ${iface} address ee:ee:ee:ee:ee:ee type veth peer name eth0 netns pcmbeef-p-shop-db`);
    expect(script).toContain(`ip -n pcmbeef-n2 route add 10.65.2.2/32 dev ${iface}`);
    expect(script).not.toContain("vxlan");
  });

  it("routes them over vxlan.calico in VXLAN mode, as Calico does", () => {
    const script = clusterScript({ mode: "vxlan", nodes: ["node-1", "node-2"], pods }, names);
    expect(script).toContain("ip -n pcmbeef-n1 link add vxlan.calico address 66:cc:00:00:00:01 type vxlan id 4096 dstport 4789 local 192.168.100.1 dev eth0 nolearning");
    expect(script).toContain("ip -n pcmbeef-n1 neigh add 10.65.2.0 lladdr 66:cc:00:00:00:02 dev vxlan.calico nud permanent");
    expect(script).toContain("bridge -n pcmbeef-n1 fdb add 66:cc:00:00:00:02 dev vxlan.calico dst 192.168.100.2");
    expect(script).toContain("ip -n pcmbeef-n1 route add 10.65.2.0/26 via 10.65.2.0 dev vxlan.calico onlink");
    expect(script).toMatch(/type veth peer name eth0 mtu 1450 netns pcmbeef-p-shop-api/);
    expect(script).not.toContain("via 192.168.100.2 dev eth0");
  });

  it("refuses pods on unknown nodes and reused addresses", () => {
    expect(() => clusterScript({ mode: "bgp", nodes: ["node-1"], pods }, names)).toThrow(/not a node/);
    expect(() => clusterScript({ mode: "bgp", nodes: ["node-1", "node-2"], pods: [...pods, { ...pods[0]!, name: "other" }] }, names)).toThrow(/used twice/);
  });

  it("reads hand-written verdict tables", () => {
    const table = verdicts(`
      shop/api -> shop/db tcp/80,udp/53 allow   # a comment
      shop/db  -> shop/api tcp/8080 deny
    `);
    expect(table).toEqual([
      { from: "shop/api", to: "shop/db", port: { protocol: "tcp", port: 80 }, allowed: true },
      { from: "shop/api", to: "shop/db", port: { protocol: "udp", port: 53 }, allowed: true },
      { from: "shop/db", to: "shop/api", port: { protocol: "tcp", port: 8080 }, allowed: false },
    ]);
    expect(verdictMatrices(table)["v4 udp/53"]).toEqual({ "shop/api": { "shop/db": true } });
    expect(() => verdicts("shop/api -> shop/db tcp/80 maybe")).toThrow(/bad verdict line/);
    expect(() => verdictMatrices(verdicts("a/b -> a/c tcp/80 allow\na/b -> a/c tcp/80 deny"))).toThrow(/contradictory/);
  });
});
