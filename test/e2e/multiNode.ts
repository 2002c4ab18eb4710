/**
 * A Calico cluster of several nodes on one machine, for the `policyc agent` end-to-end suites
 * (multiNode*.test.ts): network namespaces for a fabric, the nodes and the pods, a real etcd on
 * the fabric, one `policyc agent` per node, and probes between pods.
 *
 * - The fabric: one netns holding a Linux bridge `br0` with 192.168.100.254/24 (etcd listens
 *   there). Each node has a veth `eth0` on the bridge with 192.168.100.<i>/24.
 * - A node: forwarding on, a default route to the fabric (so that proxy ARP answers for
 *   169.254.1.1, as in topology.ts), and its pod block 10.65.<i>.0/26 as a blackhole route
 *   (Calico's IPAM block route). Other nodes' blocks are routed as Calico routes them:
 *   - `bgp`: BGP on one L2 fabric (what BIRD installs): `10.65.<j>.0/26 via 192.168.100.<j> dev eth0`;
 *   - `vxlan`: Calico's VXLAN mode: a `vxlan.calico` device per node (VNI 4096, UDP 4789, MTU
 *     1450, local = the fabric address), the tunnel address 10.65.<i>.0/32 on it, and for each
 *     other node a permanent neighbour entry (its tunnel address -> its VTEP MAC), a forwarding
 *     entry (its MAC -> its fabric address) and `10.65.<j>.0/26 via 10.65.<j>.0 dev vxlan.calico onlink`.
 * - A pod: its own netns, as topology.ts makes them: a veth whose node side has the name Calico's
 *   CNI gives it (`cali` + 11 hex, calicoPodInterface: computed here independently of policyc,
 *   which must write the same `interfaceName` into the WorkloadEndpoint) and Calico's MAC, proxy
 *   ARP with no delay and strict rp_filter; the pod side `eth0` with its /32 and a default route
 *   via 169.254.1.1; the node routes the /32 to the veth.
 *
 * Every command is one line of a bash script (fast, and a failure names its line). Names start
 * with `pcm<4 hex>` so parallel suites never collide.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EtcdClient } from "../../src/datastore/etcd.js";
import { forwardToUnixSocket, startEtcd, type TestEtcd } from "../helpers/etcd.js";
import { runCli } from "../helpers/runCli.js";
import { compareMatrices, formatMismatches } from "./compareMatrices.js";
import { calicoPodInterface } from "./conformance.js";
import { inNetns, iptablesTools, kernelCheck, run } from "./kernel.js";
import { matrixKey, parsePortKey, startAgents, type Agents, type Matrices, type PortSpec } from "./probe.js";
import { HOST_MAC, GATEWAY4, type Host } from "./topology.js";

export type RouteMode = "bgp" | "vxlan";

export interface PodSpec {
  readonly namespace: string;
  readonly name: string;
  /** `node-<i>`. */
  readonly node: string;
  readonly ip: string;
  readonly labels: Readonly<Record<string, string>>;
}

export interface ClusterSpec {
  readonly mode: RouteMode;
  /** Node names, `node-1` ... `node-<n>` (the index gives the node's addresses). */
  readonly nodes: readonly string[];
  readonly pods: readonly PodSpec[];
}

export const FABRIC_PREFIX = "192.168.100";
/** The fabric's own address, on the bridge: etcd listens here. */
export const FABRIC_GATEWAY = `${FABRIC_PREFIX}.254`;
export const VXLAN_DEVICE = "vxlan.calico";
export const VXLAN_VNI = 4096;
export const VXLAN_PORT = 4789;
export const VXLAN_MTU = 1450;

/** A node's index: `node-2` is 2. */
export function nodeIndex(node: string): number {
  const m = /^node-(\d+)$/.exec(node);
  const i = Number(m?.[1]);
  if (!m || i < 1 || i > 200) throw new Error(`node names are node-1 ... node-200, not ${node}`);
  return i;
}

export const fabricAddress = (node: string): string => `${FABRIC_PREFIX}.${nodeIndex(node)}`;
export const podBlock = (node: string): string => `10.65.${nodeIndex(node)}.0/26`;
/** Calico's VXLAN tunnel address: the first address of the node's block. */
export const tunnelAddress = (node: string): string => `10.65.${nodeIndex(node)}.0`;
/** The node's VTEP MAC (Calico generates one per node and stores it in the Node resource). */
export const vtepMac = (node: string): string => `66:cc:00:00:00:${nodeIndex(node).toString(16).padStart(2, "0")}`;

export const podId = (p: Pick<PodSpec, "namespace" | "name">): string => `${p.namespace}/${p.name}`;

/** The names of one cluster's namespaces. */
export interface ClusterNames {
  readonly tag: string;
  readonly fabric: string;
  node(node: string): string;
  pod(p: Pick<PodSpec, "namespace" | "name">): string;
}

