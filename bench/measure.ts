/**
 * One measurement, run in its own process so that its peak memory is its own:
 *   node --import tsx --expose-gc bench/measure.ts <what> <shape>
 * Prints one JSON line: {what, shape, ms, cpuMs, maxRssMiB, ...}.
 *
 * - `prepare` generates the shape, validates it (loadModelFromObjects) and writes the model as
 *   JSON to bench/out/<shape>/model.json (the model is plain data).
 * - `inputs` writes the shape's input files, bench/out/<shape>/cluster.yaml (one document per
 *   resource) and cluster.json (one List, as `kubectl get -o json` prints it), unless they are
 *   newer than the generator. The other measurements that read files write them first if needed.
 * - `floor-yaml`, `floor-json`: what any tool pays for the input file: reading it and parsing it
 *   with js-yaml's `loadAll` (the YAML parser policyc uses), or with `JSON.parse`.
 * - `front-yaml`, `front-json`: the CLI's front end on the same file (`loadCommandInputs`:
 *   reading, loading and validating into the model), without compiling.
 * - `compile-cli`, `compile-cli-json`, `lint-cli`: the CLI commands on the file, in process
 *   (`main`), as a user runs them.
 * - `diff-cli`: `policyc diff` of the YAML file against a copy with one more policy
 *   (bench/out/<shape>/changed/cluster.yaml): every port of TCP, UDP and SCTP, every ICMP type
 *   and code, and every other protocol. That policy
 *   selects no pod of S (no app-1 in ns-1), so no verdict can change; `diff-cli-selects` adds one
 *   that isolates app-14 in ns-1 (4 pods of S) instead (bench/out/<shape>/changed-selects/).
 * - `explain-cli`, `explain-cli-json`: `policyc explain` of one flow (ns-0/pod-0 to ns-1/pod-1,
 *   8080/TCP) on the YAML or JSON file, loading included. `matrix-cli`: `policyc matrix --port
 *   80/TCP` on the YAML file (text, every endpoint local; the output is counted, not kept).
 * - `verify-cli`: `policyc verify` of a tenant invariant with three doors (tenants by the
 *   namespaces' `team` label; bench/out/<shape>/invariants.yaml) on the YAML file.
 * - `compile-lib` is the library path with the objects already in memory: it reads that JSON,
 *   collects garbage, then times compileModel alone. `heapUsedMiB` is measured after compile
 *   (the IR still alive), `baseRssMiB` is the RSS before compiling (the model and the runtime),
 *   `maxRssMiB` the peak up to the end of that first compile. Then it compiles once more
 *   (`warmMs`, `warmCpuMs`, `warmMainThreadCpuMs`: the compiler already optimized by the JIT, as
 *   in a long-running agent); BENCH_WARM=0 skips that.
 * - `incremental` loads that model into the incremental compiler and times single changes of
 *   each type (see incremental.ts): per type, the median, 90th percentile and maximum CPU time
 *   of one update. BENCH_CHANGES (default 100) sets how many of each type.
 *
 * The file measurements record `baseRssMiB`, the RSS just before the timed section, so that
 * `maxRssMiB - baseRssMiB` is what the work itself added.
 *
 * `cpuMs` is user + system CPU time of the timed section (process.cpuUsage, all threads);
 * `mainThreadCpuMs` the JavaScript thread's alone (Linux). The machine this runs on is often
 * shared, so wall time (`ms`) includes waiting for a core; CPU time is the figure to compare
 * against targets.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { loadAll } from "js-yaml";
import { inputRequest, loadCommandInputs } from "../src/cli/commandInputs.js";
import { main } from "../src/cli/main.js";
import { tuneRuntimeFor } from "../src/cli/runtimeTuning.js";
import { compileModel } from "../src/compiler/compile.js";
import type { Model } from "../src/model/types.js";
import { loadModel, loadModelFromObjects } from "../src/model/loadModel.js";
import { generateJson, generateResources, generateYaml, localNode, shapes, type ClusterShape } from "./generateCluster.js";
import { measureIncremental } from "./incremental.js";

const [what, shapeName] = process.argv.slice(2);
const shape: ClusterShape | undefined = (shapes as Record<string, ClusterShape>)[shapeName ?? ""];
if (!what || !shape) {
  console.error("usage: measure.ts <prepare|inputs|floor-yaml|floor-json|front-yaml|front-json|lint-lib|lint-cli|compile-lib|compile-cli|compile-cli-json|explain-cli|explain-cli-json|matrix-cli|diff-cli|diff-cli-selects|verify-cli|incremental> <lint|S|L>");
  process.exit(2);
}

/** Where `prepare` writes the validated model of a shape. */
function modelPath(s: ClusterShape): string {
  return `bench/out/${s.name}/model.json`;
}

/** The shape's input file in `format`, written first when missing or older than the generator. */
function inputPath(s: ClusterShape, format: "yaml" | "json"): string {
  const path = `bench/out/${s.name}/cluster.${format}`;
  const generator = statSync(new URL("./generateCluster.ts", import.meta.url)).mtimeMs;
  if (!existsSync(path) || statSync(path).mtimeMs < generator) {
    mkdirSync(`bench/out/${s.name}`, { recursive: true });
    writeFileSync(path, format === "yaml" ? generateYaml(s) : generateJson(s));
  }
  return path;
}

