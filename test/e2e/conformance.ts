/**
 * The real-kernel conformance runner: compiles a case under fixtures/conformance/, builds the
 * node from network namespaces, loads the compiled iptables output with the real tools, probes
 * every ordered pair of hosts on every port and family, and compares the kernel's matrix, and the
 * reference evaluator's, with the matrix written by hand in the case's `expected.yaml`.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { readHostInterfaces, spawnExec } from "../../src/apply/index.js";
import { renderIptables, type OutputFile } from "../../src/backends/iptables/index.js";
import type { HostInterfaces } from "../../src/calico/index.js";
import { renderNftables } from "../../src/backends/nftables/index.js";
import { readInputs } from "../../src/cli/readInputs.js";
import { compileModel } from "../../src/compiler/compile.js";
import { formatDiagnostics } from "../../src/diagnostics/format.js";
import { loadModel } from "../../src/model/loadModel.js";
import type { Model } from "../../src/model/types.js";
import { compareMatrices, formatMismatches, type Mismatch } from "./compareMatrices.js";
import { expectedMatrices, parseExpected, type ConntrackCheck, type DnatRule, type ExtraHost } from "./expected.js";
import { evaluatorMatrices, loadEvaluator } from "./evaluatorMatrices.js";
import { iptablesTools, inNetns, run } from "./kernel.js";
import { portKey, probeAll, startAgents, type Family, type PortSpec } from "./probe.js";
import { createTopology, destroyTopology, UPLINK, type Host, type LocalEndpoint, type RemoteHost, type TopologySpec } from "./topology.js";

/** Root of the conformance cases. */
export const CONFORMANCE_DIR = "fixtures/conformance";

/** Per-probe timeout: a denied probe costs this much, an allowed one a millisecond or so. */
export const PROBE_TIMEOUT_MS = 400;

/** Names of the case directories, sorted. */
export function conformanceCases(root: string = CONFORMANCE_DIR): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
}

/**
 * Calico CNI's host-side interface name for a pod: `cali` + 11 hex digits of SHA-1(`ns.pod`).
 * Written here again on purpose, not imported from the compiler: if the compiler names
 * interfaces wrongly, its rules miss the veths built here and the cases fail.
 */
export function calicoPodInterface(namespace: string, pod: string): string {
  return "cali" + createHash("sha1").update(`${namespace}.${pod}`).digest("hex").slice(0, 11);
}

function splitFamilies(addresses: readonly string[]): { ipv4?: string; ipv6?: string } {
  const bare = addresses.map((a) => a.replace(/\/(32|128)$/, ""));
  const ipv4 = bare.find((a) => !a.includes(":"));
  const ipv6 = bare.find((a) => a.includes(":"));
  return { ...(ipv4 !== undefined ? { ipv4 } : {}), ...(ipv6 !== undefined ? { ipv6 } : {}) };
}

/**
 * The topology for a model: workload endpoints on `node` become pods on the node, the others
 * (and the case's extra hosts) remote hosts behind the uplink. Ids follow the reference
 * evaluator: `namespace/name`, and `orchestrator/workload/name` for v1 workload endpoints.
 */
export function topologyFor(model: Model, node: string, extra: readonly ExtraHost[]): TopologySpec {
  const local: LocalEndpoint[] = [];
  const remote: RemoteHost[] = [];
  const add = (id: string, iface: string, onNode: boolean, addresses: readonly string[]): void => {
    const a = splitFamilies(addresses);
    if (a.ipv4 === undefined && a.ipv6 === undefined) return;
    if (onNode) local.push({ id, iface, ...a });
    else remote.push({ id, ...a });
  };
  for (const r of model.resources) {
    if (r.kind === "Pod" && !r.hostNetwork) {
      const ns = r.metadata.namespace ?? "default";
      add(`${ns}/${r.metadata.name}`, calicoPodInterface(ns, r.metadata.name), r.nodeName === node, r.ips);
    } else if (r.kind === "WorkloadEndpoint") {
      add(`${r.metadata.namespace ?? "default"}/${r.metadata.name}`, r.interfaceName, r.node === node, r.ipNetworks);
    } else if (r.kind === "V1WorkloadEndpoint") {
      add(`${r.orchestrator ?? ""}/${r.workload ?? ""}/${r.metadata.name}`, r.interfaceName, r.node === node, r.ipNetworks);
    }
  }
  return { local, remote: [...remote, ...extra] };
}

/** Which backend's output a case loads. */
export type Backend = "iptables" | "nftables";

