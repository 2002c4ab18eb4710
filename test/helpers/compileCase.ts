import { readdirSync } from "node:fs";
import { renderIptables, type OutputFile } from "../../src/backends/iptables/index.js";
import { renderNftables } from "../../src/backends/nftables/index.js";
import { compileModel } from "../../src/compiler/compile.js";
import { printIr } from "../../src/compiler/ir/print.js";
import { formatDiagnostics } from "../../src/diagnostics/format.js";
import { readInputs } from "../../src/cli/readInputs.js";
import { loadModel } from "../../src/model/loadModel.js";

/** Every compile fixture is compiled for this node. */
export const fixtureNode = "node-1";

/** Names of the cases under fixtures/cases/, sorted. */
export function compileCases(): string[] {
  return readdirSync("fixtures/cases", { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

export interface CompiledCase {
  /** ir.txt, ipset.restore, iptables.rules, ip6tables.rules, plus diagnostics.txt when there are any. */
  readonly files: readonly OutputFile[];
  readonly errors: number;
}

/** Compiles fixtures/cases/<name> exactly as `policyc compile --node node-1` does. */
export function compileCase(name: string): CompiledCase {
  const read = readInputs([`fixtures/cases/${name}`]);
  const loaded = loadModel(read.files);
  const compiled = compileModel(loaded.model, { node: fixtureNode });
  const diagnostics = [...read.diagnostics, ...loaded.diagnostics, ...compiled.diagnostics];
  const sources = Object.fromEntries(read.files.map((f) => [f.path, f.text]));
  const files: OutputFile[] = [{ path: "ir.txt", contents: printIr(compiled.ir) }, ...renderIptables(compiled.ir), ...renderNftables(compiled.ir)];
  if (diagnostics.length > 0) files.push({ path: "diagnostics.txt", contents: formatDiagnostics(diagnostics, sources) });
  return { files, errors: diagnostics.filter((d) => d.severity === "error").length };
}
