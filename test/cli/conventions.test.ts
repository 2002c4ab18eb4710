/** The CLI conventions: help and version, input flags, output streams, config, safety. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { commandHelp, commandNames } from "../../src/cli/help.js";
import { runCli } from "../helpers/runCli.js";
import { readFileSync } from "node:fs";

const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "policyc-cli-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const ns = (name: string): string => `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${name}}\n`;
const pod = (name: string, ns?: string, ip = "10.65.0.1"): string =>
  `apiVersion: v1\nkind: Pod\nmetadata: {name: ${name}${ns ? `, namespace: ${ns}` : ""}, labels: {app: ${name}}}\nspec: {nodeName: node-1}\nstatus: {podIP: ${ip}}\n`;

describe("help and version", () => {
  it("prints a command's help for COMMAND --help, -h and help COMMAND, exit 0", async () => {
    for (const name of commandNames) {
      for (const argv of [[name, "--help"], [name, "-h"], ["help", name], [name, "a.yaml", "--strict", "--help"]]) {
        const r = await runCli(argv);
        expect(r.code, argv.join(" ")).toBe(0);
        expect(r.stdout, argv.join(" ")).toContain(commandHelp[name].synopsis);
        expect(r.stderr).toBe("");
      }
    }
  });

  it("prints the version with --version", async () => {
    const r = await runCli(["--version"]);
    const pkg = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(r).toEqual({ code: 0, stdout: `policyc ${pkg.version}\n`, stderr: "" });
  });

  it("says which flag is unknown, with balanced quotes, exit 2", async () => {
    const r = await runCli(["lint", "--bogus", "fixtures/cases/demo-shop"]);
    expect(r.code).toBe(2);
    expect(r.stderr.split("\n")[0]).toBe("policyc lint: Unknown option --bogus");
    expect((r.stderr.match(/'/g) ?? []).length % 2).toBe(0);
  });

  it("README's synopses are the ones --help prints", () => {
    const readme = readFileSync("README.md", "utf8");
    const block = /## Commands\n\n```\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(commandNames.map((n) => commandHelp[n].synopsis).join("\n") + "\n");
  });
});

describe("input", () => {
  it("reads standard input as -", async () => {
    const r = await runCli(["lint", "-"], { readStdin: () => `${ns("shop")}---\n${pod("web", "shop")}` });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Summary: 1 file, 2 resources (1 Namespace, 1 Pod), 0 errors, 0 warnings, 0 notes, 0 skipped\n");
  });

  it("gives namespaced resources without a namespace the one of -n / --namespace", async () => {
    const stdin = `${pod("web")}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny}\nspec: {podSelector: {}}\n`;
    const plain = await runCli(["explain", "--from", "192.0.2.1", "--to", "default/web", "--port", "80", "-"], { readStdin: () => stdin });
    expect(plain.stdout).toContain("ingress at default/web: deny");
    const shop = await runCli(["explain", "-n", "shop", "--from", "192.0.2.1", "--to", "shop/web", "--port", "80", "-"], { readStdin: () => stdin });
    expect(shop.stdout).toContain("ingress at shop/web: deny");
    expect((await runCli(["lint", "--namespace", "Bad_NS", "-"], { readStdin: () => stdin })).code).toBe(2);
  });

  it("leaves out files matching --exclude and kinds named by --skip-kinds", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "prod"));
    writeFileSync(join(dir, "a.yaml"), ns("a"));
    writeFileSync(join(dir, "prod", "b.yaml"), ns("Bad_Name"));
    writeFileSync(join(dir, "deploy.yaml"), `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n---\n${ns("c")}`);
    const all = await runCli(["lint", dir]);
    expect(all.code).toBe(1);
    const r = await runCli(["lint", "--exclude", "prod/**", "--skip-kinds", "Deployment,Namespace", "--skip-kinds", "Service", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("Summary: 2 files, 0 resources, 0 errors, 0 warnings, 0 notes, 4 skipped\n");
  });

  it("skips files in a directory that are not resources, but reads them when named", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "Chart.yaml"), "apiVersion: v2\nname: shop\nversion: 1.0.0\n");
    writeFileSync(join(dir, "values.yaml"), "replicas: 3\nimage: {tag: latest}\n");
    writeFileSync(join(dir, "package.json"), '{"name": "x", "version": "1.0.0"}\n');
    writeFileSync(join(dir, "deployment.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n");
    writeFileSync(join(dir, "ns.yaml"), ns("shop"));
    const r = await runCli(["lint", dir]);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/note\[skipped-file\]/g)).toHaveLength(4);
    expect(r.stdout).toContain("Summary: 1 file, 1 resource (1 Namespace), 0 errors, 0 warnings, 4 notes, 4 skipped");
    const named = await runCli(["lint", join(dir, "values.yaml")]);
    expect(named.code).toBe(1);
    expect(named.stdout).toContain("error[missing-kind]");
  });
});

describe("output", () => {
  it("writes lint findings to stdout and nothing to stderr; --quiet keeps only failures", async () => {
    const file = "fixtures/invalid/duplicate-endpoint-ip.yaml";
    const r = await runCli(["lint", file]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("warning[duplicate-endpoint-ip]");
    expect(r.stdout).toContain("Summary: 1 file, 3 resources (3 Pod), 0 errors, 1 warning, 0 notes, 0 skipped");
    expect((await runCli(["lint", "--quiet", file])).stdout).toBe("");
    expect((await runCli(["lint", "--quiet", "--strict", file])).stdout).toContain("warning[duplicate-endpoint-ip]");
  });

  it("colours only for a terminal, and never with NO_COLOR", async () => {
    const file = "fixtures/invalid/cidr-invalid.yaml";
    expect((await runCli(["lint", file])).stdout).not.toContain("\u001b[");
    expect((await runCli(["lint", file], { stdoutIsTty: true })).stdout).toContain("\u001b[31;1merror\u001b[0m");
    expect((await runCli(["lint", file], { stdoutIsTty: true, env: { NO_COLOR: "1" } })).stdout).not.toContain("\u001b[");
  });
});

describe("config", () => {
  it("reads .policyc.yaml upward from the working directory: excludes, skipped kinds, severities", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "sub", "deeper"), { recursive: true });
    writeFileSync(join(dir, ".policyc.yaml"), "exclude: ['legacy/**']\nskipKinds: [Deployment]\nseverity:\n  duplicate-endpoint-ip: error\n  unknown-tier: off\n");
    mkdirSync(join(dir, "sub", "legacy"));
    writeFileSync(join(dir, "sub", "legacy", "bad.yaml"), ns("Bad_Name"));
    writeFileSync(join(dir, "sub", "ips.yaml"), `${pod("a", "x", "10.0.0.1")}---\n${pod("b", "x", "10.0.0.1")}---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n`);
    writeFileSync(join(dir, "sub", "tier.yaml"), "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\nspec: {tier: t, selector: all()}\n");
    // The config lives two directories above the working directory.
    const full = await runCli(["lint", join(dir, "sub")], { cwd: join(dir, "sub", "deeper") });
    expect(full.code).toBe(1);
    expect(full.stdout).toContain("error[duplicate-endpoint-ip]");
    expect(full.stdout).not.toContain("unknown-tier");
    expect(full.stdout).not.toContain("Bad_Name");
    expect(full.stdout).toContain("2 skipped");
  });

  it("never lowers an error, and refuses a bad config with exit 2", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "c.yaml"), "severity: {invalid-cidr: off}\n");
    const r = await runCli(["lint", "--config", join(dir, "c.yaml"), "fixtures/invalid/cidr-invalid.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error[invalid-cidr]");
    writeFileSync(join(dir, "bad.yaml"), "severity: {no-such-code: off}\n");
    const bad = await runCli(["lint", "--config", join(dir, "bad.yaml"), "fixtures/cases/demo-shop"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown diagnostic code 'no-such-code'");
    writeFileSync(join(dir, "typo.yaml"), "exclud: []\n");
    expect((await runCli(["lint", "--config", join(dir, "typo.yaml"), "fixtures/cases/demo-shop"])).code).toBe(2);
  });
});

describe("safety", () => {
  it("refuses to compile or apply nothing, unless --allow-empty", async () => {
    const dir = tempDir();
    for (const argv of [["compile", dir], ["apply", "--node", "n1", "--dry-run", dir]]) {
      const r = await runCli(argv);
      expect(r.code, argv.join(" ")).toBe(1);
      expect(r.stderr).toContain("no resources found");
    }
    expect((await runCli(["compile", "--allow-empty", dir])).code).toBe(0);
  });

  it("requires --node for apply, and refuses a single-valued flag given twice", async () => {
    const a = await runCli(["apply", "fixtures/cases/demo-shop"]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain("--node NAME is required");
    const twice = await runCli(["compile", "--node", "a", "--node", "b", "fixtures/cases/demo-shop"]);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("--node is given more than once");
  });

  it("reports an --out that cannot be written in one line, exit 1", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "file"), "x");
    const cases: [string, string][] = [
      [join(dir, "file"), "is a file, not a directory"],
      [join(dir, "file", "sub"), "a component of the path is a file"],
      ["/proc/x", "cannot be created there"],
    ];
    if (process.getuid?.() !== 0) {
      const ro = join(dir, "ro");
      mkdirSync(ro);
      chmodSync(ro, 0o500);
      cases.push([join(ro, "out"), "permission denied"]);
    }
    for (const [out, why] of cases) {
      const r = await runCli(["compile", "--node", "node-1", "--out", out, "fixtures/cases/demo-shop"]);
      expect(r.code, out).toBe(1);
      expect(r.stderr, out).toBe(`policyc compile: --out ${out}: ${why}\n`);
    }
  });

  it("refuses out-of-range and garbage flag values", async () => {
    for (const argv of [
      ["apply", "--node", "n", "--state-max-age", "-1", "x"],
      ["apply", "--node", "n", "--state-max-age", "1e9", "x"],
      ["apply", "--node", "", "x"],
      ["compile", "--backend", "pf", "x"],
      ["explain", "--from", "a/b", "--to", "c/d", "--port", "99999", "x"],
      ["matrix", "--family", "5", "x"],
      ["lint", "--format", "xml", "x"],
      ["codes", "--format", "yaml"],
    ]) {
      expect((await runCli(argv)).code, argv.join(" ")).toBe(2);
    }
  });
});
