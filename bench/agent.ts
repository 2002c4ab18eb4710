/**
 * `npm run bench:agent [-- S|L ...]`: the node agent on a real etcd and a real kernel (needs root,
 * etcd, iptables, ipset). For each shape:
 *
 * 1. Generate the cluster (generateCluster.ts) plus a probe namespace: a client and a server pod
 *    on the local node and a NetworkPolicy letting `access: yes` pods reach the server's
 *    TCP 8080. Build the node (a netns with Calico-style veths to the two pod namespaces, and a
 *    "world" netns behind its uplink, test/e2e/topology.ts). etcd runs in the world netns, on an
 *    address the node routes to, so the agent reaches it as it would across a fabric.
 * 2. Load the cluster into etcd with `policyc datastore apply -f` (timed: the load), then wait
 *    until etcd is idle (`settle`): after a quarter of a million writes it keeps working for a
 *    while (raft snapshots and log compaction, bbolt commits, Go's collector returning memory),
 *    and an agent started then shares the two cores with that work. A real agent starts against
 *    an etcd at steady state, so the start-up is measured from there; the wait and etcd's CPU
 *    during it are reported (`etcdSettle`), so that a busy etcd shows.
 * 3. Start `policyc agent --node node-local` in the node netns (timed: start-up to its "in sync"
 *    log line; the kernel then holds the complete snapshot). etcd's own CPU time over the same
 *    span (`etcdCpuMsDuringStartup`: serving the listing, mostly) is read from /proc, and the
 *    agent's (`agentCpuMsDuringStartup`: its own, and the tools it ran), the figures that hold
 *    on a loaded machine.
 * 4. 100 changes, two of the client's `access` label (a pod label change, yes <-> no), then two
 *    of the `access` value the policy's rule admits (a policy rule change, yes <-> no), and so on:
 *    the client is admitted when the two agree, so every change flips its verdict (each kind half
 *    towards allow, half towards deny). Latency is from just before the etcd put to the start of the first probe
 *    that sees the new verdict and after which every probe sees it (at least CONFIRM of them).
 *    Probes start every PROBE_INTERVAL_MS without waiting for the one before (a denied probe
 *    costs its timeout, PROBE_TIMEOUT_MS, but does not hold up the next), so the resolution is
 *    the interval in both directions.
 * 5. The agent's peak memory (VmHWM of its process), its own latency histogram, its CPU time per
 *    change (with the tools it ran: the figure that holds on a loaded machine), and the slowest
 *    changes (which, of what kind, how long etcd took to answer the put, when), to find what the
 *    tail is made of; with BENCH_VERBOSE
 *    the agent logs at debug level (each apply's compile and apply times) and the log is printed;
 *    with BENCH_CPU_PROFILE=DIR the agent writes a V8 CPU profile there when it stops
 *    (bench/profileSummary.ts reads it).
 *
 * Prints one JSON object per shape. Figures only; nothing here asserts a time.
 * This file runs twice: outside (building and removing the namespaces), and inside the world
 * netns (`BENCH_AGENT_INSIDE`), where etcd and every etcd client live.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { dump } from "js-yaml";
import { podInterfaceName } from "../src/calico/names.js";
import { EtcdClient } from "../src/datastore/etcd.js";
import { toStoredResources } from "../src/datastore/toStored.js";
import { loadModelFromObjects } from "../src/model/loadModel.js";
import { createTopology, destroyTopology, UPLINK, type Topology } from "../test/e2e/topology.js";
import { startEtcd } from "../test/helpers/etcd.js";
import { generateResources, localNode, shapes, type ClusterShape } from "./generateCluster.js";

const PROBE_NS = "bench-probe";
const CLIENT_IP = "10.99.0.1";
const SERVER_IP = "10.99.0.2";
/** etcd's address in the world netns (the node routes everything beyond its pods there). */
const ETCD_HOST = "10.98.0.1";
const NODE_IP = "10.98.0.254";
const PORT = 8080;
const PROBE_TIMEOUT_MS = 20;
/** A probe starts this often while a change is awaited (see `until`). */
const PROBE_INTERVAL_MS = 2;
/** Probes in a row that must see the new verdict. */
const CONFIRM = 3;
const CHANGES = 100;
const CHANGE_TIMEOUT_MS = 30_000;