const silent = { stdout: () => {}, stderr: () => {} };

/** The measurements that run a CLI command on the shape's file, and their command lines. */
const cliRuns = new Set(["lint-cli", "compile-cli", "compile-cli-json", "explain-cli", "explain-cli-json", "matrix-cli", "diff-cli", "diff-cli-selects", "verify-cli"]);

/** A tenant invariant with three doors (DNS and ops' team, the first app's HTTPS), for `verify-cli`. */
function invariantsPath(): string {
  const path = `bench/out/${shape!.name}/invariants.yaml`;
  mkdirSync(`bench/out/${shape!.name}`, { recursive: true });
  writeFileSync(
    path,
    `apiVersion: policyc.dev/v1alpha1
kind: IsolationInvariant
metadata: { name: teams-stay-apart }
spec:
  tenantLabel: team
  deny: cross-tenant
  except:
    - to: { namespaceSelector: "team == 'infra'" }
      ports: [ { protocol: UDP, port: 53 } ]
    - from: { namespaceSelector: "team == 'infra'" }
    - to: { selector: "app == 'app-0'" }
      ports: [ { protocol: TCP, port: 443 } ]
`,
  );
  return path;
}

/** The shape's YAML with one more policy (a Kubernetes NetworkPolicy isolating one app), for `diff-cli`. */
function changedPath(path: string, app = "app-1", dir = "changed"): string {
  const changed = `bench/out/${shape!.name}/${dir}/cluster.yaml`;
  if (!existsSync(changed) || statSync(changed).mtimeMs < statSync(path).mtimeMs) {
    mkdirSync(`bench/out/${shape!.name}/${dir}`, { recursive: true });
    const policy = `apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: bench-isolate\n  namespace: ns-1\nspec:\n  podSelector:\n    matchLabels:\n      app: ${app}\n  policyTypes: [Ingress]\n`;
    writeFileSync(changed, `${readFileSync(path, "utf8")}---\n${policy}`);
  }
  return changed;
}
function cliArgv(what: string, path: string): string[] {
  if (what === "lint-cli") return ["lint", path];
  if (what.startsWith("explain-cli")) return ["explain", "--from", "ns-0/pod-0", "--to", "ns-1/pod-1", "--port", "8080/TCP", path];
  if (what === "matrix-cli") return ["matrix", "--port", "80/TCP", path];
  if (what === "diff-cli") return ["diff", path, changedPath(path)];
  if (what === "diff-cli-selects") return ["diff", path, changedPath(path, "app-14", "changed-selects")];
  if (what === "verify-cli") return ["verify", "--invariants", invariantsPath(), path];
  return ["compile", "--node", localNode, "--out", `bench/out/${shape!.name}/rules`, path];
}
const extra: Record<string, number | string> = {};
const gc = (globalThis as { gc?: () => void }).gc;

/**
 * CPU time of the main (JavaScript) thread in ms, from Linux's /proc (clock ticks of 10 ms);
 * undefined elsewhere. process.cpuUsage counts every thread, including the garbage collector's
 * and the JIT compiler's helper threads, which run in parallel on a second core.
 */
