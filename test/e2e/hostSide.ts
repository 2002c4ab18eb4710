/**
 * The host side on a real kernel: IP pools' NAT outgoing and the IPIP/VXLAN filters, case by
 * case (fixtures/host-side/<case>/), each loaded through `compile` (the backend's files and the
 * real tools) or through `apply`, with hand-written expectations. The node gets an address on
 * its uplink (topology.ts `uplink`), so it can masquerade and be probed itself.
 *
 * `expected.yaml`:
 *
 *     node: node-1                         # optional, default node-1
 *     uplink: {ipv4: 192.0.2.100}          # the node's own address(es)
 *     hosts: [{id: world/x, ipv4: 198.51.100.10}]   # outside hosts, in the world netns
 *     seen:                                # what a server saw as the client's address
 *       - {from: ns/a, to: world/x, v4: 192.0.2.100}
 *     connect:                             # one connection each; `to: node` is the node itself
 *       - {from: world/x, to: node, port: udp/4789, allowed: false}
 *       - {from: ns/a, to: world/x, port: ipip, allowed: false}
 *
 * Ports: `tcp/N`, `udp/N`, `icmp`, or `ipip` (raw IP protocol 4, sent and received with
 * ipip.py: this kernel has no IPIP device). `family: v6` probes IPv6 (not for ipip).
 */
import { spawn } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { load } from "js-yaml";
import { apply, noLock, spawnExec } from "../../src/apply/index.js";
import { compileModel } from "../../src/compiler/compile.js";
import { compileInputs, loadIptablesOutput, loadNftablesOutput, topologyFor, type Backend } from "./conformance.js";
import type { ExtraHost } from "./expected.js";
import { inNetns } from "./kernel.js";
import { agentPath, parsePortKey, startAgents, type Agents, type Family, type PortSpec } from "./probe.js";
import { createTopology, destroyTopology, type Host, type Topology } from "./topology.js";

export const HOST_SIDE_DIR = "fixtures/host-side";
/** The TCP port whose servers answer with the address they saw. */
export const PEER_PORT = 8081;

export type Via = "compile" | "apply";

interface SeenExpectation {
  readonly from: string;
  readonly to: string;
  readonly v4?: string;
  readonly v6?: string;
}

interface ConnectExpectation {
  readonly from: string;
  /** A host id, or `node`. */
  readonly to: string;
  /** `tcp/N`, `udp/N`, `icmp` or `ipip`. */
  readonly port: string;
  readonly family: Family;
  readonly allowed: boolean;
}

export interface HostSideExpected {
  readonly node: string;
  readonly uplink: { readonly ipv4?: string; readonly ipv6?: string };
  readonly hosts: readonly ExtraHost[];
  readonly seen: readonly SeenExpectation[];
  readonly connect: readonly ConnectExpectation[];
}

type Obj = Record<string, unknown>;
const isObj = (x: unknown): x is Obj => typeof x === "object" && x !== null && !Array.isArray(x);
const str = (o: Obj, k: string, where: string): string => {
  const v = o[k];
  if (typeof v !== "string" || v === "") throw new Error(`${where}: "${k}" must be a non-empty string`);
  return v;
};
const optStr = (o: Obj, k: string, where: string): string | undefined => (o[k] === undefined ? undefined : str(o, k, where));

