/**
 * kube-proxy's DNAT in the evaluator (`Flow.dnat`: raw and mangle see the destination as sent,
 * filter the translated one; untracked packets are not translated), on the host-endpoints
 * fixture; and the CLI's host-endpoint references: `explain --from hostendpoint:NAME` and
 * `--host-interface`.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow } from "../../src/semantics/index.js";
import { compileYaml } from "../fuzz/differential.js";
import { runCli } from "../helpers/runCli.js";

const c = compileYaml(readFileSync("fixtures/cases/host-endpoints/cluster.yaml", "utf8"), "node-1");
if (typeof c === "string") throw new Error(c);

const NODE = "192.0.2.1";
const POD = "10.65.0.10";
const ADMIN = "198.51.100.5";
const MONITOR = "198.51.100.7";
const BLOCKED = "203.0.113.5";
const PRE_DNAT_DENIED = "203.0.113.200";

const toNodePort = (src: string, protocol = 6, port = 30080, targetPort = 80): Flow => ({
  family: 4,
  src: { ip: src },
  dst: { ip: NODE },
  protocol,
  srcPort: 40000,
  dstPort: port,
  dnat: { ip: POD, port: targetPort },
});

describe("Flow.dnat: kube-proxy's DNAT on arrival", () => {
  it("preDNAT policy judges the destination as sent: the node port", () => {
    const v = evaluateFlow(c.prepared, toNodePort(PRE_DNAT_DENIED));
    expect(v.allowed).toBe(false);
    // (eth0's untracked policy has no say on TCP: it goes on to preDNAT.)
    expect(v.host?.map((h) => [h.chain, h.outcome])).toEqual([
      ["untracked", "none"],
      ["preDNAT", "deny"],
    ]);
    expect(v.dnatFrom?.ip).toBe(NODE);
    expect(v.dst.ip).toBe(POD);
  });

  it("filter judges the translated destination: forwarded to the pod, through eth0's forward policy", () => {
    const admin = evaluateFlow(c.prepared, toNodePort(ADMIN));
    expect(admin.allowed).toBe(true);
    expect(admin.ingress?.endpoint).toBe("web/front");
    expect(admin.host?.find((h) => h.chain === "preDNAT")?.outcome).toBe("none");
    expect(admin.host?.find((h) => h.chain === "forward-in")?.outcome).toBe("allow");
    // 203.0.113.5 is outside the preDNAT range but inside the forward policy's deny.
    const blocked = evaluateFlow(c.prepared, toNodePort(BLOCKED));
    expect(blocked.allowed).toBe(false);
    expect(blocked.host?.find((h) => h.chain === "forward-in")?.outcome).toBe("deny");
    // Without the DNAT the same connection is to the node: its host policy decides instead.
    const direct = evaluateFlow(c.prepared, { family: 4, src: { ip: BLOCKED }, dst: { ip: NODE }, protocol: 6, srcPort: 40000, dstPort: 30080 });
    expect(direct.host?.some((h) => h.chain === "from-host")).toBe(true);
  });

  it("an untracked packet is never translated (no conntrack entry, no NAT)", () => {
    const v = evaluateFlow(c.prepared, toNodePort(MONITOR, 17, 161, 161));
    expect(v.untracked).toBe(true);
    expect(v.dnatFrom).toBeUndefined();
    expect(v.dst.ip).toBe(NODE);
  });

  it("is refused for the node's own traffic (nat OUTPUT is not modelled)", () => {
    expect(() => evaluateFlow(c.prepared, { ...toNodePort(ADMIN), src: { ip: NODE } })).toThrow(/arriving at the node/);
  });
});

const EXPECTED_IPS = "fixtures/cases/host-endpoints-expected-ips";

describe("policyc explain with host endpoints", () => {
  it("--from/--to hostendpoint:NAME is the endpoint at its expectedIPs", async () => {
    const args = ["explain", "--node", "node-1", "--host-interface", "eth0=192.0.2.1,2001:db8::1", "--rules"];
    const allowed = await runCli([...args, "--from", "198.51.100.5", "--to", "hostendpoint:node-1-by-ip", "--port", "80/TCP", "--expect", "allow", EXPECTED_IPS]);
    expect(allowed.stderr).toBe("");
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("192.0.2.1");
    expect(allowed.stdout).not.toContain("disagree");
    const denied = await runCli([...args, "--from", "198.51.100.5", "--to", "hep:node-1-by-ip", "--port", "8080/TCP", "--expect", "deny", EXPECTED_IPS]);
    expect(denied.code).toBe(0);
    expect(denied.stdout).not.toContain("disagree");
    const v6 = await runCli([...args, "--from", "2001:db8::5", "--to", "hostendpoint:node-1-by-ip", "--port", "8080/TCP", "--family", "6", "--expect", "deny", EXPECTED_IPS]);
    expect(v6.code).toBe(0);
    expect(v6.stdout).toContain("2001:db8::1");
  });

  it("without --host-interface the endpoint guards nothing: the flow is not policed", async () => {
    const r = await runCli(["explain", "--node", "node-1", "--from", "198.51.100.5", "--to", "hostendpoint:node-1-by-ip", "--port", "8080/TCP", "--expect", "allow", EXPECTED_IPS]);
    expect(r.code).toBe(0);
  });

  it("unknown host endpoints and endpoints without addresses are usage errors", async () => {
    const unknown = await runCli(["explain", "--from", "hostendpoint:nope", "--to", "10.65.0.10", "--port", "80", EXPECTED_IPS]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown host endpoint 'nope' (known: node-1-by-ip, node-1-eth9)");
    const bare = await runCli(["explain", "--from", "hostendpoint:node-1-eth9", "--to", "10.65.0.10", "--port", "80", EXPECTED_IPS]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("has no expectedIPs");
    const flag = await runCli(["compile", "--host-interface", "eth0", EXPECTED_IPS]);
    expect(flag.code).toBe(2);
  });

  it("compile --host-interface binds the endpoint (no unsupported warning)", async () => {
    const without = await runCli(["compile", "--node", "node-1", EXPECTED_IPS]);
    expect(without.stderr).toContain("node-1-by-ip names no interface");
    const withIfaces = await runCli(["compile", "--node", "node-1", "--host-interface", "eth0=192.0.2.1", EXPECTED_IPS]);
    expect(withIfaces.code).toBe(0);
    expect(withIfaces.stderr).not.toContain("names no interface");
    expect(withIfaces.stdout).toContain("cali-th-eth0");
  });
});
