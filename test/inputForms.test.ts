/**
 * The forms real inputs come in (recipes with empty fields, kubectl and calicoctl exports, Calico's
 * custom resources, ...) mean exactly what their spelled-out equivalents mean. Each
 * fixtures/cases/<form> has a twin fixtures/forms-spelled/<form>: both compile to the same IR and
 * the same backend output, and the form lints clean (notes only: no error, no warning).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderIptables } from "../src/backends/iptables/index.js";
import { renderNftables } from "../src/backends/nftables/index.js";
import { readInputs } from "../src/cli/readInputs.js";
import { compileModel } from "../src/compiler/compile.js";
import { printIr } from "../src/compiler/ir/print.js";
import { loadModel } from "../src/model/loadModel.js";
import { fixtureNode } from "./helpers/compileCase.js";

function compileDir(dir: string): { outputs: string[]; problems: string[] } {
  const read = readInputs([dir]);
  const loaded = loadModel(read.files);
  const compiled = compileModel(loaded.model, { node: fixtureNode });
  const problems = [...read.diagnostics, ...loaded.diagnostics, ...compiled.diagnostics]
    .filter((d) => d.severity !== "note")
    .map((d) => `${d.severity}[${d.code}] ${d.message}`);
  const outputs = [printIr(compiled.ir), ...renderIptables(compiled.ir).map((f) => f.contents), ...renderNftables(compiled.ir).map((f) => f.contents)];
  return { outputs, problems };
}

const forms = readdirSync("fixtures/forms-spelled").sort();

describe("input forms compile as their spelled-out equivalents", () => {
  it("has the forms the tracker asks for", () => {
    expect(forms.length).toBeGreaterThanOrEqual(5);
  });
  for (const form of forms) {
    it(form, () => {
      const given = compileDir(`fixtures/cases/${form}`);
      const spelled = compileDir(`fixtures/forms-spelled/${form}`);
      expect(given.problems, "the form lints clean").toEqual([]);
      expect(spelled.problems, "the spelled-out twin lints clean").toEqual([]);
      expect(given.outputs).toEqual(spelled.outputs);
    });
  }
});
