/**
 * The package's public API, used the way an embedding agent uses it, and the `policyc` bin.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  apply,
  createApplyCache,
  memoryLedgerStore,
  noLock,
  compileModel,
  loadModel,
  parseSelector,
  printSelector,
  renderIptables,
  renderNftables,
  selectorId,
  selectorMatches,
} from "../src/index.js";

const text = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {nodeName: node-1}
status: {podIP: 10.65.0.10}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: shop}
spec: {podSelector: {}}
`;

describe("public API", () => {
  it("parses, prints, identifies and matches selectors", () => {
    const parsed = parseSelector(`role == "db" && env in {"b", "a"}`);
    if (!parsed.ok) throw new Error("parse failed");
    expect(printSelector(parsed.selector)).toBe(`(role == "db" && env in {"a", "b"})`);
    expect(selectorId(parsed.selector)).toMatch(/^s:[A-Za-z0-9_-]{38}$/);
    expect(selectorMatches(parsed.selector, { role: "db", env: "a" })).toBe(true);
    expect(selectorMatches(parsed.selector, { role: "db" })).toBe(false);
  });

  it("runs the whole pipeline from text to backend files", () => {
    const { model, diagnostics } = loadModel([{ path: "policy.yaml", text }]);
    expect(diagnostics).toEqual([]);
    const { ir } = compileModel(model, { node: "node-1" });
    expect(renderIptables(ir).map((f) => f.path)).toEqual(["ipset.restore", "iptables.rules", "ip6tables.rules"]);
    expect(renderNftables(ir).map((f) => f.path)).toEqual(["ruleset.nft"]);
  });
});

describe("the library's apply", () => {
  it("is exported, with its cache and ledger options, and plans through an injected exec", async () => {
    const { ir } = compileModel(loadModel([{ path: "p.yaml", text }]).model, { node: "node-1" });
    const calls: string[] = [];
    // A node with nothing on it: every read answers empty; a dry run writes nothing.
    const exec = { run: async (argv: readonly string[]) => (calls.push(argv.join(" ")), { code: 0, stdout: "", stderr: "" }) };
    const result = await apply(ir, { dryRun: true, backendMode: "nft", exec, lock: noLock, cache: createApplyCache(), ledger: memoryLedgerStore() });
    expect(result.ok).toBe(true);
    expect(result.plan?.steps.length).toBeGreaterThan(0);
    expect(calls.some((c) => c.includes("restore") && !c.includes("--test"))).toBe(false);
  });
});

describe("the policyc bin", () => {
  it.skipIf(!existsSync("dist/cli/main.js"))("prints its help (after `npm run build`)", () => {
    const run = spawnSync(process.execPath, ["bin/policyc.js", "--help"], { encoding: "utf8" });
    expect(run.status).toBe(0);
    expect(run.stdout).toContain("policyc lint");
    expect(run.stdout).toContain("policyc compile");
  });
});
