/**
 * `policyc diff` on the fixture pairs in fixtures/diff/<case>/{old,new}, one per kind of change
 * (a policy added or removed, a rule reordered, a pod label changed, the tier order changed, a
 * namespace relabelled, a workload's pod template relabelled, ICMP and a protocol without ports
 * opened), against goldens in
 * test/golden/diff/ (text and Markdown; SARIF for one). UPDATE_GOLDEN=1 rewrites them.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectGoldens } from "./helpers/golden.js";
import { runCli } from "./helpers/runCli.js";

const cases = readdirSync("fixtures/diff").sort();

describe("policyc diff goldens", () => {
  it.each(cases)("%s", async (name) => {
    const dir = `fixtures/diff/${name}`;
    const text = await runCli(["diff", `${dir}/old`, `${dir}/new`]);
    const markdown = await runCli(["diff", "--format", "markdown", `${dir}/old`, `${dir}/new`]);
    expect(text.stderr).toBe("");
    expect(text.code).toBe(0);
    expectGoldens([
      { path: `test/golden/diff/${name}.txt`, actual: text.stdout },
      { path: `test/golden/diff/${name}.md`, actual: markdown.stdout },
    ]);
  });

  it("--fail-on sets the exit code for CI", async () => {
    const dir = "fixtures/diff/policy-removed";
    expect((await runCli(["diff", "--fail-on", "close", `${dir}/old`, `${dir}/new`])).code).toBe(1);
    expect((await runCli(["diff", "--fail-on", "open", `${dir}/old`, `${dir}/new`])).code).toBe(0);
    expect((await runCli(["diff", "--fail-on", "any", `${dir}/old`, `${dir}/new`])).code).toBe(1);
    expect((await runCli(["diff", "--fail-on", "any", `${dir}/old`, `${dir}/old`])).code).toBe(0);
  });

  it("prints JSON and SARIF", async () => {
    const dir = "fixtures/diff/policy-added";
    const json = JSON.parse((await runCli(["diff", "--format", "json", `${dir}/old`, `${dir}/new`])).stdout) as { changes: { change: string; ports: unknown; from: string[]; to: string[] }[] };
    expect(json.changes.map((c) => [c.change, c.ports, c.from, c.to])).toEqual([["open", { first: 8080, last: 8080 }, ["shop/web-0", "shop/web-1"], ["shop/api-0"]]]);
    const sarif = JSON.parse((await runCli(["diff", "--format", "sarif", `${dir}/old`, `${dir}/new`])).stdout) as { runs: { results: { ruleId: string; locations: unknown[] }[] }[] };
    expect(sarif.runs[0]!.results.map((r) => [r.ruleId, r.locations])).toEqual([
      ["flow-opened", [{ physicalLocation: { artifactLocation: { uri: `${dir}/new/policy.yaml` }, region: { startLine: 22 } } }]],
    ]);
  });

  it("--port limits the ports compared", async () => {
    const dir = "fixtures/diff/label-changed";
    const r = await runCli(["diff", "--port", "8080/TCP", `${dir}/old`, `${dir}/new`]);
    expect(r.stdout.split("\n")[0]).toBe("policyc diff: 1 flow group(s) opened, 0 closed (IPv4)");
  });

  it("compares ICMP types and codes and the protocols without ports, in every format", async () => {
    const dir = "fixtures/diff/icmp-and-protocols";
    const json = JSON.parse((await runCli(["diff", "--format", "json", `${dir}/old`, `${dir}/new`])).stdout) as { changes: object[] };
    expect(json.changes.map((c) => ({ ...c, before: undefined, after: undefined }))).toEqual([
      { change: "open", protocol: "ICMP", icmp: { first: { type: 8, code: 0 }, last: { type: 8, code: 255 } }, from: ["shop/web-0", "shop/web-1"], to: ["shop/api-0"] },
      { change: "open", protocols: { first: 47, last: 47 }, from: ["shop/web-0", "shop/web-1"], to: ["shop/api-0"] },
    ]);
    const sarif = JSON.parse((await runCli(["diff", "--format", "sarif", `${dir}/old`, `${dir}/new`])).stdout) as { runs: { results: { message: { text: string } }[] }[] };
    expect(sarif.runs[0]!.results.map((r) => r.message.text.split(":")[0])).toEqual(["opens ICMP type 8 from shop/web-0, shop/web-1 to shop/api-0", "opens protocol 47 from shop/web-0, shop/web-1 to shop/api-0"]);
    // --port takes ICMP types and codes (a bare ICMP is an echo request, 8/0).
    const echo = await runCli(["diff", "--port", "ICMP", `${dir}/old`, `${dir}/new`]);
    expect(echo.stdout.split("\n").slice(0, 3)).toEqual(["policyc diff: 1 flow group(s) opened, 0 closed (IPv4)", "", "open  ICMP type 8 code 0  shop/web-0, shop/web-1 -> shop/api-0"]);
    expect((await runCli(["diff", "--port", "ICMP/0", `${dir}/old`, `${dir}/new`])).stdout.split("\n")[0]).toBe("policyc diff: 0 flow group(s) opened, 0 closed (IPv4)");
    const v6 = await runCli(["diff", "--port", "ICMPv6", `${dir}/old`, `${dir}/new`]);
    expect([v6.code, v6.stderr.split("\n")[0]]).toEqual([2, "policyc diff: --port ICMPv6/128/0 is for IPv6; add --family 6"]);
    const udplite = await runCli(["diff", "--port", "9/UDPLite", `${dir}/old`, `${dir}/new`]);
    expect(udplite.code).toBe(2);
  });

  it("--git A..B reads the trees of two revisions", async () => {
    const repo = mkdtempSync(join(tmpdir(), "policyc-diff-git-"));
    const git = (...args: string[]): string => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, encoding: "utf8" });
    try {
      git("init", "-q");
      cpSync("fixtures/diff/policy-added/old", join(repo, "policies"), { recursive: true });
      git("add", ".");
      git("commit", "-qm", "old");
      cpSync("fixtures/diff/policy-added/new", join(repo, "policies"), { recursive: true });
      git("commit", "-qam", "new");
      const r = await runCli(["diff", "--git", "HEAD~1..HEAD", "policies"], { cwd: repo });
      expect(r.stderr).toBe("");
      expect(r.stdout).toContain("open  8080/TCP  shop/web-0, shop/web-1 -> shop/api-0");
      expect(r.stdout).toContain("(HEAD:policies/policy.yaml:22)");
      expect((await runCli(["diff", "--git", "nope..HEAD"], { cwd: repo })).code).toBe(2);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
