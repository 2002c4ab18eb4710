/**
 * Servers and probes over a built topology: start `agent.mjs serve` in every host's netns, then
 * probe every ordered pair of hosts on every port and family with real connections.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Host, Topology } from "./topology.js";

export type Protocol = "tcp" | "udp" | "icmp";
export type Family = "v4" | "v6";

/** A probed port; ICMP has no port (0). */
export interface PortSpec {
  readonly protocol: Protocol;
  readonly port: number;
}

/** `tcp/80`, `udp/53`, `icmp`. */
export function portKey(p: PortSpec): string {
  return p.protocol === "icmp" ? "icmp" : `${p.protocol}/${p.port}`;
}

/** Parses `portKey`'s output back (throws on anything else). */
export function parsePortKey(text: string): PortSpec {
  const t = text.trim().toLowerCase();
  if (t === "icmp") return { protocol: "icmp", port: 0 };
  const m = /^(tcp|udp)\/(\d+)$/.exec(t);
  const port = Number(m?.[2]);
  if (!m || port < 1 || port > 65535) throw new Error(`bad port ${JSON.stringify(text)}: want tcp/<n>, udp/<n> or icmp`);
  return { protocol: m[1] as Protocol, port };
}

/** Reachability per matrix key (`v4 tcp/80`), then from-host id, then to-host id. */
export type Matrices = Record<string, Record<string, Record<string, boolean>>>;

export function matrixKey(family: Family, port: PortSpec): string {
  return `${family} ${portKey(port)}`;
}

function address(h: Host, family: Family): string | undefined {
  return family === "v4" ? h.ipv4 : h.ipv6;
}

/**
 * The ordered pairs a matrix covers: distinct hosts that both have an address of the family and
 * at least one of which is on the node (traffic between two remote hosts never crosses it).
 */
export function probedPairs(hosts: readonly Host[], family: Family): [Host, Host][] {
  const pairs: [Host, Host][] = [];
  for (const from of hosts) {
    for (const to of hosts) {
      if (from === to || (!from.local && !to.local)) continue;
      if (address(from, family) === undefined || address(to, family) === undefined) continue;
      pairs.push([from, to]);
    }
  }
  return pairs;
}

export const agentPath = fileURLToPath(new URL("./agent.mjs", import.meta.url));

interface ProbeRequest {
  readonly ip: string;
  readonly port: number;
  readonly proto: Protocol;
  readonly src?: string;
}

/** The agents serving in a topology; they also run probe batches from their netns. */
export interface Agents {
  /** Runs probes in parallel from inside `netns`; resolves to one boolean per probe. */
  probe(netns: string, probes: readonly ProbeRequest[], timeoutMs: number): Promise<boolean[]>;
  /** Kills every agent (safe to call twice). */
  stop(): void;
}

interface Agent {
  readonly child: ChildProcess;
  readonly pending: Map<number, (results: boolean[]) => void>;
}

/**
 * Starts one agent per netns with a host in it, listening on every TCP and UDP port of `ports`,
 * and waits until each has printed "ready".
 */
