/**
 * Every compile fixture's `ruleset.nft` (the file whose golden test/compile.golden.test.ts keeps)
 * must pass `nft --check -f` in a throwaway network namespace, and load twice. Fixtures that do
 * not compile cleanly are left to the golden test, which fails on them. Skipped (loudly)
 * without root and the tools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileCase, compileCases } from "../helpers/compileCase.js";
import { createNetns, destroyNetns, kernelAvailable, runInNetns, warnIfKernelUnavailable } from "../helpers/netns.js";

const SUITE = "nftables goldens in a real kernel (test/kernel/nftablesGoldens.test.ts)";
warnIfKernelUnavailable(SUITE);

describe.skipIf(!kernelAvailable())(SUITE, () => {
  let ns = "";
  beforeAll(() => {
    ns = createNetns();
  });
  afterAll(() => {
    if (ns !== "") destroyNetns(ns);
  });

  for (const name of compileCases()) {
    it(name, (ctx) => {
      const compiled = compileCase(name);
      if (compiled.errors > 0) ctx.skip(`${name} does not compile cleanly (see compile.golden.test.ts)`);
      const script = compiled.files.find((f) => f.path === "ruleset.nft")?.contents;
      expect(script, "compileCase renders ruleset.nft").toBeDefined();
      const check = runInNetns(ns, ["nft", "--check", "-f", "-"], script);
      expect(check.stderr).toBe("");
      expect(check.status).toBe(0);
      for (let load = 0; load < 2; load++) {
        const result = runInNetns(ns, ["nft", "-f", "-"], script);
        expect(result.stderr).toBe("");
        expect(result.status).toBe(0);
      }
    });
  }
});
