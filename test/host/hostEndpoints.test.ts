/**
 * The host side, on the host-endpoints fixture: the reference evaluator (src/semantics/hostFlow.ts)
 * and the compiled IR run through raw, mangle and filter (`interpretPath`) agree on every flow
 * between the node, its pod and outside addresses, and both give the verdicts the fixture's
 * policy means (written out by hand below).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow } from "../../src/semantics/index.js";
import { compileYaml, disagreements } from "../fuzz/differential.js";

const text = readFileSync("fixtures/cases/host-endpoints/cluster.yaml", "utf8");
const c = compileYaml(text, "node-1");
if (typeof c === "string") throw new Error(c);

const NODE = "192.0.2.1";
const POD = "10.65.0.10";
const ADMIN = "198.51.100.5";
const MONITOR = "198.51.100.7";
const BLOCKED = "203.0.113.5";
const PRE_DNAT_DENIED = "203.0.113.200";
const OTHER = "192.0.2.9";
const ENDS = [NODE, POD, ADMIN, MONITOR, BLOCKED, PRE_DNAT_DENIED, OTHER];
const PORTS: readonly [number, number][] = [[6, 22], [6, 179], [17, 53], [6, 6443], [6, 443], [6, 30080], [17, 161], [6, 80], [1, 0]];

function flow(src: string, dst: string, protocol: number, port: number): Flow {
  const base = { family: 4 as const, src: { ip: src }, dst: { ip: dst }, protocol };
  return protocol === 1 ? { ...base, icmpType: 8, icmpCode: 0 } : { ...base, srcPort: 40000, dstPort: port };
}

const allows = (src: string, dst: string, protocol: number, port: number): boolean => evaluateFlow(c.prepared, flow(src, dst, protocol, port)).allowed;

describe("host endpoints (fixtures/cases/host-endpoints)", () => {
  it("the evaluator and the compiled IR agree on every flow", () => {
    const flows: Flow[] = [];
    // Outside -> outside never crosses the node.
    const onNode = (a: string): boolean => a === NODE || a === POD;
    for (const s of ENDS) for (const d of ENDS) if (s !== d && (onNode(s) || onNode(d))) for (const [p, port] of PORTS) flows.push(flow(s, d, p, port));
    expect(disagreements(c, flows).map((x) => x.explanation)).toEqual([]);
  });

  it("outside -> node: SSH from the admin range, the API from anywhere, failsafes; the forward policy too", () => {
    expect(allows(ADMIN, NODE, 6, 22)).toBe(true);
    expect(allows(BLOCKED, NODE, 6, 22)).toBe(true); // failsafe tcp:22 (FelixConfiguration)
    expect(allows(OTHER, NODE, 6, 179)).toBe(true); // failsafe tcp:179 from 192.0.2.0/24
    expect(allows(BLOCKED, NODE, 6, 179)).toBe(false); // outside the failsafe's net, denied by "forward"
    expect(allows(BLOCKED, NODE, 6, 6443)).toBe(true);
    expect(allows(BLOCKED, NODE, 6, 80)).toBe(false);
    // applyOnForward policies are normal policies as well: "forward" admits everyone else.
    expect(allows(ADMIN, NODE, 6, 80)).toBe(true);
    expect(allows(MONITOR, NODE, 17, 161)).toBe(true); // doNotTrack policy
    expect(evaluateFlow(c.prepared, flow(MONITOR, NODE, 17, 161)).untracked).toBe(true);
    expect(evaluateFlow(c.prepared, flow(ADMIN, NODE, 17, 161)).untracked).toBeUndefined();
  });

  it("node -> outside: DNS and HTTPS only (DNS is also a failsafe)", () => {
    expect(allows(NODE, ADMIN, 17, 53)).toBe(true);
    expect(allows(NODE, ADMIN, 6, 443)).toBe(true);
    expect(allows(NODE, ADMIN, 6, 80)).toBe(false);
  });

  it("forwarded: eth0's applyOnForward policy, preDNAT before it", () => {
    expect(allows(ADMIN, POD, 6, 80)).toBe(true);
    expect(allows(BLOCKED, POD, 6, 80)).toBe(false); // forward policy denies 203.0.113.0/24
    expect(allows(PRE_DNAT_DENIED, POD, 6, 30080)).toBe(false); // preDNAT deny
    expect(allows(POD, ADMIN, 6, 80)).toBe(true); // no forward egress policy out of eth0
  });

  it("pod -> node: DefaultEndpointToHostAction Drop", () => {
    expect(allows(POD, NODE, 6, 6443)).toBe(false);
  });
});
