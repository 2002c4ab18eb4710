/**
 * `tsx bench/agentStartup.ts [S|L|XS] [iptables|nftables]`: the agent's start-up, measured in CPU
 * time and memory without etcd and without the kernel, so that the figures hold on a shared,
 * loaded machine (wall time there is mostly waiting for a core).
 *
 * 1. The shape (generateCluster.ts) is converted as `policyc datastore apply` stores it
 *    (toStored.ts, with the `uid` and `creationTimestamp` that store.ts adds) and written, sorted by
 *    key, to bench/out/<shape>/etcd-listing.json (kept while newer than the generator).
 * 2. A child process serves that listing as etcd serves `etcdserverpb.KV/Range` over gRPC (h2c,
 *    protobuf, `limit`, `more`, one revision), so that the agent's own etcd client reads it over
 *    HTTP/2 as it reads etcd, and the server's memory is not the agent's. (Until the client read
 *    ranges over gRPC, this served etcd's JSON gateway, `/v3/kv/range`; the output's `transport`
 *    says which, so that figures from before and after can be told apart.)
 * 3. `floor`, in its own process: the same client reads the listing, then `JSON.parse` of every
 *    value, keeping the parsed values (what any agent holding the cluster pays at least).
 * 4. `agent`, in its own process: `startAgent` itself with `once`, the real client, the agent's
 *    store and incremental compiler, and an applier that builds the desired state against an empty
 *    kernel view (`planForEmptyNode`, as `compile --dry-run` does) instead of reading and writing
 *    the kernel. Phases: `list` (until the listing has arrived), `store` (until the compile
 *    starts: decoding and validating every value), `compile`, `plan`. When the agent takes the
 *    listing page by page, it decodes and validates each page as it arrives, within `list`:
 *    `storeDuringList` says how much of `list` that was.
 *
 * Per phase: CPU ms of the process (all threads: includes the collector's helpers) and of the main
 * thread alone, the live heap and RSS at its end, and the peak RSS so far. Totals are also given as
 * ratios to the floor. With BENCH_HEAP_PROFILE=N, the agent samples its heap (V8's sampling heap
 * profiler) and prints the N allocation sites holding the most live memory when the compile ends
 * (the listing, the store and the IR all alive) and when the plan ends. With BENCH_CPU_PROFILE=DIR,
 * the agent's process writes a V8 CPU profile there (`node --cpu-prof`; bench/profileSummary.ts
 * reads it). BENCH_MAX_OLD_SPACE=MiB runs both processes with `--max-old-space-size`. With
 * BENCH_DUMP_PLAN=DIR, the agent writes each plan step's input there, to time the tools by hand.
 *
 * Prints one JSON object. Wall times are given for context only.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, constants as h2, type ServerHttp2Stream } from "node:http2";
import { Session } from "node:inspector/promises";
import type { AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import { incrementalCompiler } from "../src/agent/compilers.js";
import { startAgent, type AgentCompiler } from "../src/agent/agent.js";
import { planForEmptyNode } from "../src/apply/index.js";
import { EtcdClient } from "../src/datastore/etcd.js";
import { decodeRangeRequest, encodeRangeResponse } from "../src/datastore/etcdProto.js";
import { grpcFrame, grpcUnframe } from "../src/datastore/grpc.js";
import { DEFAULT_PREFIX, resourcesPrefix } from "../src/datastore/keys.js";
import { toStoredResources } from "../src/datastore/toStored.js";
import { loadModelFromObjects } from "../src/model/loadModel.js";
import { generateResources, localNode, shapes, type ClusterShape } from "./generateCluster.js";

const XS: ClusterShape = { name: "XS", namespaces: 3, pods: 300, localPods: 30, policies: 100 };
const shapeNamed = (name: string): ClusterShape | undefined => (name === "XS" ? XS : (shapes as Record<string, ClusterShape>)[name]);
const round = (x: number): number => Math.round(x * 10) / 10;
const mib = (bytes: number): number => round(bytes / 2 ** 20);

/** The shape's listing, sorted by key (etcd's order), written first when missing or stale. */
function listingPath(shape: ClusterShape): string {
  const path = `bench/out/${shape.name}/etcd-listing.json`;
  const generator = Math.max(statSync(new URL("./generateCluster.ts", import.meta.url)).mtimeMs, statSync(new URL("../src/datastore/toStored.ts", import.meta.url)).mtimeMs);
  if (existsSync(path) && statSync(path).mtimeMs >= generator) return path;
  const docs = generateResources(shape);
  const { model } = loadModelFromObjects(docs);
  const stored = toStoredResources(model.resources, (r) => docs[r.origin.document], DEFAULT_PREFIX).resources;
  const at = "2026-01-01T00:00:00Z";
  const kvs = stored.map((s, i): [string, string] => {
    const meta = (s.value.metadata ?? {}) as Record<string, unknown>;
    const uid = `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`;
    return [s.key, JSON.stringify({ ...s.value, metadata: { ...meta, uid, creationTimestamp: at } })];
  });
  kvs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  mkdirSync(`bench/out/${shape.name}`, { recursive: true });
  writeFileSync(path, JSON.stringify(kvs));
  return path;
}

