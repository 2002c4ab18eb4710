/**
 * `npm run bench [-- NAME...]`: runs each measurement in its own process and prints the figures.
 * Measurements (see measure.ts): lint (10,000 pods and 1,000 policies, library and CLI paths),
 * compile on Felix's shapes S and L (library path: the validated model already in memory, read
 * from bench/out/<shape>/model.json, which `prepare` writes when it is missing; CLI path: YAML
 * files), incremental compile on S and L (single changes after loading that model;
 * incremental.ts), and the front end against its floors (group `frontend`).
 *
 * The `frontend` group measures, for S and L, in one run: reading and parsing the YAML file with
 * js-yaml and the JSON export with JSON.parse (the floors), the CLI's front end on each, and
 * `policyc compile` on each; then `policyc lint` on L under a 2 GiB heap. A table of each figure
 * against its floor follows the JSON lines. BENCH_REPEAT=n runs the group's measurements n times,
 * interleaved, and the table shows medians. Each line has wall time (`ms`) and CPU time
 * (`cpuMs`); on a shared machine compare CPU time. Figures only; nothing here asserts a time.
 *
 * The `review` group measures the evaluator's commands on S against the same floors, in one run:
 * `policyc explain` of one flow (YAML and JSON input, loading included) and `policyc matrix` for
 * one port, and `policyc diff` of S against S with one more policy (targets: explain 1 s, matrix
 * 5 s, diff 5 s).
 *
 * The `verify` group measures `policyc verify` of a tenant invariant with three doors on S and L
 * (loading included) against the YAML floor of the same shape (targets: S 2 s, L 30 s).
 *
 * NAME selects measurements: a measurement (`compile-cli`), a shape (`L`), both
 * (`compile-cli:L`), or a group (`frontend`, `frontend:S`, `review`, `verify`, `verify:S`).
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { shapes, type ClusterShape } from "./generateCluster.js";

type Measurement = readonly [what: string, shape: string, heapMiB?: number];

const classic: readonly Measurement[] = [
  ["lint-lib", "lint"],
  ["lint-cli", "lint"],
  ["compile-lib", "S"],
  ["compile-cli", "S"],
  ["compile-lib", "L"],
  ["compile-cli", "L"],
  ["incremental", "S"],
  ["incremental", "L"],
];

const frontendOf = (shape: string): Measurement[] => [
  ["floor-yaml", shape],
  ["front-yaml", shape],
  ["compile-cli", shape],
  ["floor-json", shape],
  ["front-json", shape],
  ["compile-cli-json", shape],
];
const frontend: readonly Measurement[] = [...frontendOf("S"), ...frontendOf("L"), ["lint-cli", "L", 2048]];
const review: readonly Measurement[] = [
  ["floor-yaml", "S"],
  ["floor-json", "S"],
  ["explain-cli", "S"],
  ["explain-cli-json", "S"],
  ["matrix-cli", "S"],
  ["diff-cli", "S"],
  ["diff-cli-selects", "S"],
];

const verify: readonly Measurement[] = [
  ["floor-yaml", "S"],
  ["verify-cli", "S"],
  ["floor-yaml", "L"],
  ["verify-cli", "L"],
];

const wanted = process.argv.slice(2);
const repeat = Math.max(1, Number(process.env.BENCH_REPEAT ?? 1));
const chosen: Measurement[] = [];
if (wanted.length === 0) chosen.push(...classic, ...frontend, ...review, ...verify);
for (const w of wanted) {
  if (w === "frontend") chosen.push(...frontend);
  else if (w === "review") chosen.push(...review);
  else if (w === "verify") chosen.push(...verify);
  else if (w.startsWith("frontend:")) chosen.push(...frontend.filter(([, shape]) => shape === w.slice("frontend:".length)));
  else if (w.startsWith("verify:")) chosen.push(...verify.filter(([, shape]) => shape === w.slice("verify:".length)));
  else chosen.push(...classic.filter(([what, shape]) => w === what || w === shape || w === `${what}:${shape}`));
}
// Each measurement once (compile-cli on S and L is in both lists).
const selected = [...new Map(chosen.map((m) => [`${m[0]}:${m[1]}:${m[2] ?? ""}`, m])).values()];

interface Result {
  readonly what: string;
  readonly shape: string;
  readonly ms: number;
  readonly cpuMs: number;
  readonly maxRssMiB: number;
  readonly baseRssMiB?: number;
  readonly heapMiB?: number;
  readonly failed?: boolean;
}

function measure(what: string, shape: string, heapMiB = 6000): Result {
  const run = spawnSync(process.execPath, ["--import", "tsx", "--expose-gc", `--max-old-space-size=${heapMiB}`, "bench/measure.ts", what, shape], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 20,
  });
  if (run.status !== 0) {
    const why = run.signal ?? `exit ${run.status}`;
    process.stdout.write(`${JSON.stringify({ what, shape, heapMiB, failed: why })}\n`);
    return { what, shape, ms: NaN, cpuMs: NaN, maxRssMiB: NaN, heapMiB, failed: true };
  }
  process.stdout.write(run.stdout);
  const result = JSON.parse(run.stdout.trim().split("\n").pop() ?? "{}") as Result;
  return { ...result, heapMiB };
}

/** Measurements that read the validated model `prepare` writes, not the input files. */
const fromModel = new Set(["compile-lib", "incremental", "prepare"]);
const results: Result[] = [];
// Write the input files once, outside the timed processes.
for (const shape of new Set(selected.filter(([what]) => !fromModel.has(what) && what !== "lint-lib").map(([, s]) => s))) {
  measure("inputs", shape);
}
for (let round = 0; round < repeat; round++) {
  for (const [what, shape, heapMiB] of selected) {
    const s: ClusterShape | undefined = (shapes as Record<string, ClusterShape>)[shape];
    if (fromModel.has(what) && s && !existsSync(`bench/out/${s.name}/model.json`)) measure("prepare", shape);
    results.push(measure(what, shape, heapMiB));
  }
}
printTable(results);

