/**
 * One measurement, run in its own process so that its peak memory is its own:
 *   tsx bench/measure.ts <lint-lib|lint-cli|compile-lib|compile-cli> <shape>
 * Prints one JSON line: {what, shape, ms, maxRssMiB, ...}.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { main } from "../src/cli/main.js";
import { compileModel } from "../src/compiler/compile.js";
import { loadModel, loadModelFromObjects } from "../src/model/loadModel.js";
import { generateResources, generateYaml, localNode, shapes, type ClusterShape } from "./generateCluster.js";

const [what, shapeName] = process.argv.slice(2);
const shape: ClusterShape | undefined = (shapes as Record<string, ClusterShape>)[shapeName ?? ""];
if (!what || !shape) {
  console.error("usage: measure.ts <lint-lib|lint-cli|compile-lib|compile-cli> <lint|S|L>");
  process.exit(2);
}

const silent = { stdout: () => {}, stderr: () => {} };
// The library compile path starts from objects in memory; the others from YAML text.
const yaml = what === "compile-lib" ? "" : generateYaml(shape);
const file = { path: `bench/out/${shape.name}/cluster.yaml`, text: yaml };
const extra: Record<string, number | string> = what === "compile-lib" ? {} : { yamlMiB: round(yaml.length / 2 ** 20) };

let ms: number;
if (what === "lint-lib") {
  const t = performance.now();
  const { diagnostics } = loadModel([file]);
  ms = performance.now() - t;
  extra.diagnostics = diagnostics.length;
} else if (what === "compile-lib") {
  const { model, diagnostics } = loadModelFromObjects(generateResources(shape));
  extra.diagnostics = diagnostics.length;
  const t = performance.now();
  const { ir } = compileModel(model, { node: localNode });
  ms = performance.now() - t;
  extra.v4Chains = ir.v4.tables.reduce((n, t) => n + t.chains.length, 0);
  extra.v4Rules = ir.v4.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
  extra.v4Sets = ir.v4.sets.length;
} else if (what === "lint-cli" || what === "compile-cli") {
  mkdirSync(`bench/out/${shape.name}`, { recursive: true });
  writeFileSync(file.path, yaml);
  const argv = what === "lint-cli" ? ["lint", file.path] : ["compile", "--node", localNode, "--out", `bench/out/${shape.name}/rules`, file.path];
  const t = performance.now();
  extra.exit = await main(argv, silent);
  ms = performance.now() - t;
} else {
  console.error(`unknown measurement ${what}`);
  process.exit(2);
}

console.log(JSON.stringify({ what, shape: shape.name, ms: Math.round(ms), maxRssMiB: round(process.resourceUsage().maxRSS / 1024), ...extra }));

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
