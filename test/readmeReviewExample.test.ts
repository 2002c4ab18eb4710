/**
 * The README's pull-request review example is what `policyc diff --git main..feature --format
 * markdown` prints on a scripted git repository (fixtures/diff/policy-added, old on `main`, new on
 * `feature`), between the `diff-example` markers. UPDATE_GOLDEN=1 rewrites the README's block.
 */
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { updateGolden } from "./helpers/golden.js";
import { runCli } from "./helpers/runCli.js";

const START = "<!-- diff-example:start -->\n";
const END = "<!-- diff-example:end -->";

describe("README pull-request review example", () => {
  it("shows what diff --git --format markdown prints", async () => {
    const repo = mkdtempSync(join(tmpdir(), "policyc-readme-"));
    const git = (...args: string[]): string => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: repo, encoding: "utf8" });
    try {
      git("init", "-q", "-b", "main");
      cpSync("fixtures/diff/policy-added/old", join(repo, "policies"), { recursive: true });
      git("add", ".");
      git("commit", "-qm", "cluster");
      git("checkout", "-qb", "feature");
      cpSync("fixtures/diff/policy-added/new", join(repo, "policies"), { recursive: true });
      git("commit", "-qam", "let web reach api");
      const r = await runCli(["diff", "--git", "main..feature", "--format", "markdown", "policies"], { cwd: repo });
      expect(r.stderr).toBe("");
      const readme = readFileSync("README.md", "utf8");
      const start = readme.indexOf(START);
      const end = readme.indexOf(END);
      expect(start, "README.md has the diff-example markers").toBeGreaterThan(0);
      const block = `${START}${r.stdout}${END}`;
      if (updateGolden) writeFileSync("README.md", readme.slice(0, start) + block + readme.slice(end + END.length));
      else expect(readme.slice(start, end + END.length)).toBe(block);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });
});
