/**
 * `npm run bench [-- NAME...]`: runs each measurement in its own process and prints the figures.
 * Measurements: lint (10,000 pods and 1,000 policies, library and CLI paths) and compile on
 * Felix's shapes S and L (library path: objects already in memory; CLI path: YAML files).
 * Figures only; nothing here asserts a time.
 */
import { spawnSync } from "node:child_process";

const all: readonly (readonly [string, string])[] = [
  ["lint-lib", "lint"],
  ["lint-cli", "lint"],
  ["compile-lib", "S"],
  ["compile-cli", "S"],
  ["compile-lib", "L"],
  ["compile-cli", "L"],
];
const wanted = process.argv.slice(2);
const selected = all.filter(([what, shape]) => wanted.length === 0 || wanted.includes(what) || wanted.includes(shape) || wanted.includes(`${what}:${shape}`));

for (const [what, shape] of selected) {
  const run = spawnSync(process.execPath, ["--import", "tsx", "--max-old-space-size=4096", "bench/measure.ts", what, shape], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  process.stdout.write(run.status === 0 ? run.stdout : `${what} ${shape}: failed with exit ${run.status}\n`);
}
