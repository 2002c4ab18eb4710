/**
 * IPv6 neighbour discovery through a guarded uplink (src/semantics/neighbourDiscovery.ts): a host
 * endpoint whose policy does not admit ICMPv6 neighbour solicitations and advertisements cuts
 * every IPv6 flow across the uplink, as on a Felix node; the reference evaluator and the compiled
 * IR (with the discovery packets run through raw, mangle and filter) agree on it. The kernel
 * proof is the conformance case `host-ipv6-neighbour-discovery`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow, formatVerdict, prepareModel } from "../../src/semantics/index.js";
import { solicitedNodeMulticast } from "../../src/semantics/neighbourDiscovery.js";
import { parseAddress } from "../../src/semantics/addresses.js";
import { compileYaml, disagreements } from "../fuzz/differential.js";

const dir = "fixtures/conformance/host-ipv6-neighbour-discovery";
const base = readFileSync(`${dir}/cluster.yaml`, "utf8");
const nd = readFileSync(`${dir}/neighbour-discovery.yaml`, "utf8");

const NODE = { 4: "192.0.2.1", 6: "2001:db8::1" } as const;
const POD = { 4: "10.65.0.10", 6: "fd00:65::10" } as const;
const WORLD = { 4: "198.51.100.5", 6: "2001:db8:2::5" } as const;

function flow(family: 4 | 6, src: string, dst: string, protocol: number, port: number): Flow {
  const base = { family, src: { ip: src }, dst: { ip: dst }, protocol };
  return protocol === 1 || protocol === 58 ? { ...base, icmpType: family === 4 ? 8 : 128, icmpCode: 0 } : { ...base, srcPort: 40000, dstPort: port };
}

function compiled(text: string): NonNullable<Exclude<ReturnType<typeof compileYaml>, string>> {
  const c = compileYaml(text, "node-1");
  if (typeof c === "string") throw new Error(c);
  return c;
}

/** Every flow between the node, its pod and the world, in both families, on a few ports. */
function allFlows(): Flow[] {
  const out: Flow[] = [];
  for (const family of [4, 6] as const) {
    const ends = [NODE[family], POD[family], WORLD[family]];
    for (const s of ends) for (const d of ends) if (s !== d) for (const [p, port] of [[6, 80], [6, 8080], [family === 4 ? 1 : 58, 0]] as const) out.push(flow(family, s, d, p, port));
  }
  return out;
}

describe("IPv6 neighbour discovery through a host endpoint", () => {
  it("solicited-node multicast addresses follow RFC 4291", () => {
    expect(solicitedNodeMulticast(parseAddress("fe80::1")!).text).toBe("ff02::1:ff00:1");
    expect(solicitedNodeMulticast(parseAddress("2001:db8::abcd:1234")!).text).toBe("ff02::1:ffcd:1234");
  });

  it("denied discovery cuts IPv6 across the uplink, and only there", () => {
    const c = compiled(base);
    const allows = (family: 4 | 6, s: string, d: string): boolean => evaluateFlow(c.prepared, flow(family, s, d, 6, 80)).allowed;
    expect(allows(4, POD[4], WORLD[4])).toBe(true);
    expect(allows(4, WORLD[4], NODE[4])).toBe(true);
    expect(allows(6, POD[6], WORLD[6])).toBe(false);
    expect(allows(6, WORLD[6], POD[6])).toBe(false);
    expect(allows(6, WORLD[6], NODE[6])).toBe(false);
    expect(allows(6, NODE[6], WORLD[6])).toBe(false);
    // Over the pod's own veth there is nothing to discover through the host endpoint.
    expect(allows(6, NODE[6], POD[6])).toBe(true);
    const v = evaluateFlow(c.prepared, flow(6, POD[6], WORLD[6], 6, 80));
    expect(v.neighbourDiscovery?.ok).toBe(false);
    expect(v.neighbourDiscovery?.messages.map((m) => [m.resolving, m.message, m.way, m.dst, m.dropped])).toEqual([
      ["next-hop", "solicitation", "out", "ff02::1:ff00:1", true],
      ["next-hop", "advertisement", "in", "fe80::ecee:eeff:feee:eeee", true],
    ]);
    expect(formatVerdict(v)).toContain("IPv6 neighbour discovery on eth0: blocked by host endpoint policy");
  });

  it("the node's own connections are solicited from its own address, and need the way back too", () => {
    const c = compiled(base + "\n---\n" + nd);
    const v = evaluateFlow(c.prepared, flow(6, NODE[6], WORLD[6], 6, 80));
    expect(v.allowed).toBe(true);
    expect(v.neighbourDiscovery?.messages.map((m) => [m.resolving, m.way, m.src, m.dst])).toEqual([
      ["next-hop", "out", NODE[6], "ff02::1:ff00:1"],
      ["next-hop", "in", "fe80::1", NODE[6]],
      ["node", "in", "fe80::1", "ff02::1:ffee:eeee"],
      ["node", "out", "fe80::ecee:eeff:feee:eeee", "fe80::1"],
    ]);
  });

  it("admitting ICMPv6 types 135 and 136 makes IPv6 behave as IPv4", () => {
    const c = compiled(base + "\n---\n" + nd);
    for (const [s, d] of [[POD, WORLD], [WORLD, POD], [WORLD, NODE], [NODE, WORLD]] as const) {
      expect(evaluateFlow(c.prepared, flow(6, s[6], d[6], 6, 80)).allowed).toBe(evaluateFlow(c.prepared, flow(4, s[4], d[4], 6, 80)).allowed);
    }
  });

  it("the evaluator and the compiled IR agree on every flow, with and without discovery admitted", () => {
    expect(disagreements(compiled(base), allFlows()).map((x) => x.explanation)).toEqual([]);
    expect(disagreements(compiled(base + "\n---\n" + nd), allFlows()).map((x) => x.explanation)).toEqual([]);
  });

  it("on the nftables dataplane, untracked discovery skips host egress policy (ct status cannot match it)", () => {
    // Ingress admits discovery, egress does not: iptables drops the solicitation out, nftables
    // never shows it to egress policy.
    const ingressOnly = nd.replace(/ {2}egress:\n(?: {4}- .*\n)+/, "").replace("types: [Ingress, Egress]", "types: [Ingress]");
    const text = base + "\n---\n" + ingressOnly;
    const c = compiled(text);
    const model = c.model;
    const f = flow(6, POD[6], WORLD[6], 6, 80);
    expect(evaluateFlow(prepareModel(model, { node: "node-1" }), f).allowed).toBe(false);
    expect(evaluateFlow(prepareModel(model, { node: "node-1", dataplane: "nftables" }), f).allowed).toBe(true);
  });
});