/** Parses a case's expected.yaml (throws on anything malformed). */
export function parseHostSideExpected(text: string): HostSideExpected {
  const doc = load(text);
  if (!isObj(doc)) throw new Error("expected.yaml: not a mapping");
  const known = new Set(["node", "uplink", "hosts", "seen", "connect"]);
  for (const k of Object.keys(doc)) if (!known.has(k)) throw new Error(`expected.yaml: unknown key ${k}`);
  const list = (k: string): Obj[] => {
    const v = doc[k] ?? [];
    if (!Array.isArray(v) || !v.every(isObj)) throw new Error(`expected.yaml: ${k} must be a list of mappings`);
    return v;
  };
  const uplink = doc["uplink"];
  if (!isObj(uplink)) throw new Error("expected.yaml: uplink must give the node's address");
  const addrs = (o: Obj, where: string) => {
    const ipv4 = optStr(o, "ipv4", where);
    const ipv6 = optStr(o, "ipv6", where);
    return { ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) };
  };
  return {
    node: doc["node"] === undefined ? "node-1" : str(doc, "node", "expected.yaml"),
    uplink: addrs(uplink, "uplink"),
    hosts: list("hosts").map((h, i) => ({ id: str(h, "id", `hosts[${i}]`), ...addrs(h, `hosts[${i}]`) })),
    seen: list("seen").map((s, i) => {
      const where = `seen[${i}]`;
      const v4 = optStr(s, "v4", where);
      const v6 = optStr(s, "v6", where);
      return { from: str(s, "from", where), to: str(s, "to", where), ...(v4 ? { v4 } : {}), ...(v6 ? { v6 } : {}) };
    }),
    connect: list("connect").map((c, i) => {
      const where = `connect[${i}]`;
      const port = str(c, "port", where);
      if (port !== "ipip") parsePortKey(port);
      const family = c["family"] ?? "v4";
      if (family !== "v4" && family !== "v6") throw new Error(`${where}: family must be v4 or v6`);
      if (typeof c["allowed"] !== "boolean") throw new Error(`${where}: allowed must be true or false`);
      return { from: str(c, "from", where), to: str(c, "to", where), port, family, allowed: c["allowed"] };
    }),
  };
}

export function hostSideCases(root: string = HOST_SIDE_DIR): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

const ipipScript = fileURLToPath(new URL("./ipip.py", import.meta.url));

/**
 * Whether IPIP packets from `srcNs` (bound to `srcIp`) reach a raw socket in `dstNs` (sent to
 * `dstIp`): the receiver reports each packet's source as it comes; after the sender is done it
 * gets a second more.
 */