export function clusterNames(tag: string = randomBytes(2).toString("hex")): ClusterNames {
  const base = `pcm${tag}`;
  return {
    tag,
    fabric: `${base}-f`,
    node: (node) => `${base}-n${nodeIndex(node)}`,
    pod: (p) => `${base}-p-${p.namespace}-${p.name}`,
  };
}

function checkSpec(spec: ClusterSpec): void {
  const ids = new Set<string>();
  const ips = new Set<string>();
  for (const p of spec.pods) {
    if (!spec.nodes.includes(p.node)) throw new Error(`pod ${podId(p)} is on ${p.node}, not a node of the cluster`);
    if (ids.has(podId(p))) throw new Error(`pod ${podId(p)} twice`);
    if (ips.has(p.ip)) throw new Error(`address ${p.ip} used twice`);
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p.namespace) || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p.name)) throw new Error(`bad pod name ${podId(p)}`);
    ids.add(podId(p));
    ips.add(p.ip);
  }
  for (const n of spec.nodes) nodeIndex(n);
}

/** The lines that make one pod (its netns, veth, addresses and routes). */
export function podScript(mode: RouteMode, names: ClusterNames, pod: PodSpec): string[] {
  const node = names.node(pod.node);
  const ns = names.pod(pod);
  const iface = calicoPodInterface(pod.namespace, pod.name);
  const mtu = mode === "vxlan" ? ` mtu ${VXLAN_MTU}` : "";
  return [
    `ip netns add ${ns}`,
    `ip -n ${ns} link set lo up`,
    `ip -n ${node} link add ${iface}${mtu} address ${HOST_MAC} type veth peer name eth0${mtu} netns ${ns}`,
    `ip netns exec ${node} sysctl -qw net.ipv4.conf.${iface}.proxy_arp=1 net.ipv4.neigh.${iface}.proxy_delay=0 net.ipv4.conf.${iface}.rp_filter=1`,
    `ip -n ${node} link set ${iface} up`,
    `ip -n ${ns} link set eth0 up`,
    `ip -n ${ns} addr add ${pod.ip}/32 dev eth0`,
    `ip -n ${ns} route add ${GATEWAY4} dev eth0 scope link`,
    `ip -n ${ns} route add default via ${GATEWAY4} dev eth0`,
    `ip -n ${node} route add ${pod.ip}/32 dev ${iface}`,
  ];
}

/** The lines that put a netns on the fabric with `address` (nodes, and spare hosts). */
function fabricPortScript(names: ClusterNames, ns: string, port: string, address: string): string[] {
  return [
    `ip -n ${ns} link add eth0 type veth peer name ${port} netns ${names.fabric}`,
    `ip -n ${names.fabric} link set ${port} master br0`,
    `ip -n ${names.fabric} link set ${port} up`,
    `ip -n ${ns} addr add ${address}/24 dev eth0`,
    `ip -n ${ns} link set eth0 up`,
    `ip -n ${ns} route add default via ${FABRIC_GATEWAY} dev eth0`,
  ];
}

/** The bash script that builds the cluster. Pure; one command per line. */
export function clusterScript(spec: ClusterSpec, names: ClusterNames): string {
  checkSpec(spec);
  const lines = ["set -euo pipefail"];
  const f = names.fabric;
  lines.push(`ip netns add ${f}`, `ip -n ${f} link set lo up`, `ip -n ${f} link add br0 type bridge`, `ip -n ${f} addr add ${FABRIC_GATEWAY}/24 dev br0`, `ip -n ${f} link set br0 up`);
  for (const node of spec.nodes) {
    const ns = names.node(node);
    lines.push(`ip netns add ${ns}`, `ip -n ${ns} link set lo up`);
    lines.push(`ip netns exec ${ns} sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0`);
    lines.push(...fabricPortScript(names, ns, `n${nodeIndex(node)}`, fabricAddress(node)));
    lines.push(`ip -n ${ns} route add blackhole ${podBlock(node)} proto bird`);
    if (spec.mode === "vxlan") {
      lines.push(
        `ip -n ${ns} link add ${VXLAN_DEVICE} address ${vtepMac(node)} type vxlan id ${VXLAN_VNI} dstport ${VXLAN_PORT} local ${fabricAddress(node)} dev eth0 nolearning`,
        `ip -n ${ns} link set ${VXLAN_DEVICE} mtu ${VXLAN_MTU}`,
        `ip -n ${ns} addr add ${tunnelAddress(node)}/32 dev ${VXLAN_DEVICE}`,
        `ip -n ${ns} link set ${VXLAN_DEVICE} up`,
      );
    }
  }
  for (const node of spec.nodes) {
    const ns = names.node(node);
    for (const other of spec.nodes) {
      if (other === node) continue;
      if (spec.mode === "bgp") lines.push(`ip -n ${ns} route add ${podBlock(other)} via ${fabricAddress(other)} dev eth0 proto bird`);
      else {
        lines.push(
          `ip -n ${ns} neigh add ${tunnelAddress(other)} lladdr ${vtepMac(other)} dev ${VXLAN_DEVICE} nud permanent`,
          `bridge -n ${ns} fdb add ${vtepMac(other)} dev ${VXLAN_DEVICE} dst ${fabricAddress(other)}`,
          `ip -n ${ns} route add ${podBlock(other)} via ${tunnelAddress(other)} dev ${VXLAN_DEVICE} onlink`,
        );
      }
    }
  }
  for (const pod of spec.pods) lines.push(...podScript(spec.mode, names, pod));
  return lines.join("\n") + "\n";
}

