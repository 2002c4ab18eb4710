/**
 * Every compile fixture (fixtures/cases/*), compiled as `policyc compile --node node-1` does and
 * rendered by the iptables backend, loads into a fresh network namespace: `ipset restore`, then
 * `iptables-restore --noflush` and `ip6tables-restore --noflush`, each rules file after a
 * `--test` dry run. Skipped (loudly) without root and the tools.
 */
import { describe, expect, it } from "vitest";
import { compileCase, compileCases } from "../helpers/compileCase.js";
import { createNetns, destroyNetns, kernelAvailable, runInNetns, warnIfKernelUnavailable } from "../helpers/netns.js";

const SUITE = "compiled fixtures load into a real kernel (test/kernel/fixturesLoad.test.ts)";
warnIfKernelUnavailable(SUITE);

const STEPS = [
  ["ipset.restore", ["ipset", "restore"]],
  ["iptables.rules", ["iptables-restore", "--test", "--noflush"]],
  ["iptables.rules", ["iptables-restore", "--noflush"]],
  ["ip6tables.rules", ["ip6tables-restore", "--test", "--noflush"]],
  ["ip6tables.rules", ["ip6tables-restore", "--noflush"]],
] as const;

describe.skipIf(!kernelAvailable())(SUITE, () => {
  it.each(compileCases())("%s", (name) => {
    const { files } = compileCase(name);
    const ns = createNetns();
    try {
      for (const [path, argv] of STEPS) {
        const file = files.find((f) => f.path === path);
        expect(file, path).toBeDefined();
        const result = runInNetns(ns, argv, file?.contents ?? "");
        expect({ step: argv.join(" "), status: result.status, stderr: result.stderr.trim() }).toEqual({ step: argv.join(" "), status: 0, stderr: "" });
      }
    } finally {
      destroyNetns(ns);
    }
  });
});