async function ipipArrives(srcNs: string, srcIp: string, dstNs: string, dstIp: string): Promise<boolean> {
  const child = spawn("ip", ["netns", "exec", dstNs, "python3", ipipScript, "recv"], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let arrived: () => void = () => {};
  const seen = new Promise<void>((resolve) => (arrived = resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (d: Buffer) => {
        out += d.toString();
        if (out.startsWith("ready\n")) resolve();
        if (out.split("\n").includes(srcIp)) arrived();
      });
      child.on("error", reject);
      child.on("exit", (code) => reject(new Error(`ipip.py recv in ${dstNs} exited (${code}) before it was ready`)));
    });
    const sent = await inNetns(srcNs, "python3", [ipipScript, "send", srcIp, dstIp]);
    if (sent.code !== 0) throw new Error(`ipip.py send in ${srcNs} failed: ${sent.stderr}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), 1000)));
    const result = await Promise.race([seen.then(() => true as const), late]);
    clearTimeout(timer);
    return result;
  } finally {
    child.kill("SIGKILL");
  }
}

/** What the peer server at `ip` saw as our address ("" when it did not answer). */
async function peerSeen(ns: string, ip: string, src: string | undefined): Promise<string> {
  for (const timeoutMs of [400, 2000]) {
    const r = await inNetns(ns, process.execPath, [agentPath, "peer", JSON.stringify({ ip, port: PEER_PORT, ...(src ? { src } : {}) }), "--timeout-ms", String(timeoutMs)]);
    const seen = r.stdout.trim();
    if (seen !== "") return seen;
  }
  return "";
}

/** Loads `dir`'s resources into the node through `via` with `backend`. */
async function loadInto(dir: string, files: readonly string[], node: string, topology: Topology, backend: Backend, via: Via): Promise<void> {
  const compiled = compileInputs(files, node, backend);
  if (via === "compile") {
    if (backend === "iptables") await loadIptablesOutput(topology.node, compiled.files);
    else await loadNftablesOutput(topology.node, compiled.files);
    return;
  }
  const ir = compileModel(compiled.model, { node }).ir;
  const exec = spawnExec({ prefix: ["ip", "netns", "exec", topology.node] });
  const result = await apply(ir, { exec, lock: noLock, ...(backend === "nftables" ? { backend: "nftables" as const } : { backendMode: "nft" as const }) });
  if (result.error !== undefined) throw new Error(`apply failed for ${dir}: ${String(result.error)}`);
}

/**
 * Runs one case with one backend, through compile or apply; returns the mismatches, one line
 * each (empty: as expected). Throws when the case cannot run. Cleans up what it makes.
 */
export async function runHostSideCase(dir: string, backend: Backend, via: Via): Promise<string[]> {
  const expected = parseHostSideExpected(readFileSync(join(dir, "expected.yaml"), "utf8"));
  const files = readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f) && f !== "expected.yaml")
    .sort()
    .map((f) => join(dir, f));
  const { model } = compileInputs(files, expected.node, backend);
  const spec = { ...topologyFor(model, expected.node, expected.hosts), uplink: expected.uplink };
  const topology = await createTopology(spec);
  const mismatches: string[] = [];
  let agents: Agents | undefined;
  try {
    await loadInto(dir, files, expected.node, topology, backend, via);
    const ports: PortSpec[] = [];
    for (const c of expected.connect) if (c.port !== "ipip") ports.push(parsePortKey(c.port));
    const nodeHost: Host = { id: "node", netns: topology.node, local: false, ...expected.uplink };
    agents = await startAgents({ hosts: [...topology.hosts, nodeHost] }, ports, 60_000, [PEER_PORT]);
    const host = (id: string): Host => {
      const h = id === "node" ? nodeHost : topology.hosts.find((x) => x.id === id);
      if (!h) throw new Error(`${dir}: no host ${id}`);
      return h;
    };
    const addr = (h: Host, f: Family): string => {
      const a = f === "v4" ? h.ipv4 : h.ipv6;
      if (a === undefined) throw new Error(`${dir}: ${h.id} has no ${f} address`);
      return a;
    };
    const running = agents;
    // Every check in parallel (each is a connection or a few packets of its own; a loaded
    // machine takes most of a second to start a Node or Python process).
    const seenChecks = expected.seen.flatMap((s) =>
      (["v4", "v6"] as const).map(async (f) => {
        const want = f === "v4" ? s.v4 : s.v6;
        if (want === undefined) return;
        const from = host(s.from);
        const got = await peerSeen(from.netns, addr(host(s.to), f), from.local ? undefined : addr(from, f));
        if (got !== want) mismatches.push(`${s.from} -> ${s.to} (${f}): the server saw ${got === "" ? "nothing (no connection)" : got}, expected ${want}`);
      }),
    );
    const connectChecks = expected.connect.map(async (c) => {
      const from = host(c.from);
      const to = host(c.to);
      let ok: boolean;
      if (c.port === "ipip") ok = await ipipArrives(from.netns, addr(from, "v4"), to.netns, addr(to, "v4"));
      else {
        const p = parsePortKey(c.port);
        const probe = { ip: addr(to, c.family), port: p.port, proto: p.protocol, ...(from.local ? {} : { src: addr(from, c.family) }) };
        ok = false;
        // An allowed probe may miss 400 ms on a loaded machine; a denied one never succeeds.
        for (const timeout of c.allowed ? [400, 2000] : [400]) {
          const [r] = await running.probe(from.netns, [probe], timeout);
          if (r === true) {
            ok = true;
            break;
          }
        }
      }
      if (ok !== c.allowed) mismatches.push(`${c.from} -> ${c.to} ${c.port} ${c.family}: ${ok ? "ALLOWED" : "DENIED"}, expected ${c.allowed ? "allowed" : "denied"}`);
    });
    await Promise.all([...seenChecks, ...connectChecks]);
  } finally {
    agents?.stop();
    await destroyTopology(topology);
  }
  return mismatches.sort();
}
