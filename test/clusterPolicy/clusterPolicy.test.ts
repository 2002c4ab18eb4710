/**
 * The cluster-scoped policy kinds end to end on the fixture fixtures/cases/cluster-network-policy:
 * the reference evaluator's verdicts (what the policies mean, written by hand here) and the
 * compiled IR, which must agree with the evaluator on every flow between the endpoints and a few
 * outside addresses, TCP, UDP and SCTP, on the ports the policies name and around them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow, formatVerdict } from "../../src/semantics/index.js";
import { compileYaml, disagreements } from "../fuzz/differential.js";

const dir = "fixtures/cases/cluster-network-policy";
const text = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => readFileSync(join(dir, f), "utf8"))
  .join("\n---\n");

function compiled() {
  const c = compileYaml(text, "node-1");
  if (typeof c === "string") throw new Error(c);
  return c;
}

const PODS = ["tenant-a/web", "tenant-b/api", "shared/dns", "shared/monitor"];
const OUTSIDE = ["192.0.2.5", "198.51.100.1"];
const PORTS = [53, 80, 443, 444, 445, 7999, 8000, 8080, 8999, 9000, 9090];

function flows(): Flow[] {
  const ends = [...PODS.map((p) => ({ endpoint: p })), ...OUTSIDE.map((ip) => ({ ip }))];
  const out: Flow[] = [];
  for (const src of ends) {
    for (const dst of ends) {
      if (src === dst || ("ip" in src && "ip" in dst)) continue;
      for (const protocol of [6, 17, 132]) for (const dstPort of PORTS) out.push({ family: 4, src, dst, protocol, srcPort: 40000, dstPort });
    }
  }
  return out;
}

describe("cluster-scoped policy (fixtures/cases/cluster-network-policy)", () => {
  const c = compiled();
  const allowed = (src: string, dst: string, port: number, protocol = 6): boolean => {
    const end = (x: string) => (x.includes("/") ? { endpoint: x } : { ip: x });
    return evaluateFlow(c.prepared, { family: 4, src: end(src), dst: end(dst), protocol, srcPort: 40000, dstPort: port }).allowed;
  };

  it("the compiled IR agrees with the evaluator on every flow", () => {
    const found = disagreements(c, flows());
    expect(found.map((d) => d.explanation)).toEqual([]);
  });

  it("admin Pass hands over to NetworkPolicy, admin Deny beats it", () => {
    // tenants-apart passes tenant a to tenant b's own policy, which admits port http (9090) only.
    expect(allowed("tenant-a/web", "tenant-b/api", 9090)).toBe(true);
    expect(allowed("tenant-a/web", "tenant-b/api", 80)).toBe(false);
    // tenant b may not reach tenant a (no-other-tenant), whatever tenant a's baseline says.
    expect(allowed("tenant-b/api", "tenant-a/web", 8080)).toBe(false);
  });

  it("admin Accept skips NetworkPolicy; priority orders the admin tier", () => {
    // dns (priority 5) accepts DNS before tenants-apart (10) could deny it.
    expect(allowed("tenant-b/api", "shared/dns", 53, 17)).toBe(true);
    expect(allowed("tenant-b/api", "shared/dns", 53, 6)).toBe(true);
  });

  it("the v1alpha1 kinds land in Calico v3.31's tiers", () => {
    // legacy-admin denies 8000-8999 into tenant a before the baseline accepts http (8080).
    const v = evaluateFlow(c.prepared, { family: 4, src: { endpoint: "shared/dns" }, dst: { endpoint: "tenant-a/web" }, protocol: 6, srcPort: 40000, dstPort: 8080 });
    expect(v.allowed).toBe(false);
    expect(formatVerdict(v)).toContain('tier adminnetworkpolicy: AdminNetworkPolicy legacy-admin rule 0 "no-8000s"');
    // The BaselineAdminNetworkPolicy denies what tenant b's NetworkPolicy does not cover: nothing
    // here, since that policy isolates api; the baseline tier never sees api's ingress.
    expect(allowed("shared/monitor", "tenant-b/api", 9090)).toBe(true);
  });

  it("egress networks: accepted partner range, denied elsewhere", () => {
    expect(allowed("tenant-b/api", "192.0.2.5", 443)).toBe(true);
    expect(allowed("tenant-b/api", "192.0.2.5", 445)).toBe(false);
    expect(allowed("tenant-b/api", "198.51.100.1", 443)).toBe(false);
  });

  it("baseline: named port accepted, the rest denied, for what no NetworkPolicy decided", () => {
    expect(allowed("shared/monitor", "tenant-a/web", 8080)).toBe(false); // legacy-admin: 8000s
    expect(allowed("shared/dns", "tenant-a/web", 80)).toBe(false); // baseline-deny
  });
});

describe("a cluster-scoped policy without rules", () => {
  it("takes part in its tier both ways, as Felix reads a policy without types (and decides nothing)", () => {
    const c = compileYaml(
      `${text}\n---\n${JSON.stringify({
        apiVersion: "policy.networking.k8s.io/v1alpha2",
        kind: "ClusterNetworkPolicy",
        metadata: { name: "empty" },
        spec: { tier: "Baseline", priority: 2, subject: { namespaces: {} }, egress: [{ action: "Accept", to: [{ nodes: {} }] }] },
      })}`,
      "node-1",
    );
    if (typeof c === "string") throw new Error(c);
    const v = evaluateFlow(c.prepared, { family: 4, src: { endpoint: "shared/dns" }, dst: { endpoint: "tenant-b/api" }, protocol: 17, srcPort: 40000, dstPort: 53 });
    expect(formatVerdict(v)).toContain("tier kube-baseline: no rule decided -> tier default action Pass");
    expect(disagreements(c, flows())).toEqual([]);
  });
});