/** Backends the suite runs, from POLICYC_E2E_BACKENDS (comma-separated; default both). */
export function selectedBackends(): Backend[] {
  const raw = process.env["POLICYC_E2E_BACKENDS"] ?? "iptables,nftables";
  const list = raw.split(",").map((b) => b.trim());
  for (const b of list) if (b !== "iptables" && b !== "nftables") throw new Error(`POLICYC_E2E_BACKENDS: unknown backend ${b}`);
  return list as Backend[];
}

export interface CompiledInputs {
  readonly model: Model;
  readonly files: readonly OutputFile[];
}

/**
 * Compiles resource files exactly as `policyc compile --node <node>` does (with
 * `--host-interface` for each of `hostInterfaces`); throws on errors.
 */
export function compileInputs(paths: readonly string[], node: string, backend: Backend = "iptables", hostInterfaces?: HostInterfaces): CompiledInputs {
  const read = readInputs(paths);
  const loaded = loadModel(read.files);
  const compiled = compileModel(loaded.model, { node, ...(hostInterfaces ? { hostInterfaces } : {}) });
  const diagnostics = [...read.diagnostics, ...loaded.diagnostics, ...compiled.diagnostics];
  if (diagnostics.some((d) => d.severity === "error")) {
    const sources = Object.fromEntries(read.files.map((f) => [f.path, f.text]));
    throw new Error(`the case does not compile:\n${formatDiagnostics(diagnostics, sources)}`);
  }
  return { model: loaded.model, files: backend === "iptables" ? renderIptables(compiled.ir) : renderNftables(compiled.ir) };
}

/** Loads `ipset.restore`, `iptables.rules` and `ip6tables.rules` into `netns`, in that order. */
export async function loadIptablesOutput(netns: string, files: readonly OutputFile[]): Promise<void> {
  const tools = iptablesTools();
  const steps: [string, string[]][] = [
    ["ipset.restore", ["ipset", "restore"]],
    ["iptables.rules", [tools.restore, "--noflush"]],
    ["ip6tables.rules", [tools.restore6, "--noflush"]],
  ];
  for (const [name, [cmd, ...args]] of steps) {
    const file = files.find((f) => f.path === name);
    if (!file || file.contents.trim() === "") continue;
    const r = await inNetns(netns, cmd!, args, file.contents);
    if (r.code !== 0) throw new Error(`${cmd} ${args.join(" ")} rejected ${name}:\n${r.stderr}\n--- ${name} ---\n${file.contents}`);
  }
}

/** Loads `ruleset.nft` into `netns` with `nft -f`. */
export async function loadNftablesOutput(netns: string, files: readonly OutputFile[]): Promise<void> {
  const file = files.find((f) => f.path === "ruleset.nft");
  if (!file) throw new Error("the nftables backend produced no ruleset.nft");
  const r = await inNetns(netns, "nft", ["-f", "-"], file.contents);
  if (r.code !== 0) throw new Error(`nft -f rejected ruleset.nft:\n${r.stderr}\n--- ruleset.nft ---\n${file.contents}`);
}

/**
 * Empties the node's firewall between steps: every rule and chain in every table of both
 * families, every ipset and the conntrack table. The netns is ours, so nothing else lives there.
 */
export async function flushFirewall(netns: string): Promise<void> {
  const { iptables, ip6tables } = iptablesTools();
  const tables = ["raw", "mangle", "nat", "filter"];
  const script = [
    ...tables.flatMap((t) => [iptables, ip6tables].map((tool) => `${tool} -w -t ${t} -F 2>/dev/null; ${tool} -w -t ${t} -X 2>/dev/null`)),
    "ipset destroy",
    "command -v nft >/dev/null && nft flush ruleset",
    "command -v conntrack >/dev/null && conntrack -F >/dev/null 2>&1",
    "true",
  ].join("\n");
  const r = await inNetns(netns, "bash", ["-c", script]);
  if (r.code !== 0) throw new Error(`flushing the firewall of ${netns} failed: ${r.stderr}`);
}

function hostById(hosts: readonly Host[], id: string, where: string): Host {
  const h = hosts.find((x) => x.id === id);
  if (!h) throw new Error(`expected.yaml: ${where}: no host ${id}; hosts: ${hosts.map((x) => x.id).join(", ")}`);
  return h;
}

const familyAddress = (h: Host, family: Family): string | undefined => (family === "v4" ? h.ipv4 : h.ipv6);

/**
 * Plants the case's kube-proxy-like DNAT rules in the node's nat PREROUTING, as kube-proxy would
 * (its rules are not policyc's, so they come after policyc's are loaded): connections arriving on
 * the uplink for `to`'s address and port go to `target`'s, in each family both have.
 */