/** A built cluster. Pods can come and go; `destroy` deletes everything it still holds. */
export interface Cluster {
  readonly spec: ClusterSpec;
  readonly names: ClusterNames;
  /** The pods now built. */
  pods(): readonly PodSpec[];
  /** Builds one more pod. */
  addPod(pod: PodSpec): Promise<void>;
  /** Deletes a pod's netns (its veth and the node's route to it go with it). */
  removePod(pod: Pick<PodSpec, "namespace" | "name">): Promise<void>;
  /** A netns on the fabric with no pods (`192.168.100.<index>`), e.g. for a reference agent. */
  addFabricHost(suffix: string, index: number): Promise<string>;
  /** Deletes a netns made by `addFabricHost`. */
  removeFabricHost(ns: string): Promise<void>;
  /** Every netns the cluster made (and has not deleted). */
  namespaces(): readonly string[];
  destroy(): Promise<void>;
}

async function bash(script: string, what: string): Promise<void> {
  const r = await run("bash", ["-c", script]);
  if (r.code !== 0) throw new Error(`${what} failed:\n${r.stderr}\nscript:\n${script}`);
}

async function deleteNetns(names: readonly string[]): Promise<void> {
  await Promise.all(names.map((ns) => run("ip", ["netns", "del", ns])));
}

/** Builds the cluster; on failure deletes whatever it made and throws with the script's error. */
export async function createCluster(spec: ClusterSpec, names: ClusterNames = clusterNames()): Promise<Cluster> {
  const pods = new Map(spec.pods.map((p) => [podId(p), p]));
  const made = new Set<string>([names.fabric, ...spec.nodes.map((n) => names.node(n)), ...spec.pods.map((p) => names.pod(p))]);
  // Pods first on teardown: their veths go with them, then the nodes, then the fabric.
  const ordered = (): string[] => [...made].sort((a, b) => rank(b) - rank(a));
  const rank = (ns: string): number => (ns === names.fabric ? 0 : spec.nodes.some((n) => names.node(n) === ns) ? 1 : 2);
  const cluster: Cluster = {
    spec,
    names,
    pods: () => [...pods.values()],
    async addPod(pod) {
      if (pods.has(podId(pod))) throw new Error(`pod ${podId(pod)} exists`);
      checkSpec({ ...spec, pods: [...pods.values(), pod] });
      made.add(names.pod(pod));
      pods.set(podId(pod), pod);
      await bash(["set -euo pipefail", ...podScript(spec.mode, names, pod)].join("\n"), `building pod ${podId(pod)}`);
    },
    async removePod(pod) {
      const ns = names.pod(pod);
      await runOkQuiet("ip", ["netns", "del", ns]);
      made.delete(ns);
      pods.delete(podId(pod));
    },
    async addFabricHost(suffix, index) {
      const ns = `pcm${names.tag}-${suffix}`;
      made.add(ns);
      await bash(["set -euo pipefail", `ip netns add ${ns}`, `ip -n ${ns} link set lo up`, ...fabricPortScript(names, ns, `h${index}`, `${FABRIC_PREFIX}.${index}`)].join("\n"), `adding ${ns} to the fabric`);
      return ns;
    },
    async removeFabricHost(ns) {
      await runOkQuiet("ip", ["netns", "del", ns]);
      made.delete(ns);
    },
    namespaces: () => ordered(),
    async destroy() {
      const all = ordered();
      for (const group of [2, 1, 0]) await deleteNetns(all.filter((ns) => rank(ns) === group));
      made.clear();
    },
  };
  try {
    await bash(clusterScript(spec, names), "building the cluster");
  } catch (e) {
    await cluster.destroy();
    throw e;
  }
  return cluster;
}

async function runOkQuiet(cmd: string, args: readonly string[]): Promise<void> {
  const r = await run(cmd, args);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")}: ${r.stderr}`);
}

