/**
 * The conformance harness on its own, with a hand-written ruleset instead of the compiler's:
 * topology, agents, loading with the real tools, probing, comparing, reloading and teardown.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareMatrices, formatMismatches } from "./compareMatrices.js";
import { flushFirewall, loadIptablesOutput, netnsExists, PROBE_TIMEOUT_MS } from "./conformance.js";
import { expectedMatrices, parseExpected } from "./expected.js";
import { kernelAvailable, pingAvailable, warnKernelSkipped } from "./kernel.js";
import { probeAll, startAgents, type Agents, type PortSpec } from "./probe.js";
import { createTopology, destroyTopology, type Topology } from "./topology.js";

const ports: PortSpec[] = [
  { protocol: "tcp", port: 80 },
  { protocol: "udp", port: 53 },
  { protocol: "icmp", port: 0 },
];

const ipsetRestore = `create pct-a hash:net family inet
add pct-a 10.65.0.1/32
`;
const iptablesRules = `*filter
:pct-fwd - [0:0]
-A FORWARD -j pct-fwd
-A pct-fwd -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
-A pct-fwd -o calibbbbbbbbbbb -p tcp --dport 80 -m set --match-set pct-a src -j DROP
-A pct-fwd -o calibbbbbbbbbbb -p udp --dport 53 -j DROP
COMMIT
`;
const ip6tablesRules = `*filter
:pct-fwd - [0:0]
-A FORWARD -j pct-fwd
-A pct-fwd -i caliaaaaaaaaaaa -p ipv6-icmp --icmpv6-type echo-request -j DROP
COMMIT
`;

const expectedText = `
ports: [tcp/80, udp/53, icmp]
allow:
  "*": ["* -> *"]
deny:
  tcp/80 @v4: ["t/a -> t/b"]
  udp/53 @v4: ["* -> t/b"]
  icmp @v6: ["t/a -> *"]
`;

const run = kernelAvailable() && pingAvailable();
if (!run) warnKernelSkipped(kernelAvailable() ? "e2e infrastructure tests (iputils ping is missing)" : "e2e infrastructure tests");

describe.skipIf(!run)("e2e infrastructure on a real kernel", () => {
  let topology: Topology | undefined;
  let agents: Agents | undefined;

  beforeAll(async () => {
    topology = await createTopology({
      local: [
        { id: "t/a", iface: "caliaaaaaaaaaaa", ipv4: "10.65.0.1", ipv6: "fd00:65::1" },
        { id: "t/b", iface: "calibbbbbbbbbbb", ipv4: "10.65.0.2", ipv6: "fd00:65::2" },
        { id: "t/c", iface: "caliccccccccccc", ipv4: "10.65.0.3" },
      ],
      remote: [{ id: "world/x", ipv4: "192.0.2.10", ipv6: "2001:db8::10" }],
    });
    agents = await startAgents(topology, ports);
  });

  afterAll(async () => {
    agents?.stop();
    if (topology) {
      await destroyTopology(topology);
      for (const ns of topology.namespaces) expect(await netnsExists(ns)).toBe(false);
    }
  });

  it("reaches every pair, both families, before any rule is loaded", async () => {
    const want = expectedMatrices(parseExpected(`ports: [tcp/80, udp/53, icmp]\nallow: {"*": ["* -> *"]}`).steps[0]!, topology!.hosts, ports);
    const observed = await probeAll(topology!, agents!, ports, PROBE_TIMEOUT_MS, want);
    expect(Object.keys(observed).sort()).toEqual(["v4 icmp", "v4 tcp/80", "v4 udp/53", "v6 icmp", "v6 tcp/80", "v6 udp/53"]);
    // t/c has no IPv6 address, so it is absent from the v6 matrices; world/x never probes itself.
    expect(Object.keys(observed["v6 tcp/80"]!).sort()).toEqual(["t/a", "t/b", "world/x"]);
    expect(compareMatrices(observed, want)).toEqual([]);
  });

  it("sees exactly what a hand-written ruleset denies, and reloads cleanly", async () => {
    await loadIptablesOutput(topology!.node, [
      { path: "ipset.restore", contents: ipsetRestore },
      { path: "iptables.rules", contents: iptablesRules },
      { path: "ip6tables.rules", contents: ip6tablesRules },
    ]);
    const want = expectedMatrices(parseExpected(expectedText).steps[0]!, topology!.hosts, ports);
    const observed = await probeAll(topology!, agents!, ports, PROBE_TIMEOUT_MS, want);
    const mismatches = compareMatrices(observed, want);
    expect(mismatches, formatMismatches("kernel", observed, want, mismatches)).toEqual([]);
    expect(want["v4 tcp/80"]!["t/a"]!["t/b"]).toBe(false);
    expect(want["v6 udp/53"]!["t/a"]!["t/b"]).toBe(true);

    await flushFirewall(topology!.node);
    const all = expectedMatrices(parseExpected(`ports: [tcp/80, udp/53, icmp]\nallow: {"*": ["* -> *"]}`).steps[0]!, topology!.hosts, ports);
    expect(compareMatrices(await probeAll(topology!, agents!, ports, PROBE_TIMEOUT_MS, all), all)).toEqual([]);
    // Loading again after the flush works (the chains and sets are really gone).
    await loadIptablesOutput(topology!.node, [{ path: "ipset.restore", contents: ipsetRestore }, { path: "iptables.rules", contents: iptablesRules }]);
  });
});