/** The front end's figures against the floors of the same run (medians over the rounds). */
function printTable(all: readonly Result[]): void {
  const median = (xs: number[]): number => {
    const sorted = xs.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
    return sorted.length === 0 ? NaN : sorted[Math.floor((sorted.length - 1) / 2)]!;
  };
  interface Figure {
    readonly ms: number;
    readonly cpuMs: number;
    readonly rss: number;
    readonly baseRss: number;
    readonly failed: boolean;
  }
  const figure = (what: string, shape: string, heap?: number): Figure | undefined => {
    const rs = all.filter((r) => r.what === what && r.shape === shape && (heap === undefined || r.heapMiB === heap));
    if (rs.length === 0) return undefined;
    return {
      ms: median(rs.map((r) => r.ms)),
      cpuMs: median(rs.map((r) => r.cpuMs)),
      rss: median(rs.map((r) => r.maxRssMiB)),
      baseRss: median(rs.map((r) => r.baseRssMiB ?? NaN)),
      failed: rs.some((r) => r.failed),
    };
  };
  const ratio = (x: number, floor: number | undefined): string =>
    floor === undefined || Number.isNaN(x) || Number.isNaN(floor) ? "" : ` (${(x / floor).toFixed(2)}x)`;
  const row = (input: string, label: string, f: Figure, floor: Figure | undefined): string => {
    const grew = f.rss - f.baseRss;
    return `| ${input} | ${label} | ${f.failed ? "failed" : `${Math.round(f.ms)} ms${ratio(f.ms, floor?.ms)}`} | ${Math.round(f.cpuMs)} ms${ratio(f.cpuMs, floor?.cpuMs)} | ${Math.round(f.rss)} MiB${ratio(f.rss, floor?.rss)} | ${Number.isNaN(grew) ? "-" : `${Math.round(grew)} MiB${ratio(grew, floor ? floor.rss - floor.baseRss : undefined)}`} |`;
  };
  const lines: string[] = [];
  for (const shape of ["S", "L"]) {
    for (const format of ["yaml", "json"] as const) {
      const floor = figure(`floor-${format}`, shape);
      const rows: [string, Figure | undefined][] = [
        [`floor (read + ${format === "yaml" ? "js-yaml loadAll" : "JSON.parse"})`, floor],
        ["front end (read, load, validate)", figure(`front-${format}`, shape)],
        ["policyc compile", figure(format === "yaml" ? "compile-cli" : "compile-cli-json", shape)],
      ];
      if (format === "yaml") rows.push(["policyc lint, --max-old-space-size=2048", figure("lint-cli", shape, 2048)]);
      rows.push([`policyc explain (one flow; target 1 s)`, figure(format === "yaml" ? "explain-cli" : "explain-cli-json", shape)]);
      if (format === "yaml") rows.push(["policyc matrix --port 80/TCP (target 5 s)", figure("matrix-cli", shape)]);
      if (format === "yaml") rows.push(["policyc diff, one policy added (target 5 s)", figure("diff-cli", shape)]);
      if (format === "yaml") rows.push(["policyc diff, one policy added that selects 4 pods", figure("diff-cli-selects", shape)]);
      if (format === "yaml") rows.push([`policyc verify, tenant invariant with 3 doors (target ${shape === "S" ? "2" : "30"} s)`, figure("verify-cli", shape)]);
      for (const [label, f] of rows) if (f) lines.push(row(`${shape} ${format}`, label, f, floor));
    }
  }
  if (lines.length === 0) return;
  console.log(
    "\n| input | run | wall time (vs floor) | CPU time (vs floor) | peak RSS (vs floor) | RSS added by the run (vs floor) |\n" +
      `|---|---|---|---|---|---|\n${lines.join("\n")}`,
  );
  if (repeat > 1) console.log(`(medians of ${repeat} rounds)`);
}