/** The probe host of a pod (for probe.ts). */
export function podHost(names: ClusterNames, pod: PodSpec): Host {
  return { id: podId(pod), netns: names.pod(pod), local: true, ipv4: pod.ip };
}

// ---------------------------------------------------------------------------------------------
// Probes: a table of hand-written verdicts, checked with real connections until it holds.

/** One expected verdict: `from` connects to `to` on `port`. */
export interface Verdict {
  readonly from: string;
  readonly to: string;
  readonly port: PortSpec;
  readonly allowed: boolean;
}

/**
 * Parses a table written by hand, one verdict a line: `shop/api -> shop/db tcp/8080 allow`
 * (`deny` for denied); `#` starts a comment. Several ports may be listed: `tcp/80,udp/53`.
 */
export function verdicts(text: string): Verdict[] {
  const out: Verdict[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*/, "").trim();
    if (line === "") continue;
    const m = /^(\S+)\s*->\s*(\S+)\s+(\S+)\s+(allow|deny)$/.exec(line);
    if (!m) throw new Error(`bad verdict line ${JSON.stringify(raw)}: want "ns/pod -> ns/pod tcp/80 allow|deny"`);
    for (const port of m[3]!.split(",")) out.push({ from: m[1]!, to: m[2]!, port: parsePortKey(port), allowed: m[4] === "allow" });
  }
  return out;
}

/** The verdicts as probe.ts's matrices (`v4 tcp/80` -> from -> to). */
export function verdictMatrices(table: readonly Verdict[]): Matrices {
  const out: Matrices = {};
  for (const v of table) {
    const key = matrixKey("v4", v.port);
    const row = ((out[key] ??= {})[v.from] ??= {});
    if (row[v.to] !== undefined && row[v.to] !== v.allowed) throw new Error(`contradictory verdicts for ${v.from} -> ${v.to} ${key}`);
    row[v.to] = v.allowed;
  }
  return out;
}

export const PROBE_PORTS: readonly PortSpec[] = [
  { protocol: "tcp", port: 80 },
  { protocol: "tcp", port: 8080 },
  { protocol: "udp", port: 53 },
];

/** One prober (agent.mjs) per pod, started and stopped with the pods. */
export class Probers {
  private readonly byPod = new Map<string, { host: Host; agents: Agents }>();

  constructor(private readonly names: ClusterNames) {}

  /** Starts the probers of `pods` (in parallel) and waits until they serve. */
  async add(pods: readonly PodSpec[]): Promise<void> {
    await Promise.all(
      pods.map(async (pod) => {
        const host = podHost(this.names, pod);
        const agents = await startAgents({ hosts: [host] }, PROBE_PORTS);
        this.byPod.set(host.id, { host, agents });
      }),
    );
  }

  remove(id: string): void {
    this.byPod.get(id)?.agents.stop();
    this.byPod.delete(id);
  }

  stop(): void {
    for (const { agents } of this.byPod.values()) agents.stop();
    this.byPod.clear();
  }

  /** Probes every verdict's connection once, all at once; the observed matrices. */
  async observe(table: readonly Verdict[], timeoutMs: number): Promise<Matrices> {
    const bySource = new Map<string, Verdict[]>();
    for (const v of table) bySource.set(v.from, [...(bySource.get(v.from) ?? []), v]);
    const out: Matrices = {};
    await Promise.all(
      [...bySource].map(async ([from, list]) => {
        const source = this.byPod.get(from);
        if (!source) throw new Error(`no pod ${from} to probe from`);
        const requests = list.map((v) => {
          const target = this.byPod.get(v.to)?.host;
          if (!target?.ipv4) throw new Error(`no pod ${v.to} to probe`);
          return { ip: target.ipv4, port: v.port.port, proto: v.port.protocol };
        });
        const results = await source.agents.probe(source.host.netns, requests, timeoutMs);
        list.forEach((v, i) => (((out[matrixKey("v4", v.port)] ??= {})[from] ??= {})[v.to] = results[i] === true));
      }),
    );
    return out;
  }
}

/** A denied probe costs this much; an allowed one a millisecond or so. */
export const PROBE_TIMEOUT_MS = 400;

export interface WaitOptions {
  /** Give up after this long (default 30 s). */
  readonly timeoutMs?: number;
  /** What to add to the failure message (the agents' logs, say). */
  readonly context?: () => string;
}

/**
 * Probes `table` until every verdict holds on two rounds in a row (so that a slow allowed probe
 * can never pass for a denial that has not been programmed yet), polling, never sleeping blind.
 * Returns the time it took; throws with the mismatches of the last round at the deadline.
 */
