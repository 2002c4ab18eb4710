/**
 * Whatever the command line and the file system, policyc ends with a documented exit code (0, 1,
 * 2 or 3) and a message, never a stack trace (property test over random argv and situations).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/runCli.js";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "policyc-argv-"));
  mkdirSync(join(dir, "empty"));
  mkdirSync(join(dir, "loop"));
  symlinkSync(join(dir, "loop"), join(dir, "loop", "self"));
  writeFileSync(join(dir, "file"), "not yaml: [");
  writeFileSync(join(dir, "binary.yaml"), Buffer.from([0, 255, 254, 1, 2, 3, 0x7b, 0x7b]));
  writeFileSync(join(dir, "deep.yaml"), `${"[".repeat(5000)}${"]".repeat(5000)}\n`);
  writeFileSync(join(dir, "weird.yaml"), "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{ports: [{containerPort: 1e999}]}]}\nstatus: {podIP: '::ffff:1.2.3.4'}\n");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const paths = (): fc.Arbitrary<string> =>
  fc.constantFrom("fixtures/cases/demo-shop", "fixtures/invalid", "fixtures/cases/forms-merge-keys", "no/such/path", "-", join(dir, "empty"), join(dir, "loop"), join(dir, "file"), join(dir, "binary.yaml"), join(dir, "deep.yaml"), join(dir, "weird.yaml"), "");
const values = fc.constantFrom("", "x", "-1", "0", "4", "6", "80", "80/TCP", "ICMP/300", "99999", "web/nope", "10.0.0.1", "::1", "1e9", "node-1", "iptables", "nftables", "json", "sarif", "junit", "tap", "markdown", "csv", "ir", "legacy", "nft", "a,,b", "*", "**/x", "/proc/x", join(dir, "file"), join(dir, "out"), "default");
const flags = fc.constantFrom("--node", "--backend", "--out", "--dry-run", "--emit", "--format", "--strict", "--quiet", "-n", "--namespace", "--exclude", "--skip-kinds", "--config", "--from", "--to", "--port", "--family", "--rules", "--allow-empty", "--state-max-age", "--backend-mode", "--bogus", "-x", "--", "--help");
const commands = fc.constantFrom("lint", "compile", "explain", "matrix", "codes", "apply", "help", "nonsense", "--version");

const argvArb = fc
  .tuple(commands, fc.array(fc.oneof(fc.tuple(flags, values).map(([f, v]) => [f, v]), flags.map((f) => [f]), paths().map((p) => [p])), { maxLength: 7 }))
  .map(([cmd, parts]) => {
    const argv = [cmd, ...parts.flat()];
    // apply must never reach the kernel here: it always gets a flag value it refuses.
    return cmd === "apply" ? [...argv, "--state-max-age", "-5"] : argv;
  });

const stdinArb = fc.oneof(fc.constant("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n"), fc.string({ maxLength: 60 }), fc.constant("\u0000\u0001: [\n"));

describe("the CLI never ends in a stack trace", () => {
  it("for random command lines and file-system situations", { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(argvArb, stdinArb, async (argv, stdin) => {
        const r = await runCli(argv, { readStdin: () => stdin, cwd: dir });
        expect([0, 1, 2, 3], argv.join(" ")).toContain(r.code);
        const all = r.stdout + r.stderr;
        expect(all, argv.join(" ")).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)|internal error/);
      }),
      { seed: Number(process.env.FUZZ_SEED ?? 20261206), numRuns: Number(process.env.FUZZ_RUNS ?? 300) },
    );
  });
});

describe("a closed pipe", () => {
  it("ends quietly when the reader goes away (policyc ... | head -1)", () => {
    // What bin/policyc.js runs, from the sources (the build may be older than them).
    const entry = `node --import tsx -e 'import("./src/cli/runProcess.ts").then((m) => m.runProcess(["lint", "fixtures/invalid", "fixtures/cases"]))'`;
    const r = spawnSync("sh", ["-c", `${entry} | head -1`], { encoding: "utf8" });
    expect(r.stdout.split("\n").length).toBe(2);
    expect(r.stderr).toBe("");
  });
});