/** The transport the stand-in serves and the client reads ranges over (printed with the figures). */
const TRANSPORT = "grpc";

/** etcd's gRPC API, `etcdserverpb.KV/Range` only (h2c), over a fixed listing at one revision. */
function serveEtcd(path: string): void {
  const kvs = JSON.parse(readFileSync(path, "utf8")) as [string, string][];
  const revision = kvs.length + 1;
  /** The first index whose key is at or after `key` (the listing's keys are ASCII: string order is byte order). */
  const lowerBound = (key: string): number => {
    let lo = 0;
    let hi = kvs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (kvs[mid]![0] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const answer = (stream: ServerHttp2Stream, status: number, message?: Buffer): void => {
    stream.respond({ [h2.HTTP2_HEADER_STATUS]: 200, [h2.HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(status) }));
    stream.end(message ? grpcFrame(message) : undefined);
  };
  const server = createServer();
  server.on("stream", (stream, headers) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      // 12: UNIMPLEMENTED (grpc/grpc doc/statuscodes.md).
      if (headers[h2.HTTP2_HEADER_PATH] !== "/etcdserverpb.KV/Range") return answer(stream, 12);
      const req = decodeRangeRequest(grpcUnframe(Buffer.concat(chunks)) ?? Buffer.alloc(0));
      const from = lowerBound(req.key.toString("utf8"));
      const end = req.rangeEnd.length === 0 ? from + 1 : lowerBound(req.rangeEnd.toString("utf8"));
      const limit = req.limit > 0 ? req.limit : end - from;
      const page = kvs.slice(from, Math.min(end, from + limit));
      const out = encodeRangeResponse({
        revision,
        kvs: page.map(([key, value], i) => ({ key, value, createRevision: from + i + 1, modRevision: from + i + 1, version: 1 })),
        more: from + page.length < end,
        count: end - from,
      });
      answer(stream, 0, out);
    });
  });
  server.listen(0, "127.0.0.1", () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}

/** CPU time of the main thread in ms (Linux, clock ticks of 10 ms); see measure.ts. */
function mainThreadCpuMs(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return NaN;
  }
}

interface Phase {
  readonly phase: string;
  readonly cpuMs: number;
  readonly mainThreadCpuMs: number;
  readonly wallMs: number;
  readonly heapUsedMiB: number;
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

/** Records phases one after another: each from the end of the previous one. */
function phases(): { mark: (name: string) => void; readonly list: Phase[] } {
  const list: Phase[] = [];
  let cpu = process.cpuUsage();
  let main = mainThreadCpuMs();
  let wall = performance.now();
  return {
    list,
    mark(phase) {
      const d = process.cpuUsage(cpu);
      const m = mainThreadCpuMs();
      const mem = process.memoryUsage();
      list.push({
        phase,
        cpuMs: Math.round((d.user + d.system) / 1000),
        mainThreadCpuMs: m - main,
        wallMs: Math.round(performance.now() - wall),
        heapUsedMiB: mib(mem.heapUsed),
        rssMiB: mib(mem.rss),
        peakRssMiB: round(process.resourceUsage().maxRSS / 1024),
      });
      cpu = process.cpuUsage();
      main = mainThreadCpuMs();
      wall = performance.now();
    },
  };
}

interface SamplingNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly SamplingNode[];
}