export async function waitForVerdicts(probers: Probers, table: readonly Verdict[], label: string, options: WaitOptions = {}): Promise<number> {
  const started = Date.now();
  const deadline = started + (options.timeoutMs ?? 30_000);
  const want = verdictMatrices(table);
  let streak = 0;
  for (;;) {
    const got = await probers.observe(table, PROBE_TIMEOUT_MS);
    const mismatches = compareMatrices(got, want);
    streak = mismatches.length === 0 ? streak + 1 : 0;
    if (streak === 2) return Date.now() - started;
    if (mismatches.length > 0 && Date.now() > deadline) {
      throw new Error(`${label}: the verdicts did not hold within ${options.timeoutMs ?? 30_000} ms\n${formatMismatches(label, got, want, mismatches)}${options.context ? `\n${options.context()}` : ""}`);
    }
    if (mismatches.length > 0) await sleep(100);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Calls `check` every `everyMs` until it returns true; throws `what` at the deadline. */
export async function waitUntil(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string | (() => string), everyMs = 50): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === "string" ? what : what()}`);
    await sleep(everyMs);
  }
}

// ---------------------------------------------------------------------------------------------
// The agents: `node bin/policyc.js agent` inside each node's netns.

const REPO = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Makes sure `bin/policyc.js` runs the current sources: builds dist/ (`tsc -p tsconfig.build.json`)
 * when it is missing or older than a file under src/. Under flock, so that suites starting at
 * once build once.
 */
export function ensureBuilt(): void {
  const script = `if [ ! -f dist/cli/main.js ] || [ -n "$(find src -name '*.ts' -newer dist/cli/main.js | head -1)" ]; then echo building >&2; npx tsc -p tsconfig.build.json; fi`;
  const r = spawnSync("flock", ["-w", "300", join(tmpdir(), "policyc-e2e-build.lock"), "sh", "-c", script], { cwd: REPO, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building dist/ for bin/policyc.js failed:\n${r.stdout}${r.stderr}`);
  if (r.stderr.includes("building")) console.warn("multi-node e2e: dist/ was older than src/; rebuilt it (npm run build)");
}

export interface AgentOptions {
  readonly etcdEndpoint: string;
  readonly backend: "iptables" | "nftables";
  readonly resyncSeconds: number;
  /** Where the agents' lock files go. */
  readonly stateDir: string;
  /** The lock file's name in `stateDir` (default `<node>.lock`). */
  readonly lockName?: string;
  readonly extraArgs?: readonly string[];
  /** Variables set for the agent over this process's (a tool gate's PATH: toolGate.ts). */
  readonly env?: Readonly<Record<string, string>>;
}

/** One log line of an agent (`--log-format json`). */
export interface LogEntry {
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly [field: string]: unknown;
}

/** A running `policyc agent` process. */
export class NodeAgent {
  readonly entries: LogEntry[] = [];
  /** Lines that were not JSON (a crash's stack trace, say). */
  readonly other: string[] = [];
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private buffer = "";

  constructor(
    readonly node: string,
    readonly netns: string,
    options: AgentOptions,
  ) {
    const args = [
      "agent",
      "--node", node,
      "--etcd-endpoints", options.etcdEndpoint,
      "--backend", options.backend,
      "--resync-seconds", String(options.resyncSeconds),
      "--lock-file", join(options.stateDir, options.lockName ?? `${node}.lock`),
      "--log-format", "json",
      "--log-level", "debug",
      ...(process.env["POLICYC_E2E_IPTABLES"] === "legacy" && options.backend === "iptables" ? ["--backend-mode", "legacy"] : []),
      ...(options.extraArgs ?? []),
    ];
    // `ip netns exec` execs node, so the child's pid is the agent's and a signal reaches it.
    this.child = spawn("ip", ["netns", "exec", netns, process.execPath, join(REPO, "bin", "policyc.js"), ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...options.env } });
    this.child.stdout!.on("data", (d: Buffer) => this.other.push(d.toString()));
    this.child.stderr!.on("data", (d: Buffer) => {
      this.buffer += d.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf("\n")) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        try {
          this.entries.push(JSON.parse(line) as LogEntry);
        } catch {
          this.other.push(line);
        }
      }
    });
    this.exited = new Promise((resolve) => this.child.on("exit", (code, signal) => resolve({ code, signal })));
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Entries from index `from` on matching `test`. */
  find(test: (e: LogEntry) => boolean, from = 0): LogEntry[] {
    return this.entries.slice(from).filter(test);
  }

  /** Waits for a log entry (from index `from`) matching `test`. */
  async waitForLog(test: (e: LogEntry) => boolean, timeoutMs: number, what: string, from = 0): Promise<LogEntry> {
    let found: LogEntry | undefined;
    await waitUntil(
      () => {
        if (!this.running) throw new Error(`the agent of ${this.node} exited while waiting for ${what}\n${this.tail()}`);
        found = this.entries.slice(from).find(test);
        return found !== undefined;
      },
      timeoutMs,
      () => `${what} in the log of ${this.node}\n${this.tail()}`,
    );
    return found!;
  }

  /** The last lines of the log, for failure messages. */
  tail(n = 25): string {
    const lines = [...this.entries.slice(-n).map((e) => JSON.stringify(e)), ...this.other.slice(-n)];
    return `--- agent ${this.node} (last ${lines.length} lines) ---\n${lines.join("\n")}`;
  }

  /** Sends `signal` and waits for the process to end. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    if (!this.running) return;
    this.child.kill(signal);
    await this.exited;
  }

  /** The agent's child processes (iptables-restore, ipset, nft, flock...) with their command lines, read from /proc. */
  children(): { pid: number; args: string }[] {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return [];
    const out: { pid: number; args: string }[] = [];
    try {
      for (const task of readdirSync(`/proc/${pid}/task`)) {
        for (const c of readFileSync(`/proc/${pid}/task/${task}/children`, "utf8").split(" ").filter((x) => x.trim() !== "")) {
          try {
            out.push({ pid: Number(c), args: readFileSync(`/proc/${c}/cmdline`, "utf8").split("\0").join(" ").trim() });
          } catch {
            // It ended meanwhile.
          }
        }
      }
    } catch {
      // The agent ended meanwhile.
    }
    return out;
  }

  /** Writes the whole log to `path`. */
  save(path: string): void {
    writeFileSync(path, [...this.entries.map((e) => JSON.stringify(e)), ...this.other].join("\n") + "\n");
  }
}