const pod = (name: string, ip: string, labels: Record<string, string>): object => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: PROBE_NS, labels },
  spec: { nodeName: localNode, containers: [{ name: "main", image: "x" }] },
  status: { podIP: ip },
});
/** The server's policy: TCP 8080 from pods whose `access` label is `admitted`. */
const policy = (admitted: string): object => ({
  apiVersion: "networking.k8s.io/v1",
  kind: "NetworkPolicy",
  metadata: { name: "server", namespace: PROBE_NS },
  spec: {
    podSelector: { matchLabels: { role: "server" } },
    policyTypes: ["Ingress"],
    ingress: [{ from: [{ podSelector: { matchLabels: { access: admitted } } }], ports: [{ protocol: "TCP", port: PORT }] }],
  },
});
const client = (access: string): object => pod("client", CLIENT_IP, { role: "client", access });
const probeResources = (): object[] => [
  { apiVersion: "v1", kind: "Namespace", metadata: { name: PROBE_NS } },
  client("yes"),
  pod("server", SERVER_IP, { role: "server" }),
  policy("yes"),
];

/** The etcd key and value of one resource, as `policyc datastore apply` writes it. */
function stored(doc: object): { key: string; value: string } {
  const { model } = loadModelFromObjects([doc]);
  const s = toStoredResources(model.resources, () => doc, "/calico").resources[0]!;
  return { key: s.key, value: JSON.stringify(s.value) };
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)] ?? NaN;
}
const round = (x: number): number => Math.round(x * 10) / 10;

