import { describe, expect, it } from "vitest";
import { compileCases, fixtureNode } from "../../../test/helpers/compileCase.js";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import type { Ir } from "../../compiler/ir/types.js";
import { loadModel } from "../../model/loadModel.js";
import { desiredNftTables } from "../state/desiredNftables.js";
import { nftKernelFromLedger, nftLedgerAfter, nftLedgerProblem, nftReuse, parseNftLedger } from "./nftLedger.js";
import { planNftables } from "../planning/planNftables.js";

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: fixtureNode }).ir;
}

describe("nftables ledger", () => {
  it("every pair of fixtures: the plan through the ledger equals the plan against the tables as written", () => {
    const cases = compileCases().map(compile);
    for (let i = 0; i < cases.length; i++) {
      const written = desiredNftTables(cases[i] as Ir, { script: true });
      const ledger = parseNftLedger(JSON.stringify(nftLedgerAfter(written, { netns: "net:[1]", generation: 7, writtenAt: 0 })));
      if (ledger === undefined) throw new Error("ledger did not round-trip");
      const next = cases[(i + 1) % cases.length] as Ir;
      for (const ir of [cases[i] as Ir, next]) {
        const whole = planNftables(desiredNftTables(ir, { script: true }), written);
        const kernel = nftKernelFromLedger(ledger);
        const desired = desiredNftTables(ir, { reuse: nftReuse(kernel) });
        // Fixtures whose tables must be re-created need the whole script: the applier reads whole then.
        if (whole.steps.some((s) => s.stdin.includes("delete table"))) continue;
        expect(planNftables(desired, kernel).steps).toEqual(whole.steps);
      }
      expect(planNftables(desiredNftTables(cases[i] as Ir, { reuse: nftReuse(nftKernelFromLedger(ledger)) }), nftKernelFromLedger(ledger)).steps).toEqual([]);
    }
  });

  it("is trusted only for its namespace, its age and its nf_tables generation", () => {
    const ledger = nftLedgerAfter([], { netns: "net:[1]", generation: 7, writtenAt: 1000 });
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 2000, generation: 7 }, 90_000)).toBeUndefined();
    expect(nftLedgerProblem(ledger, { netns: "net:[2]", now: 2000, generation: 7 }, 90_000)).toMatch(/network namespace/);
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 200_000, generation: 7 }, 90_000)).toMatch(/s old/);
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 2000, generation: 8 }, 90_000)).toMatch(/moved from 7 to 8/);
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 2000 }, 90_000)).toMatch(/could not be read/);
    expect(parseNftLedger("{")).toBeUndefined();
  });
});