export const inSync = (e: LogEntry): boolean => e.msg === "in sync";

/** Starts an agent per node and waits until each has applied its first complete snapshot. */
export async function startNodeAgents(cluster: Cluster, options: AgentOptions, timeoutMs = 30_000): Promise<Map<string, NodeAgent>> {
  const agents = new Map(cluster.spec.nodes.map((node) => [node, new NodeAgent(node, cluster.names.node(node), options)]));
  try {
    await Promise.all([...agents.values()].map((a) => a.waitForLog(inSync, timeoutMs, "the first sync")));
  } catch (e) {
    await Promise.all([...agents.values()].map((a) => a.kill("SIGKILL")));
    throw e;
  }
  return agents;
}

/** A temporary directory for lock files; removed by the returned function. */
export function stateDirectory(): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "policyc-multinode-"));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

// ---------------------------------------------------------------------------------------------
// The kernel's state, compared across nodes.

/**
 * The node's filter table and ipsets in a form that does not depend on the order things were
 * made in: the chains sorted by name, each with its rules in order (the order that matters),
 * counters dropped; the ipsets' lines sorted.
 */
export async function iptablesState(netns: string): Promise<string> {
  const { iptables } = iptablesTools();
  const save = await inNetns(netns, `${iptables}-save`, ["-t", "filter"]);
  if (save.code !== 0) throw new Error(`iptables-save in ${netns}: ${save.stderr}`);
  const chains = new Map<string, string[]>();
  for (const line of save.stdout.split("\n")) {
    const declared = /^:(\S+)/.exec(line);
    if (declared) chains.set(declared[1]!, chains.get(declared[1]!) ?? []);
    const appended = /^-A (\S+) (.*)$/.exec(line);
    if (appended) chains.set(appended[1]!, [...(chains.get(appended[1]!) ?? []), appended[2]!]);
  }
  const ipset = await inNetns(netns, "ipset", ["save"]);
  if (ipset.code !== 0) throw new Error(`ipset save in ${netns}: ${ipset.stderr}`);
  return [
    ...[...chains.keys()].sort().flatMap((c) => [`chain ${c}`, ...chains.get(c)!.map((r) => `  ${r}`)]),
    // `initval` is the hash's random seed, chosen by the kernel for each set.
    ...ipset.stdout
      .split("\n")
      .filter((l) => l.trim() !== "")
      .map((l) => l.replace(/ initval 0x[0-9a-f]+/, ""))
      .sort(),
  ].join("\n");
}

/** The lines only in `a` (`-`) and only in `b` (`+`), for a failure message. */
export function lineDiff(a: string, b: string): string {
  const left = new Set(a.split("\n"));
  const right = new Set(b.split("\n"));
  return [...[...left].filter((l) => !right.has(l)).map((l) => `- ${l}`), ...[...right].filter((l) => !left.has(l)).map((l) => `+ ${l}`)].join("\n");
}

/** Packets received on the node's `vxlan.calico` (decapsulated). */
export async function vxlanRxPackets(netns: string): Promise<number> {
  const r = await inNetns(netns, "cat", [`/sys/class/net/${VXLAN_DEVICE}/statistics/rx_packets`]);
  if (r.code !== 0) throw new Error(`reading ${VXLAN_DEVICE}'s counters in ${netns}: ${r.stderr}`);
  return Number(r.stdout.trim());
}