/** The `n` allocation sites (function and line) holding the most sampled live memory. */
function topSites(head: SamplingNode, n: number): { site: string; MiB: number }[] {
  const bySite = new Map<string, number>();
  const walk = (node: SamplingNode): void => {
    const f = node.callFrame;
    const site = `${f.functionName || "(anonymous)"} ${f.url.replace(/^.*\/(src|bench|node_modules)\//, "$1/")}:${f.lineNumber + 1}`;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c);
  };
  walk(head);
  return [...bySite.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([site, bytes]) => ({ site, MiB: mib(bytes) }));
}

async function floor(endpoint: string): Promise<void> {
  const p = phases();
  const etcd = new EtcdClient({ endpoints: [endpoint], timeoutMs: 600_000 });
  const listing = await etcd.rangePrefix(resourcesPrefix(DEFAULT_PREFIX));
  p.mark("list");
  const parsed = listing.kvs.map((kv) => JSON.parse(kv.value) as unknown);
  p.mark("parse");
  etcd.close();
  console.log(JSON.stringify({ values: parsed.length, phases: p.list }));
}

async function agent(endpoint: string, backend: "iptables" | "nftables"): Promise<void> {
  const topN = Number(process.env.BENCH_HEAP_PROFILE ?? 0);
  const session = topN > 0 ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("HeapProfiler.startSampling", { samplingInterval: 64 * 1024 });
  }
  const heap: Record<string, { site: string; MiB: number }[]> = {};
  const snapshot = async (at: string): Promise<void> => {
    if (!session) return;
    const { profile } = await session.post("HeapProfiler.getSamplingProfile");
    heap[at] = topSites(profile.head as SamplingNode, topN);
  };
  const p = phases();
  const client = new EtcdClient({ endpoints: [endpoint], timeoutMs: 600_000 });
  const inner = incrementalCompiler(localNode);
  let findings = 0;
  const pages = { count: 0, cpuMs: 0, mainThreadCpuMs: 0 };
  let keys = 0;
  let rules = 0;
  const compiler: AgentCompiler = {
    compile(store, changed) {
      p.mark("store");
      keys = changed.size;
      const out = inner.compile(store, changed);
      p.mark("compile");
      findings = out.diagnostics.length;
      return out;
    },
  };
  let afterCompile: Promise<void> = Promise.resolve();
  const handle = startAgent(
    { node: localNode, prefix: DEFAULT_PREFIX, once: true },
    {
      etcd: {
        async rangePrefix(prefix, options) {
          // The time the agent spends on each page it is handed (parsing it into the store).
          const onPage = options?.onPage;
          const timed = onPage
            ? (kvs: Parameters<typeof onPage>[0]): void => {
                const c = process.cpuUsage();
                const m = mainThreadCpuMs();
                onPage(kvs);
                const d = process.cpuUsage(c);
                pages.cpuMs += (d.user + d.system) / 1000;
                pages.mainThreadCpuMs += mainThreadCpuMs() - m;
                pages.count++;
              }
            : undefined;
          const listing = await client.rangePrefix(prefix, { ...options, ...(timed ? { onPage: timed } : {}) });
          p.mark("list");
          return listing;
        },
        watchPrefix: () => ({ close() {} }),
      },
      compiler,
      applier: {
        async apply(ir) {
          await (afterCompile = snapshot("compiled"));
          // The profiler's own work is not the plan's.
          p.mark("profile");
          const plan = planForEmptyNode(ir, { backend });
          rules = plan.steps.length;
          p.mark("plan");
          // The tools' inputs, to time them against a kernel by hand (not part of the figures).
          const dump = process.env.BENCH_DUMP_PLAN;
          if (dump) plan.steps.forEach((s, i) => writeFileSync(`${dump}/${i}-${s.label.replace(/\W+/g, "-")}.txt`, s.stdin));
          await snapshot("planned");
          return { ok: true, changed: true, notes: [] };
        },
        invalidate() {},
      },
      clock: { now: () => Date.now(), setTimeout: (f, ms) => setTimeout(f, ms), clearTimeout: (t) => clearTimeout(t as NodeJS.Timeout) },
      // Warnings and errors only (a failed listing says why here).
      logger: { log: (level, message, fields) => void (level === "warn" || level === "error" ? console.error(level, message, JSON.stringify(fields ?? {})) : undefined) },
    },
  );
  await handle.done;
  await afterCompile;
  client.close();
  const kept = p.list.filter((x) => x.phase !== "profile");
  const storeDuringList = { pages: pages.count, cpuMs: Math.round(pages.cpuMs), mainThreadCpuMs: pages.mainThreadCpuMs };
  console.log(JSON.stringify({ keys, findings, planSteps: rules, storeDuringList, phases: kept, ...(session ? { heap } : {}) }));
  session?.disconnect();
}

