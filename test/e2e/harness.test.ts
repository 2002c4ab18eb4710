/**
 * The pure parts of the conformance harness (no root needed): the expected.yaml format and its
 * expansion, matrix comparison, the topology script and the names it uses.
 */
import { describe, expect, it } from "vitest";
import { compareMatrices, formatMismatches } from "./compareMatrices.js";
import { calicoPodInterface } from "./conformance.js";
import { expectedMatrices, parseExpected } from "./expected.js";
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