// ---------------------------------------------------------------------------------------------
// What goes into etcd: Kubernetes and Calico documents, through `policyc datastore`.

export type Doc = Record<string, unknown>;

export function namespaceDoc(name: string, labels: Readonly<Record<string, string>> = {}): Doc {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels } };
}

/** A scheduled, running pod with an address, as the API server holds it. */
export function podDoc(pod: PodSpec): Doc {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: pod.name, namespace: pod.namespace, labels: pod.labels },
    spec: { nodeName: pod.node, containers: [{ name: "main", image: "agent" }] },
    status: { podIP: pod.ip, podIPs: [{ ip: pod.ip }] },
  };
}

/** A stream of documents (JSON is YAML). */
export function yamlStream(docs: readonly Doc[]): string {
  return docs.map((d) => JSON.stringify(d)).join("\n---\n") + "\n";
}

// ---------------------------------------------------------------------------------------------
// A whole running cluster: namespaces, etcd on the fabric, agents, probers.

/** Whether the multi-node suites can run here, and if not, why (root, tools, etcd). */
export function multiNodeAvailability(backend: "iptables" | "nftables"): { ok: boolean; reason: string } {
  const kernel = kernelCheck();
  if (!kernel.ok) return kernel;
  const tools = ["bridge", "flock", "ps", "curl", "etcd", ...(backend === "nftables" ? ["nft"] : [])];
  const missing = tools.filter((t) => spawnSync("sh", ["-c", `command -v ${t}`], { stdio: "ignore" }).status !== 0);
  if (missing.length > 0) return { ok: false, reason: `missing tools: ${missing.join(", ")} (etcd is Debian's etcd-server)` };
  return { ok: true, reason: "" };
}

/** Prints the loud banner shown when a multi-node suite is skipped. */
export function warnMultiNodeSkipped(suite: string, reason: string): void {
  const line = "!".repeat(78);
  console.warn(`\n${line}\n!!! SKIPPED: ${suite}\n!!! reason: ${reason}\n!!! These tests need root, network namespaces, iproute2, iptables, ipset, nftables and etcd\n!!! (see test/e2e/README.md). They did NOT run.\n${line}\n`);
}

export interface RunningCluster {
  readonly cluster: Cluster;
  readonly etcd: TestEtcd;
  /** etcd as the agents reach it, over the fabric. */
  readonly fabricEndpoint: string;
  /** etcd as this process reaches it (through the Unix socket). */
  readonly client: EtcdClient;
  readonly probers: Probers;
  readonly agents: Map<string, NodeAgent>;
  readonly agentOptions: AgentOptions;
  /** `policyc datastore apply -f -` with these documents. */
  apply(docs: readonly Doc[]): Promise<void>;
  /** `policyc datastore delete -f -` with these documents. */
  delete(docs: readonly Doc[]): Promise<void>;
  /**
   * Replaces a node's agent by a new process (after a kill); waits for its first sync. `options`
   * change the new agent's (a long resync, say, so that nothing but its first sync writes).
   */
  restartAgent(node: string, options?: Partial<AgentOptions>): Promise<NodeAgent>;
  /** Like `restartAgent` without waiting for the first sync. */
  replaceAgent(node: string, options?: Partial<AgentOptions>): Promise<NodeAgent>;
  /** Every agent's last log lines, for failure messages. */
  logs(): string;
  teardown(): Promise<void>;
}

export interface RunningClusterSpec extends ClusterSpec {
  readonly backend: "iptables" | "nftables";
  readonly resyncSeconds: number;
  /** Documents written before the agents start (namespaces, pods). */
  readonly initial: readonly Doc[];
  /** Environment for every agent of the cluster (`AgentOptions.env`). */
  readonly agentEnv?: Readonly<Record<string, string>>;
}

/**
 * Builds the cluster, starts etcd on the fabric, writes `initial`, starts the probers and an
 * agent per node, and waits for every agent's first sync. On failure tears down what it made.
 */