export async function startAgents(
  topology: Pick<Topology, "hosts">,
  ports: readonly PortSpec[],
  readyTimeoutMs = 15_000,
  /** TCP ports whose servers answer with the peer address they saw (agent.mjs `--tcp-peer`). */
  peerPorts: readonly number[] = [],
): Promise<Agents> {
  const tcp = [...new Set(ports.filter((p) => p.protocol === "tcp").map((p) => p.port))].join(",");
  const udp = [...new Set(ports.filter((p) => p.protocol === "udp").map((p) => p.port))].join(",");
  const namespaces = [...new Set(topology.hosts.map((h) => h.netns))];
  const agents = new Map<string, Agent>();
  const stop = (): void => {
    for (const { child } of agents.values()) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  };
  let nextId = 1;
  try {
    await Promise.all(
      namespaces.map(
        (ns) =>
          new Promise<void>((resolve, reject) => {
            // `ip netns exec` execs the command, so the child's pid is node's and kill reaches it.
            const child = spawn("ip", ["netns", "exec", ns, process.execPath, agentPath, "serve", "--tcp", tcp, "--udp", udp, ...(peerPorts.length > 0 ? ["--tcp-peer", peerPorts.join(",")] : [])], {
              stdio: ["pipe", "pipe", "pipe"],
            });
            const agent: Agent = { child, pending: new Map() };
            agents.set(ns, agent);
            let buffer = "";
            let err = "";
            const timer = setTimeout(() => reject(new Error(`agent in ${ns} not ready after ${readyTimeoutMs} ms: ${err}`)), readyTimeoutMs);
            child.stdout!.on("data", (d: Buffer) => {
              buffer += d.toString();
              let nl: number;
              while ((nl = buffer.indexOf("\n")) >= 0) {
                const line = buffer.slice(0, nl);
                buffer = buffer.slice(nl + 1);
                if (line === "ready") {
                  clearTimeout(timer);
                  resolve();
                } else if (line !== "") {
                  const reply = JSON.parse(line) as { id: number; results: boolean[] };
                  agent.pending.get(reply.id)?.(reply.results);
                  agent.pending.delete(reply.id);
                }
              }
            });
            child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
            child.stdin!.on("error", () => {});
            child.on("exit", (code) => {
              clearTimeout(timer);
              reject(new Error(`agent in ${ns} exited (${code}): ${err}`));
            });
          }),
      ),
    );
  } catch (e) {
    stop();
    throw e;
  }
  const probe = (netns: string, probes: readonly ProbeRequest[], timeoutMs: number): Promise<boolean[]> => {
    const agent = agents.get(netns);
    if (!agent) return Promise.reject(new Error(`no agent in ${netns}`));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      // Every probe ends by its own timeout; this only catches a dead agent.
      const timer = setTimeout(() => reject(new Error(`agent in ${netns} did not answer`)), timeoutMs * 4 + 10_000);
      agent.pending.set(id, (results) => {
        clearTimeout(timer);
        resolve(results);
      });
      agent.child.stdin!.write(JSON.stringify({ id, probes, timeoutMs }) + "\n");
    });
  };
  return { probe, stop };
}

/** How long a second look at a suspected false denial waits (see `probeAll`). */
export const RECHECK_TIMEOUT_MS = 2000;

/**
 * Probes every pair of `probedPairs` on every port, for each family some pair has. Each source
 * host's probes go to the agent in its netns as one batch; all batches run at once.
 *
 * On a busy machine an allowed probe can miss a short timeout; a denied one never gets through
 * by being slow. So when `expected` is given, every probe that failed where `expected` says
 * allowed is tried again with `RECHECK_TIMEOUT_MS`: this removes false denials without hiding
 * a real one (a real deny fails again), and costs nothing when the kernel agrees.
 */
export async function probeAll(topology: Topology, agents: Agents, ports: readonly PortSpec[], timeoutMs: number, expected?: Matrices): Promise<Matrices> {
  const families: Family[] = ["v4", "v6"];
  type Planned = { req: ProbeRequest; key: string; to: string };
  const bySource = new Map<Host, Planned[]>();
  for (const family of families) {
    for (const [from, to] of probedPairs(topology.hosts, family)) {
      for (const port of ports) {
        const src = from.local ? undefined : address(from, family);
        const req: ProbeRequest = { ip: address(to, family)!, port: port.port, proto: port.protocol, ...(src !== undefined ? { src } : {}) };
        const list = bySource.get(from) ?? [];
        list.push({ req, key: matrixKey(family, port), to: to.id });
        bySource.set(from, list);
      }
    }
  }
  const out: Matrices = {};
  const round = (plan: Map<Host, Planned[]>, timeout: number): Promise<void[]> =>
    Promise.all(
      [...plan].map(async ([from, probes]) => {
        const results = await agents.probe(
          from.netns,
          probes.map((p) => p.req),
          timeout,
        );
        probes.forEach((p, i) => {
          ((out[p.key] ??= {})[from.id] ??= {})[p.to] = results[i] === true;
        });
      }),
    );
  await round(bySource, timeoutMs);
  if (expected) {
    const again = new Map<Host, Planned[]>();
    for (const [from, probes] of bySource) {
      const suspect = probes.filter((p) => out[p.key]?.[from.id]?.[p.to] === false && expected[p.key]?.[from.id]?.[p.to] === true);
      if (suspect.length > 0) again.set(from, suspect);
    }
    if (again.size > 0) await round(again, RECHECK_TIMEOUT_MS);
  }
  return out;
}
