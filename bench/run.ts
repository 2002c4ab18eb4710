/**
 * `npm run bench [-- NAME...]`: runs each measurement in its own process and prints the figures.
 * Measurements: lint (10,000 pods and 1,000 policies, library and CLI paths), compile on
 * Felix's shapes S and L (library path: the validated model already in memory, read from
 * bench/out/<shape>/model.json, which `prepare` writes when it is missing; CLI path: YAML files),
 * and incremental compile on S and L (single changes after loading that model; incremental.ts).
 * Each line has wall time (`ms`) and CPU time (`cpuMs`); on a shared machine compare CPU time.
 * Figures only; nothing here asserts a time.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { shapes, type ClusterShape } from "./generateCluster.js";

const all: readonly (readonly [string, string])[] = [
  ["lint-lib", "lint"],
  ["lint-cli", "lint"],
  ["compile-lib", "S"],
  ["compile-cli", "S"],
  ["compile-lib", "L"],
  ["compile-cli", "L"],
  ["incremental", "S"],
  ["incremental", "L"],
];
const wanted = process.argv.slice(2);
const selected = all.filter(([what, shape]) => wanted.length === 0 || wanted.includes(what) || wanted.includes(shape) || wanted.includes(`${what}:${shape}`));

function measure(what: string, shape: string): void {
  const run = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", "--max-old-space-size=6000", "bench/measure.ts", what, shape], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.stdout.write(run.status === 0 ? run.stdout : `${what} ${shape}: failed with exit ${run.status}\n`);
}

for (const [what, shape] of selected) {
  const s: ClusterShape | undefined = (shapes as Record<string, ClusterShape>)[shape];
  if ((what === "compile-lib" || what === "incremental") && s && !existsSync(`bench/out/${s.name}/model.json`)) measure("prepare", shape);
  measure(what, shape);
}