export async function startCluster(spec: RunningClusterSpec): Promise<RunningCluster> {
  ensureBuilt();
  const undo: (() => Promise<void> | void)[] = [];
  const teardown = async (): Promise<void> => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch (e) {
        console.warn(`multi-node teardown: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    undo.length = 0;
  };
  try {
    // A tag no namespace of this machine has yet (another suite's, or a killed run's).
    const taken = (await run("ip", ["netns", "list"])).stdout;
    let names = clusterNames();
    for (let i = 0; i < 20 && taken.includes(`pcm${names.tag}-`); i++) names = clusterNames();
    const cluster = await createCluster(spec, names);
    undo.push(() => cluster.destroy());
    const probers = new Probers(cluster.names);
    undo.push(() => probers.stop());
    // The probers start (Node, one per pod) while etcd and the agents do; an error waits its turn.
    const probersStarted = probers.add(cluster.pods()).then(
      () => undefined,
      (e: unknown) => e,
    );
    const etcd = await startEtcd({ netns: cluster.names.fabric, host: FABRIC_GATEWAY, unixSocket: true });
    undo.push(() => etcd.stop());
    const door = await forwardToUnixSocket(etcd.socketPath!);
    undo.push(() => door.close());
    const client = new EtcdClient({ endpoints: [door.endpoint] });
    undo.push(() => client.close());
    const state = stateDirectory();
    undo.push(() => state.remove());
    const datastore = async (action: "apply" | "delete", docs: readonly Doc[]): Promise<void> => {
      const r = await runCli(["datastore", action, "-f", "-", "--etcd-endpoints", door.endpoint], { readStdin: () => yamlStream(docs) });
      if (r.code !== 0) throw new Error(`policyc datastore ${action} exited ${r.code}:\n${r.stderr}`);
    };
    await datastore("apply", spec.initial);
    const agentOptions: AgentOptions = { etcdEndpoint: etcd.endpoint, backend: spec.backend, resyncSeconds: spec.resyncSeconds, stateDir: state.dir, ...(spec.agentEnv ? { env: spec.agentEnv } : {}) };
    const agents = new Map<string, NodeAgent>();
    /** Every agent process started, restarted ones too (for POLICYC_E2E_LOGS). */
    const history: NodeAgent[] = [];
    undo.push(async () => {
      await Promise.all([...agents.values()].map((a) => a.kill("SIGKILL")));
      const dir = process.env["POLICYC_E2E_LOGS"];
      if (dir) {
        mkdirSync(dir, { recursive: true });
        history.forEach((a, i) => a.save(join(dir, `${cluster.names.tag}-${a.node}-${i}.log`)));
      }
    });
    for (const [node, agent] of await startNodeAgents(cluster, agentOptions)) {
      agents.set(node, agent);
      history.push(agent);
    }
    const probersFailed = await probersStarted;
    if (probersFailed !== undefined) throw probersFailed;
    const logs = (): string => [...agents.values()].map((a) => a.tail()).join("\n");
    const running: RunningCluster = {
      cluster,
      etcd,
      fabricEndpoint: etcd.endpoint,
      client,
      probers,
      agents,
      agentOptions,
      apply: (docs) => datastore("apply", docs),
      delete: (docs) => datastore("delete", docs),
      async replaceAgent(node, options = {}) {
        await agents.get(node)?.kill("SIGKILL");
        const agent = new NodeAgent(node, cluster.names.node(node), { ...agentOptions, ...options });
        agents.set(node, agent);
        history.push(agent);
        return agent;
      },
      async restartAgent(node, options = {}) {
        const agent = await running.replaceAgent(node, options);
        await agent.waitForLog(inSync, 30_000, "the first sync after a restart");
        return agent;
      },
      logs,
      teardown,
    };
    return running;
  } catch (e) {
    await teardown();
    throw e;
  }
}

// ---------------------------------------------------------------------------------------------
// The suites' cluster: three nodes, two namespaces, two pods per node.

export const NODES = ["node-1", "node-2", "node-3"] as const;

/**
 * | node   | pods (labels)                                   |
 * |--------|-------------------------------------------------|
 * | node-1 | shop/api 10.65.1.2 (app=api), lab/probe 10.65.1.3 (app=probe) |
 * | node-2 | shop/db 10.65.2.2 (app=db), shop/web 10.65.2.3 (app=web)      |
 * | node-3 | lab/tool 10.65.3.2 (app=tool), shop/cache 10.65.3.3 (app=cache) |
 */
export const PODS: readonly PodSpec[] = [
  { namespace: "shop", name: "api", node: "node-1", ip: "10.65.1.2", labels: { app: "api" } },
  { namespace: "lab", name: "probe", node: "node-1", ip: "10.65.1.3", labels: { app: "probe" } },
  { namespace: "shop", name: "db", node: "node-2", ip: "10.65.2.2", labels: { app: "db" } },
  { namespace: "shop", name: "web", node: "node-2", ip: "10.65.2.3", labels: { app: "web" } },
  { namespace: "lab", name: "tool", node: "node-3", ip: "10.65.3.2", labels: { app: "tool" } },
  { namespace: "shop", name: "cache", node: "node-3", ip: "10.65.3.3", labels: { app: "cache" } },
];

export const NAMESPACES: readonly Doc[] = [namespaceDoc("shop", { team: "shop" }), namespaceDoc("lab", { team: "lab" })];

export function pod(id: string): PodSpec {
  const p = PODS.find((q) => podId(q) === id);
  if (!p) throw new Error(`no pod ${id}`);
  return p;
}
