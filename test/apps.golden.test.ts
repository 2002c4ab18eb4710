/**
 * Application repositories under fixtures/apps/: workloads (Deployments, StatefulSets, DaemonSets,
 * CronJobs) with their Services and NetworkPolicies, audited before anything runs. Goldens under
 * test/golden/apps/<app>/: the matrix (text and JSON) over the workloads, explain on flows named
 * by workload, and compile's note that workloads are for the audit commands only.
 */
import { describe, expect, it } from "vitest";
import { expectGolden } from "./helpers/golden.js";
import { runCli } from "./helpers/runCli.js";

const APP = "fixtures/apps/online-shop";
const GOLDEN = "test/golden/apps/online-shop";

describe("policyc on an application repository (workloads, no pods)", () => {
  it("matrix over the workloads (text)", async () => {
    const r = await runCli(["matrix", "--quiet", APP]);
    expect(r.stderr, "--quiet: the notes on Services and the ConfigMap are left out").toBe("");
    expect(r.code).toBe(0);
    expectGolden(`${GOLDEN}/matrix.txt`, r.stdout);
  });

  it("matrix over the workloads (json)", async () => {
    const r = await runCli(["matrix", "--format", "json", APP]);
    expect(r.code).toBe(0);
    expectGolden(`${GOLDEN}/matrix.json`, r.stdout);
  });

  it("explain names the workloads (Kind/namespace/name)", async () => {
    const r = await runCli(["explain", "--quiet", "--from", "Deployment/shop/frontend", "--to", "Deployment/shop/api", "--port", "8080/TCP", APP]);
    expect(r.stderr, "--quiet: the notes on Services and the ConfigMap are left out").toBe("");
    expect(r.code).toBe(0);
    expectGolden(`${GOLDEN}/explain-frontend-api.txt`, r.stdout);
  });

  it("explain takes namespace/name for the one workload of that name", async () => {
    const r = await runCli(["explain", "--quiet", "--from", "shop/frontend", "--to", "shop/postgres", "--port", "5432/TCP", "--expect", "deny", APP]);
    expect(r.stderr, "--quiet: the notes on Services and the ConfigMap are left out").toBe("");
    expect(r.code).toBe(0);
    expectGolden(`${GOLDEN}/explain-frontend-postgres.txt`, r.stdout);
  });

  it("explain --format json", async () => {
    const r = await runCli(["explain", "--from", "CronJob/shop/report", "--to", "StatefulSet/shop/postgres", "--port", "5432/TCP", "--format", "json", APP]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { allowed: boolean; verdict: { src: { ip?: string; endpoint?: string } } };
    expect(json.allowed).toBe(true);
    expect(json.verdict.src).toEqual({ endpoint: "CronJob/shop/report", others: [] });
  });

  it("explain --rules refuses a workload: nothing is compiled for it", async () => {
    const r = await runCli(["explain", "--from", "Deployment/shop/frontend", "--to", "Deployment/shop/api", "--port", "8080/TCP", "--rules", APP]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is a workload");
  });

  it("lint reads and checks the workloads; compile notes that they are for the audit commands", async () => {
    const lint = await runCli(["lint", "--format", "json", APP]);
    expect(lint.code).toBe(0);
    const json = JSON.parse(lint.stdout) as { summary: { resources: Record<string, number> }; findings: { code: string; severity: string; file: string; line: number }[] };
    expect(json.summary.resources).toEqual({ Deployment: 2, DaemonSet: 1, Namespace: 2, ServiceAccount: 1, StatefulSet: 1, CronJob: 1, K8sNetworkPolicy: 6 });
    // Deep lint's selectors match the workloads; only the DNS rule's kube-system, which an
    // application repository does not hold, matches nothing.
    const findings = json.findings.filter((f) => f.severity !== "note");
    expect(findings.map((f) => [f.code, f.file, f.line])).toEqual([["selector-matches-nothing", "fixtures/apps/online-shop/policies/default-deny.yaml", 22]]);
    const compile = await runCli(["compile", "--node", "node-1", APP]);
    expectGolden(`${GOLDEN}/compile-diagnostics.txt`, compile.stderr);
  });
});