export async function plantDnat(netns: string, dnat: readonly DnatRule[], hosts: readonly Host[]): Promise<void> {
  const tools = iptablesTools();
  for (const [i, d] of dnat.entries()) {
    const to = hostById(hosts, d.to, `dnat.${i}.to`);
    const target = hostById(hosts, d.target, `dnat.${i}.target`);
    for (const family of ["v4", "v6"] as const) {
      const dst = familyAddress(to, family);
      const ip = familyAddress(target, family);
      if (dst === undefined || ip === undefined) continue;
      const tool = family === "v4" ? tools.iptables : tools.ip6tables;
      const toDestination = family === "v4" ? `${ip}:${d.targetPort}` : `[${ip}]:${d.targetPort}`;
      const args = ["-w", "-t", "nat", "-A", "PREROUTING", "-i", UPLINK, "-p", d.port.protocol, "-d", dst, "--dport", String(d.port.port), "-j", "DNAT", "--to-destination", toDestination];
      const r = await inNetns(netns, tool, args);
      if (r.code !== 0) throw new Error(`planting the DNAT rule ${tool} ${args.join(" ")} failed: ${r.stderr}`);
    }
  }
}

/** Whether `conntrack` (conntrack-tools) is installed: the `conntrack:` checks need it. */
export async function conntrackAvailable(): Promise<boolean> {
  return (await run("bash", ["-c", "command -v conntrack"])).code === 0;
}

/** The entries `conntrack -L` shows in `netns` for one original direction. */
async function conntrackEntries(netns: string, family: Family, protocol: string, src: string, dst: string, port: { readonly sport?: number; readonly dport?: number }): Promise<string[]> {
  const args = ["-L", "-f", family === "v4" ? "ipv4" : "ipv6", "-p", protocol, "--orig-src", src, "--orig-dst", dst];
  if (port.sport !== undefined) args.push("--sport", String(port.sport));
  if (port.dport !== undefined) args.push("--dport", String(port.dport));
  const r = await inNetns(netns, "conntrack", args);
  if (r.code !== 0) throw new Error(`conntrack ${args.join(" ")} failed in ${netns}: ${r.stderr}`);
  return r.stdout.split("\n").filter((l) => l.trim() !== "");
}

/**
 * Checks a step's `conntrack:` expectation against the node's conntrack table (after its probes):
 * an untracked flow has no entry either way, a tracked one has one. Returns one line per mismatch.
 */
export async function checkConntrack(netns: string, check: ConntrackCheck, hosts: readonly Host[]): Promise<string[]> {
  const out: string[] = [];
  const each = [...check.untracked.map((f) => ({ f, tracked: false })), ...check.tracked.map((f) => ({ f, tracked: true }))];
  for (const { f, tracked } of each) {
    const from = hostById(hosts, f.from, `conntrack "${f.text}"`);
    const to = hostById(hosts, f.to, `conntrack "${f.text}"`);
    let families = 0;
    for (const family of ["v4", "v6"] as const) {
      const a = familyAddress(from, family);
      const b = familyAddress(to, family);
      if (a === undefined || b === undefined) continue;
      families++;
      const forward = await conntrackEntries(netns, family, f.port.protocol, a, b, { dport: f.port.port });
      const reverse = tracked ? [] : await conntrackEntries(netns, family, f.port.protocol, b, a, { sport: f.port.port });
      const what = `conntrack: ${f.from} -> ${f.to} ${portKey(f.port)} (${family})`;
      if (tracked && forward.length === 0) out.push(`${what}: no entry, expected one (tracked)`);
      if (!tracked && forward.length + reverse.length > 0) out.push(`${what}: expected no entry (untracked), found:\n  ${[...forward, ...reverse].join("\n  ")}`);
    }
    if (families === 0) throw new Error(`expected.yaml: conntrack "${f.text}": the two hosts share no address family`);
  }
  return out;
}

export interface StepResult {
  readonly name: string;
  readonly kernel: readonly Mismatch[];
  /** Undefined when the evaluator is not available yet (see `evaluatorNote`). */
  readonly evaluator?: readonly Mismatch[];
  readonly evaluatorNote?: string;
  /** Why the step's `conntrack:` check did not run (conntrack missing). */
  readonly conntrackNote?: string;
  /** The readable report of every mismatch, empty when there are none. */
  readonly report: string;
}

export interface CaseResult {
  readonly name: string;
  readonly steps: readonly StepResult[];
  readonly ms: number;
}

function resourceFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => /\.(ya?ml|json)$/i.test(f) && f !== "expected.yaml")
    .sort()
    .map((f) => join(dir, f));
}

/**
 * Runs one case directory end to end with one backend's output. Throws when the case cannot be run (malformed
 * `expected.yaml`, compile errors, a tool failing); mismatches are returned, not thrown.
 * Every namespace and process it makes is gone when it returns or throws.
 */