/** A prober in the client's netns (test/e2e/agent.mjs serve, fed probe batches on stdin). */
function startProber(netns: string): { probe: () => Promise<boolean>; stop: () => void } {
  const child = spawn("ip", ["netns", "exec", netns, process.execPath, "test/e2e/agent.mjs", "serve"], { stdio: ["pipe", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const waiting = new Map<number, (r: boolean) => void>();
  lines.on("line", (line) => {
    if (line === "ready") return;
    const { id, results } = JSON.parse(line) as { id: number; results: boolean[] };
    waiting.get(id)?.(results[0] === true);
    waiting.delete(id);
  });
  let next = 0;
  return {
    probe: () =>
      new Promise<boolean>((resolve) => {
        const id = next++;
        waiting.set(id, resolve);
        child.stdin!.write(`${JSON.stringify({ id, probes: [{ ip: SERVER_IP, port: PORT, proto: "tcp" }], timeoutMs: PROBE_TIMEOUT_MS })}\n`);
      }),
    stop: () => child.kill("SIGKILL"),
  };
}

/**
 * Starts a probe every PROBE_INTERVAL_MS (each with its own timeout, overlapping) until the probes
 * started from some point on, all of them answered and at least CONFIRM, give `want`; returns
 * when the first of those started. Undefined past `deadline`.
 */
function until(probe: () => Promise<boolean>, want: boolean, deadline: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const starts: number[] = [];
    const results: (boolean | undefined)[] = [];
    let over = false;
    /** Probes 0..complete-1 have all answered. */
    let complete = 0;
    const finish = (at: number | undefined): void => {
      if (over) return;
      over = true;
      clearInterval(timer);
      resolve(at);
    };
    const check = (): void => {
      while (complete < results.length && results[complete] !== undefined) complete++;
      let first = complete;
      while (first > 0 && results[first - 1] === want) first--;
      if (complete - first >= CONFIRM) finish(starts[first]);
    };
    const launch = (): void => {
      if (over) return;
      if (performance.now() >= deadline) return finish(undefined);
      const i = starts.length;
      starts.push(performance.now());
      results.push(undefined);
      void probe().then((got) => {
        results[i] = got;
        check();
      });
    };
    const timer = setInterval(launch, PROBE_INTERVAL_MS);
    launch();
  });
}

/**
 * CPU time of a process and of its children it has waited for (the tools the agent runs), in ms:
 * utime + stime + cutime + cstime of /proc/PID/stat. Unlike wall time, it does not grow with the
 * load of a shared machine.
 */
function cpuMs(pid: number): { own: number; tools: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  // After the command: state is field 3; utime..cstime are fields 14..17 (proc(5)).
  const ms = (i: number): number => (Number(fields[i]) * 1000) / CLOCK_TICKS;
  return { own: ms(11) + ms(12), tools: ms(13) + ms(14) };
}
/** sysconf(_SC_CLK_TCK): 100 on Linux. */
const CLOCK_TICKS = 100;

/** `settle` reads etcd's CPU this often... */
const SETTLE_STEP_MS = 1000;
/** ...until one step spent at most this much CPU (2% of a core): etcd is idle... */
const SETTLE_IDLE_CPU_MS = 20;
/** ...or this long has passed (the start-up is then measured against a busy etcd, and it shows). */
const SETTLE_MAX_MS = 60_000;

/**
 * Waits until etcd is idle (see step 2 of the header). Returns how long that took, etcd's CPU
 * during the wait, and its CPU in each step (ms), so that a run can be told apart from one where
 * etcd was still busy when the agent started.
 */
async function settle(pid: number): Promise<{ ms: number; cpuMs: number; idle: boolean; cpuMsPerStep: number[] }> {
  const t0 = performance.now();
  const first = cpuMs(pid).own;
  let last = first;
  const steps: number[] = [];
  let idle = false;
  while (!idle && performance.now() - t0 < SETTLE_MAX_MS) {
    await new Promise((r) => setTimeout(r, SETTLE_STEP_MS));
    const now = cpuMs(pid).own;
    steps.push(Math.round(now - last));
    idle = now - last <= SETTLE_IDLE_CPU_MS;
    last = now;
  }
  return { ms: Math.round(performance.now() - t0), cpuMs: Math.round(last - first), idle, cpuMsPerStep: steps };
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? round(Number(m[1]) / 1024) : NaN;
}

async function inside(shape: ClusterShape, topology: Topology): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "policyc-bench-agent-"));
  const etcd = await startEtcd({ host: ETCD_HOST, flags: ["--quota-backend-bytes", String(8 * 2 ** 30)] });
  let agent: ChildProcess | undefined;
  let prober: ReturnType<typeof startProber> | undefined;
  const serverNs = topology.hosts.find((h) => h.id === `${PROBE_NS}/server`)!.netns;
  const clientNs = topology.hosts.find((h) => h.id === `${PROBE_NS}/client`)!.netns;
  const server = spawn("ip", ["netns", "exec", serverNs, process.execPath, "test/e2e/agent.mjs", "serve", "--tcp", String(PORT)], {
    // Its standard input stays open: agent.mjs serve ends when it closes.
    stdio: ["pipe", "ignore", "inherit"],
  });
  try {
    const file = join(dir, "cluster.yaml");
    const docs = [...generateResources(shape), ...probeResources()];
    writeFileSync(file, docs.map((d) => dump(d, { lineWidth: -1, noRefs: true })).join("---\n"));
    const t0 = performance.now();
    const load = spawnSync(process.execPath, ["bin/policyc.js", "datastore", "apply", "-f", file, "--etcd-endpoints", etcd.endpoint], { encoding: "utf8", maxBuffer: 2 ** 28 });
    const loadMs = performance.now() - t0;
    if (load.status !== 0) throw new Error(`datastore apply failed: ${load.stderr}`);
    const etcdSettle = await settle(etcd.pid!);

    const etcdCpuBefore = cpuMs(etcd.pid!).own;
    const t1 = performance.now();
    agent = spawn("ip", ["netns", "exec", topology.node, process.execPath, ...(process.env.BENCH_CPU_PROFILE ? ["--cpu-prof", "--cpu-prof-dir", process.env.BENCH_CPU_PROFILE] : []), "bin/policyc.js", "agent", "--node", localNode, "--etcd-endpoints", etcd.endpoint, "--log-format", "json", "--lock-file", join(dir, "lock"), "--health-listen", "127.0.0.1:9099", ...(process.env.BENCH_VERBOSE ? ["--log-level", "debug"] : [])], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    const log: string[] = [];
    const inSync = new Promise<number>((resolve, reject) => {
      createInterface({ input: agent!.stderr! }).on("line", (line) => {
        log.push(line);
        if (line.includes('"in sync"')) resolve(performance.now());
      });
      agent!.once("exit", (code) => reject(new Error(`the agent exited with ${code}:\n${log.join("\n")}`)));
    });
    const startupMs = (await inSync) - t1;
    const etcdCpuMsDuringStartup = Math.round(cpuMs(etcd.pid!).own - etcdCpuBefore);
    const startupCpu = cpuMs(agent.pid!);
    const agentCpuMsDuringStartup = { own: Math.round(startupCpu.own), tools: Math.round(startupCpu.tools) };
    const startupRssMiB = peakRssMiB(agent.pid!);

    prober = startProber(clientNs);
    const client0 = new EtcdClient({ endpoints: [etcd.endpoint] });
    if ((await until(prober.probe, true, performance.now() + 10_000)) === undefined) {
      const rules = spawnSync("ip", ["netns", "exec", topology.node, "iptables-save", "-c"], { encoding: "utf8" }).stdout;
      const curl = spawnSync("ip", ["netns", "exec", clientNs, "curl", "-sS", "-m", "2", `http://${SERVER_IP}:${PORT}/`], { encoding: "utf8" });
      throw new Error(`the client cannot reach the server after start-up (curl: ${curl.stderr}${curl.stdout})\n${rules}\n${log.join("\n")}`);
    }
    const latencies: Record<"label" | "policy", number[]> = { label: [], policy: [] };
    const changes: { i: number; kind: "label" | "policy"; towards: "allow" | "deny"; ms: number; putMs: number; at: string }[] = [];
    const cpuBefore = cpuMs(agent.pid!);
    let access = "yes";
    let admitted = "yes";
    let missed = 0;
    for (let i = 0; i < CHANGES; i++) {
      // Two label changes, then two policy changes: each kind flips the verdict both ways.
      const kind = Math.floor(i / 2) % 2 === 0 ? "label" : "policy";
      if (kind === "label") access = access === "yes" ? "no" : "yes";
      else admitted = admitted === "yes" ? "no" : "yes";
      const want = access === admitted;
      const { key, value } = stored(kind === "label" ? client(access) : policy(admitted));
      const start = performance.now();
      const at = new Date().toISOString();
      await client0.put(key, value);
      const putMs = round(performance.now() - start);
      const seen = await until(prober.probe, want, start + CHANGE_TIMEOUT_MS);
      if (seen === undefined) missed++;
      else {
        latencies[kind].push(seen - start);
        changes.push({ i, kind, towards: want ? "allow" : "deny", ms: round(seen - start), putMs, at });
      }
      // Let the last probes of this change time out before the next change starts.
      await new Promise((r) => setTimeout(r, PROBE_TIMEOUT_MS + 5));
    }
    const all = [...latencies.label, ...latencies.policy];
    const cpuAfter = cpuMs(agent.pid!);
    const agentCpuMsPerChange = { own: round((cpuAfter.own - cpuBefore.own) / CHANGES), tools: round((cpuAfter.tools - cpuBefore.tools) / CHANGES) };
    const towards = (t: "allow" | "deny"): number[] => changes.filter((c) => c.towards === t).map((c) => c.ms);
    const metrics = spawnSync("ip", ["netns", "exec", topology.node, "curl", "-s", "http://127.0.0.1:9099/metrics"], { encoding: "utf8" }).stdout;
    const count = /policyc_programming_latency_seconds_count (\d+)/.exec(metrics)?.[1];
    const sum = /policyc_programming_latency_seconds_sum ([\d.e+-]+)/.exec(metrics)?.[1];
    client0.close();
    if (process.env.BENCH_VERBOSE) console.error(log.join("\n"));
    console.log(
      JSON.stringify({
        shape: shape.name,
        documents: docs.length,
        loadIntoEtcdMs: Math.round(loadMs),
        etcdSettle,
        startupMs: Math.round(startupMs),
        startupPeakRssMiB: startupRssMiB,
        etcdCpuMsDuringStartup,
        agentCpuMsDuringStartup,
        latencyMs: {
          changes: all.length,
          missed,
          p50: round(quantile(all, 0.5)),
          p99: round(quantile(all, 0.99)),
          label: { p50: round(quantile(latencies.label, 0.5)), p99: round(quantile(latencies.label, 0.99)) },
          policy: { p50: round(quantile(latencies.policy, 0.5)), p99: round(quantile(latencies.policy, 0.99)) },
          allow: { p50: round(quantile(towards("allow"), 0.5)), p99: round(quantile(towards("allow"), 0.99)) },
          deny: { p50: round(quantile(towards("deny"), 0.5)), p99: round(quantile(towards("deny"), 0.99)) },
          probeTimeoutMs: PROBE_TIMEOUT_MS,
          probeIntervalMs: PROBE_INTERVAL_MS,
          slowest: [...changes].sort((a, b) => b.ms - a.ms).slice(0, 5),
        },
        agentCpuMsPerChange,
        agentMeanProgrammingMs: count && sum ? round((Number(sum) / Number(count)) * 1000) : undefined,
        agentPeakRssMiB: peakRssMiB(agent.pid!),
      }),
    );
  } finally {
    prober?.stop();
    server.kill("SIGKILL");
    agent?.kill("SIGTERM");
    // A CPU profile is written as the agent exits.
    if (agent && agent.exitCode === null && process.env.BENCH_CPU_PROFILE) await new Promise((r) => agent!.once("exit", r));
    await etcd.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The probe pods alone with a small cluster: a quick check that the bench itself works. */
const XS: ClusterShape = { name: "XS", namespaces: 3, pods: 30, localPods: 3, policies: 10 };
const shapeNamed = (name: string): ClusterShape | undefined => (name === "XS" ? XS : (shapes as Record<string, ClusterShape>)[name]);

async function outside(names: readonly string[]): Promise<void> {
  for (const name of names) {
    const shape = shapeNamed(name);
    if (!shape) throw new Error(`unknown shape ${name}; S, L or XS`);
    const topology = await createTopology({
      local: [
        { id: `${PROBE_NS}/client`, iface: podInterfaceName(PROBE_NS, "client"), ipv4: CLIENT_IP },
        { id: `${PROBE_NS}/server`, iface: podInterfaceName(PROBE_NS, "server"), ipv4: SERVER_IP },
      ],
      remote: [{ id: "etcd", ipv4: ETCD_HOST }],
    });
    try {
      // The node's own address, from which the agent reaches etcd (pod-facing links have none).
      spawnSync("ip", ["-n", topology.node, "addr", "add", `${NODE_IP}/32`, "dev", UPLINK], { stdio: "inherit" });
      const run = spawnSync("ip", ["netns", "exec", topology.world, process.execPath, "--import", "tsx", "--max-old-space-size=6000", "bench/agent.ts", name], {
        stdio: ["ignore", "inherit", "inherit"],
        env: { ...process.env, BENCH_AGENT_INSIDE: JSON.stringify(topology) },
      });
      if (run.status !== 0) console.log(JSON.stringify({ shape: name, failed: run.status }));
    } finally {
      await destroyTopology(topology);
    }
  }
}

const args = process.argv.slice(2);
if (process.env.BENCH_AGENT_INSIDE) {
  await inside(shapeNamed(args[0]!)!, JSON.parse(process.env.BENCH_AGENT_INSIDE) as Topology);
} else {
  if (process.getuid?.() !== 0) {
    console.error("bench:agent needs root (network namespaces, iptables) and etcd");
    process.exit(2);
  }
  await outside(args.length > 0 ? args : ["S", "L"]);
}