function mainThreadCpuMs(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // After the command name: state is field 3, utime and stime are fields 14 and 15.
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * Collects garbage and records the RSS before a timed section (`baseRssMiB`: the runtime, tsx and
 * the modules, about 150 MiB, which every measurement's peak includes).
 */
function baseline(): void {
  gc?.();
  extra.baseRssMiB = round(process.memoryUsage().rss / 2 ** 20);
}

/** Times `f` in wall time, process CPU time and main-thread CPU time. */
function timed<T>(f: () => T): { value: T; ms: number; cpuMs: number } {
  const main0 = mainThreadCpuMs();
  const cpu = process.cpuUsage();
  const t = performance.now();
  const value = f();
  const ms = performance.now() - t;
  const d = process.cpuUsage(cpu);
  const main1 = mainThreadCpuMs();
  if (main0 !== undefined && main1 !== undefined) extra.mainThreadCpuMs = main1 - main0;
  return { value, ms, cpuMs: (d.user + d.system) / 1000 };
}

let ms = 0;
let cpuMs = 0;
let maxRssMiB: number | undefined;
if (what === "prepare") {
  const { model, diagnostics } = loadModelFromObjects(generateResources(shape));
  mkdirSync(`bench/out/${shape.name}`, { recursive: true });
  writeFileSync(modelPath(shape), JSON.stringify(model));
  extra.diagnostics = diagnostics.length;
  extra.resources = model.resources.length;
} else if (what === "lint-lib") {
  const yaml = generateYaml(shape);
  extra.yamlMiB = round(yaml.length / 2 ** 20);
  const r = timed(() => loadModel([{ path: `bench/out/${shape.name}/cluster.yaml`, text: yaml }]));
  ({ ms, cpuMs } = r);
  extra.diagnostics = r.value.diagnostics.length;
} else if (what === "compile-lib") {
  if (!existsSync(modelPath(shape))) {
    console.error(`${modelPath(shape)} is missing: run measure.ts prepare ${shapeName} first`);
    process.exit(2);
  }
  const model = JSON.parse(readFileSync(modelPath(shape), "utf8")) as Model;
  if (!gc) console.error("warning: run with --expose-gc for a clean baseline");
  gc?.();
  // Let the collector's concurrent sweeping after gc() finish before timing (its helper threads
  // would otherwise count in cpuMs).
  await new Promise((resolve) => setTimeout(resolve, 500));
  extra.baseRssMiB = round(process.memoryUsage().rss / 2 ** 20);
  const r = timed(() => compileModel(model, { node: localNode }));
  ({ ms, cpuMs } = r);
  const { ir } = r.value;
  extra.heapUsedMiB = round(process.memoryUsage().heapUsed / 2 ** 20);
  extra.v4Chains = ir.v4.tables.reduce((n, t) => n + t.chains.length, 0);
  extra.v4Rules = ir.v4.tables.reduce((n, t) => n + t.chains.reduce((m, c) => m + c.rules.length, 0), 0);
  extra.v4Sets = ir.v4.sets.length;
  extra.v4SetMembers = ir.v4.sets.reduce((n, s) => n + s.members.length, 0);
  maxRssMiB = round(process.resourceUsage().maxRSS / 1024);
  // A second compile in the same process: what a long-running agent pays once the JIT has
  // compiled the compiler (the cold figure above includes V8 optimizing it, on helper threads).
  if (process.env.BENCH_WARM !== "0") {
    gc?.();
    await new Promise((resolve) => setTimeout(resolve, 500));
    const mainCold = extra.mainThreadCpuMs;
    const w = timed(() => compileModel(model, { node: localNode }));
    extra.warmMs = Math.round(w.ms);
    extra.warmCpuMs = Math.round(w.cpuMs);
    if (extra.mainThreadCpuMs !== undefined) extra.warmMainThreadCpuMs = extra.mainThreadCpuMs;
    if (mainCold !== undefined) extra.mainThreadCpuMs = mainCold;
  }
} else if (what === "incremental") {
  if (!existsSync(modelPath(shape))) {
    console.error(`${modelPath(shape)} is missing: run measure.ts prepare ${shapeName} first`);
    process.exit(2);
  }
  const model = JSON.parse(readFileSync(modelPath(shape), "utf8")) as Model;
  gc?.();
  Object.assign(extra, measureIncremental(model, shape, Number(process.env.BENCH_CHANGES ?? 100), 10));
} else if (what === "inputs") {
  extra.yamlMiB = round(statSync(inputPath(shape, "yaml")).size / 2 ** 20);
  extra.jsonMiB = round(statSync(inputPath(shape, "json")).size / 2 ** 20);
} else if (what === "floor-yaml" || what === "floor-json") {
  const path = inputPath(shape, what === "floor-yaml" ? "yaml" : "json");
  baseline();
  const r = timed(() => {
    const text = readFileSync(path).toString("utf8");
    return what === "floor-yaml" ? loadAll(text).length : (JSON.parse(text) as { items: unknown[] }).items.length;
  });
  ({ ms, cpuMs } = r);
  extra.documents = r.value;
} else if (what === "front-yaml" || what === "front-json") {
  const path = inputPath(shape, what === "front-yaml" ? "yaml" : "json");
  baseline();
  const r = timed(() => loadCommandInputs(inputRequest({}, [path], silent), silent));
  ({ ms, cpuMs } = r);
  extra.resources = r.value.model.resources.length;
  extra.diagnostics = r.value.diagnostics.length;
} else if (cliRuns.has(what)) {
  const path = inputPath(shape, what.endsWith("-json") ? "json" : "yaml");
  extra.inputMiB = round(statSync(path).size / 2 ** 20);
  const argv = cliArgv(what, path);
  // The V8 settings `bin/policyc.js` gives the command (runProcess), so the figure is the CLI's.
  tuneRuntimeFor(argv[0]!);
  let outputBytes = 0;
  baseline();
  const main0 = mainThreadCpuMs();
  const cpu = process.cpuUsage();
  const t = performance.now();
  extra.exit = await main(argv, { stdout: (text) => void (outputBytes += text.length), stderr: () => {} });
  extra.outputMiB = round(outputBytes / 2 ** 20);
  ms = performance.now() - t;
  const d = process.cpuUsage(cpu);
  cpuMs = (d.user + d.system) / 1000;
  const main1 = mainThreadCpuMs();
  if (main0 !== undefined && main1 !== undefined) extra.mainThreadCpuMs = main1 - main0;
} else {
  console.error(`unknown measurement ${what}`);
  process.exit(2);
}

console.log(JSON.stringify({ what, shape: shape.name, ms: Math.round(ms), cpuMs: Math.round(cpuMs), maxRssMiB: maxRssMiB ?? round(process.resourceUsage().maxRSS / 1024), ...extra }));

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