export async function runCase(dir: string, backend: Backend = "iptables"): Promise<CaseResult> {
  const started = Date.now();
  const expected = parseExpected(readFileSync(join(dir, "expected.yaml"), "utf8"));
  const stepFiles = expected.steps.map((s) => (s.inputs ? s.inputs.map((f) => join(dir, f)) : resourceFiles(dir)));
  let compiled = stepFiles.map((files) => compileInputs(files, expected.node, backend));
  const spec = topologyFor(compiled[0]!.model, expected.node, expected.hosts);
  for (const [i, c] of compiled.entries()) {
    const again = topologyFor(c.model, expected.node, expected.hosts);
    if (JSON.stringify(again) !== JSON.stringify(spec)) throw new Error(`step ${expected.steps[i]!.name} changes the endpoints; steps may only change labels and policy`);
  }
  if (spec.local.length === 0) throw new Error(`no workload endpoint of the case is on ${expected.node}`);
  const evaluator = await loadEvaluator();
  const topology = await createTopology(spec);
  const steps: StepResult[] = [];
  let hostInterfaces: HostInterfaces | undefined;
  try {
    if (expected.hostInterfaces === "kernel") {
      // As apply and the agent do: the node's interfaces from the kernel, through apply's reader.
      hostInterfaces = await readHostInterfaces(spawnExec({ prefix: ["ip", "netns", "exec", topology.node] }));
      const read = hostInterfaces;
      compiled = stepFiles.map((files) => compileInputs(files, expected.node, backend, read));
    }
    const agents = await startAgents(topology, expected.ports);
    try {
      for (const [i, step] of expected.steps.entries()) {
        const { model, files } = compiled[i]!;
        if (i > 0) {
          await flushFirewall(topology.node);
          // A neighbour resolved in an earlier step would hide a step that blocks IPv6 neighbour
          // discovery (src/semantics/neighbourDiscovery.ts).
          for (const ns of [topology.node, topology.world]) await run("ip", ["-n", ns, "neigh", "flush", "all"]);
        }
        if (backend === "iptables") await loadIptablesOutput(topology.node, files);
        else await loadNftablesOutput(topology.node, files);
        await plantDnat(topology.node, expected.dnat, topology.hosts);
        const want = expectedMatrices(step, topology.hosts, expected.ports);
        const kernelMatrix = await probeAll(topology, agents, expected.ports, PROBE_TIMEOUT_MS, want);
        const kernel = compareMatrices(kernelMatrix, want);
        const label = expected.steps.length > 1 ? `step "${step.name}": ` : "";
        const report = [formatMismatches(`${label}kernel vs expected`, kernelMatrix, want, kernel)];
        let conntrackNote: string | undefined;
        if (step.conntrack !== undefined) {
          if (await conntrackAvailable()) report.push(...(await checkConntrack(topology.node, step.conntrack, topology.hosts)).map((l) => `${label}${l}`));
          else conntrackNote = "conntrack (conntrack-tools) is not installed: the conntrack -L checks did not run";
        }
        let evaluatorResult: Mismatch[] | undefined;
        let evaluatorNote: string | undefined;
        if (typeof evaluator === "string") evaluatorNote = evaluator;
        else {
          try {
            const evalMatrix = evaluatorMatrices(evaluator, model, expected.node, topology.hosts, expected.ports, {
              dataplane: backend,
              dnat: expected.dnat,
              ...(hostInterfaces ? { hostInterfaces } : {}),
            });
            evaluatorResult = compareMatrices(evalMatrix, want);
            report.push(formatMismatches(`${label}evaluator vs expected`, evalMatrix, want, evaluatorResult));
          } catch (e) {
            // Only a stub is tolerated; any other exception is a real evaluator failure.
            if (!(e instanceof Error && e.message === "not implemented")) throw e;
            evaluatorNote = "reference evaluator throws \"not implemented\"";
          }
        }
        steps.push({
          name: step.name,
          kernel,
          ...(evaluatorResult !== undefined ? { evaluator: evaluatorResult } : {}),
          ...(evaluatorNote !== undefined ? { evaluatorNote } : {}),
          ...(conntrackNote !== undefined ? { conntrackNote } : {}),
          report: report.filter((r) => r !== "").join("\n\n"),
        });
      }
    } finally {
      agents.stop();
    }
  } finally {
    await destroyTopology(topology);
  }
  return { name: dir, steps, ms: Date.now() - started };
}

/** Used by the infrastructure test: whether a netns still exists. */
export async function netnsExists(name: string): Promise<boolean> {
  const r = await run("ip", ["netns", "list"]);
  return r.stdout.split("\n").some((l) => l.split(" ")[0] === name);
}

export type { PortSpec };