/** Runs this file in a child process with `args`; resolves with its JSON line. */
function child(args: readonly string[], nodeFlags: readonly string[] = []): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...nodeFlags, "--import", "tsx", "bench/agentStartup.ts", ...args], { stdio: ["ignore", "pipe", "inherit"] });
    const out: string[] = [];
    c.stdout.on("data", (d: Buffer) => out.push(d.toString("utf8")));
    c.on("exit", (code) => {
      if (code !== 0) reject(new Error(`${args[0]} exited with ${code}`));
      else resolve(JSON.parse(out.join("").trim().split("\n").pop()!) as Record<string, unknown>);
    });
  });
}

function total(result: Record<string, unknown>): { cpuMs: number; mainThreadCpuMs: number; peakRssMiB: number } {
  const list = result.phases as Phase[];
  return {
    cpuMs: list.reduce((n, x) => n + x.cpuMs, 0),
    mainThreadCpuMs: list.reduce((n, x) => n + x.mainThreadCpuMs, 0),
    peakRssMiB: Math.max(...list.map((x) => x.peakRssMiB)),
  };
}

async function outside(shape: ClusterShape, backend: "iptables" | "nftables"): Promise<void> {
  const path = listingPath(shape);
  const standIn: ChildProcess = spawn(process.execPath, ["--import", "tsx", "bench/agentStartup.ts", "etcd", path], { stdio: ["pipe", "pipe", "inherit"] });
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      createInterface({ input: standIn.stdout! }).once("line", resolve);
      standIn.once("exit", (code) => reject(new Error(`the stand-in etcd exited with ${code}`)));
    });
    const heapFlag = process.env.BENCH_MAX_OLD_SPACE ? [`--max-old-space-size=${process.env.BENCH_MAX_OLD_SPACE}`] : [];
    const floorRun = await child(["floor", endpoint], heapFlag);
    const cpuProfile = process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROFILE] : [];
    const agentRun = await child(["agent", endpoint, backend], [...heapFlag, ...cpuProfile]);
    const f = total(floorRun);
    const a = total(agentRun);
    console.log(
      JSON.stringify(
        {
          shape: shape.name,
          backend,
          transport: TRANSPORT,
          listingMiB: mib(statSync(path).size),
          ...(heapFlag.length > 0 ? { maxOldSpaceMiB: Number(process.env.BENCH_MAX_OLD_SPACE) } : {}),
          floor: { ...floorRun, total: f },
          agent: { ...agentRun, total: a },
          ratio: { cpu: round(a.cpuMs / f.cpuMs), mainThreadCpu: round(a.mainThreadCpuMs / f.mainThreadCpuMs), peakRss: round(a.peakRssMiB / f.peakRssMiB) },
        },
        null,
        process.env.BENCH_COMPACT ? undefined : 1,
      ),
    );
  } finally {
    standIn.stdin!.end();
  }
}

const [mode, ...rest] = process.argv.slice(2);
const backendOf = (s: string | undefined): "iptables" | "nftables" => (s === "nftables" ? "nftables" : "iptables");
if (mode === "etcd") serveEtcd(rest[0]!);
else if (mode === "floor") await floor(rest[0]!);
else if (mode === "agent") await agent(rest[0]!, backendOf(rest[1]));
else {
  const shape = shapeNamed(mode ?? "L");
  if (!shape) {
    console.error("usage: agentStartup.ts [S|L|XS] [iptables|nftables]");
    process.exit(2);
  }
  await outside(shape, backendOf(rest[0]));
}
