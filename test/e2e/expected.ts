/**
 * The hand-written expectation of a conformance case (`expected.yaml`) and its expansion into
 * matrices.
 *
 * Format (see README.md):
 *
 *     node: node-1                    # optional, default node-1
 *     ports: [tcp/80, udp/53, icmp]   # what every pair is probed on
 *     hosts:                          # optional: outside addresses (beyond the node's uplink)
 *       - {id: world/a, ipv4: 192.0.2.10}
 *       - {id: node/self, ipv4: 192.0.2.1, node: true}   # the node itself, on its uplink
 *     allow:                          # port key -> "from -> to" lines; everything else is denied
 *       tcp/80: ["* -> prod/web", "prod/a, prod/b -> prod/c"]
 *       "udp/53 @v6": ["prod/* -> prod/db"]
 *     deny:                           # optional, same shape, subtracted from allow
 *       "*": ["prod/bad -> *"]
 *     steps:                          # optional: policy updates, applied in order
 *       - {name: before, inputs: [pods.yaml, v1.yaml], allow: {...}}
 *       - {name: after,  inputs: [pods.yaml, v2.yaml], allow: {...}}
 *     dnat:                           # optional: kube-proxy-like DNAT the harness plants
 *       - {to: node/self, port: tcp/30080, target: web/front, targetPort: 80}
 *     hostInterfaces: kernel          # optional: compile with the built node's interfaces
 *     conntrack:                      # optional (also per step): `conntrack -L` after the probes
 *       untracked: ["world/a -> node/self udp/8080"]   # no entry, either direction
 *       tracked: ["world/a -> node/self tcp/22"]       # an entry
 *
 * A port key is a comma-separated list of ports (`tcp/80`, `udp/53`, `icmp`) or `*` for every
 * port, optionally followed by `@v4` or `@v6` to limit it to one family. A side of a line is a
 * comma-separated list of host patterns: `ns/name`, `ns/*` or `*`.
 */
import { load } from "js-yaml";
import { matrixKey, parsePortKey, portKey, probedPairs, type Family, type Matrices, type PortSpec } from "./probe.js";
import type { Host } from "./topology.js";

export interface ExtraHost {
  readonly id: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  /** `node: true`: an address of the node itself, on its uplink (probed from the node's netns). */
  readonly onNode?: true;
}

/** One "from -> to" line under one port key. */
export interface PairRule {
  readonly ports: readonly PortSpec[] | "all";
  readonly family?: Family;
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** The line as written, for messages. */
  readonly text: string;
}

/**
 * A kube-proxy-like DNAT rule (nat PREROUTING): connections arriving on the uplink for `to`
 * (a host id, usually the node) on `port` are sent to `target`'s address, port `targetPort`.
 * The harness plants it after each step's rules (kube-proxy's rules are not policyc's), and the
 * evaluator gets the same translation as `Flow.dnat` for the same probes.
 */
export interface DnatRule {
  readonly to: string;
  readonly port: PortSpec;
  readonly target: string;
  readonly targetPort: number;
}

/** One connection of a `conntrack:` check: `from -> to proto/port`. */
export interface ConntrackFlow {
  readonly from: string;
  readonly to: string;
  readonly port: PortSpec;
  readonly text: string;
}

/**
 * What `conntrack -L` in the node's netns must show after a step's probes: no entry in either
 * direction for each `untracked` flow (doNotTrack), at least one for each `tracked` flow.
 */
export interface ConntrackCheck {
  readonly untracked: readonly ConntrackFlow[];
  readonly tracked: readonly ConntrackFlow[];
}

export interface ExpectedStep {
  readonly name: string;
  /** Resource files relative to the case directory; undefined means every resource file there. */
  readonly inputs?: readonly string[];
  readonly allow: readonly PairRule[];
  readonly deny: readonly PairRule[];
  readonly conntrack?: ConntrackCheck;
}

export interface Expected {
  readonly node: string;
  readonly ports: readonly PortSpec[];
  readonly hosts: readonly ExtraHost[];
  readonly steps: readonly ExpectedStep[];
  readonly dnat: readonly DnatRule[];
  /**
   * `kernel`: compile (and evaluate) with the node's interfaces as apply reads them from the
   * built node (`ip -j addr show` in its netns), for host endpoints bound by expectedIPs.
   */
  readonly hostInterfaces?: "kernel";
}

const topKeys = new Set(["description", "node", "ports", "hosts", "allow", "deny", "steps", "dnat", "conntrack", "hostInterfaces"]);
const stepKeys = new Set(["name", "description", "inputs", "allow", "deny", "conntrack"]);

function parseConntrack(section: unknown, where: string): ConntrackCheck | undefined {
  if (section === undefined) return undefined;
  if (!isRecord(section)) throw new Error(`${where}: want a map with untracked and/or tracked lists`);
  for (const k of Object.keys(section)) if (k !== "untracked" && k !== "tracked") throw new Error(`${where}: unknown key ${k}`);
  const flows = (k: "untracked" | "tracked"): ConntrackFlow[] => {
    const raw = section[k] ?? [];
    if (!Array.isArray(raw)) throw new Error(`${where}.${k}: want a list of "from -> to proto/port" lines`);
    return raw.map((line) => {
      const m = typeof line === "string" ? /^\s*(\S+)\s*->\s*(\S+)\s+(\S+)\s*$/.exec(line) : null;
      if (!m) throw new Error(`${where}.${k}: ${JSON.stringify(line)} is not a "from -> to proto/port" line`);
      const port = parsePortKey(m[3]!);
      if (port.protocol === "icmp") throw new Error(`${where}.${k}: ${JSON.stringify(line)}: want a TCP or UDP port`);
      return { from: m[1]!, to: m[2]!, port, text: line as string };
    });
  };
  return { untracked: flows("untracked"), tracked: flows("tracked") };
}

function parseDnat(section: unknown): DnatRule[] {
  if (section === undefined) return [];
  if (!Array.isArray(section)) throw new Error("expected.yaml: dnat must be a list");
  return section.map((d, i) => {
    const where = `expected.yaml: dnat.${i}`;
    if (!isRecord(d)) throw new Error(`${where} must be a map`);
    for (const k of Object.keys(d)) if (!["to", "port", "target", "targetPort"].includes(k)) throw new Error(`${where}: unknown key ${k}`);
    const { to, port, target, targetPort } = d;
    if (typeof to !== "string" || typeof target !== "string") throw new Error(`${where}: to and target must be host ids`);
    if (typeof targetPort !== "number" || !Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535) throw new Error(`${where}: targetPort must be a port number`);
    const spec = parsePortKey(String(port));
    if (spec.protocol === "icmp") throw new Error(`${where}: port must be TCP or UDP`);
    return { to, port: spec, target, targetPort };
  });
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function parseRules(section: unknown, where: string): PairRule[] {
  if (section === undefined || section === null) return [];
  if (!isRecord(section)) throw new Error(`${where}: want a map from port key to "from -> to" lines`);
  const rules: PairRule[] = [];
  for (const [key, lines] of Object.entries(section)) {
    const m = /^(.*?)\s*(?:@(v4|v6))?$/.exec(key.trim());
    const portsText = m?.[1] ?? "";
    const family = m?.[2] as Family | undefined;
    const ports = portsText === "*" ? "all" : portsText.split(",").map((p) => parsePortKey(p));
    if (!Array.isArray(lines)) throw new Error(`${where}.${key}: want a list of "from -> to" lines`);
    for (const line of lines) {
      if (typeof line !== "string") throw new Error(`${where}.${key}: ${JSON.stringify(line)} is not a "from -> to" line`);
      const sides = line.split("->");
      if (sides.length !== 2) throw new Error(`${where}.${key}: ${JSON.stringify(line)} is not a "from -> to" line`);
      const list = (s: string): string[] =>
        s
          .split(",")
          .map((p) => p.trim())
          .filter((p) => p !== "");
      const from = list(sides[0]!);
      const to = list(sides[1]!);
      if (from.length === 0 || to.length === 0) throw new Error(`${where}.${key}: ${JSON.stringify(line)} has an empty side`);
      rules.push({ ports, ...(family !== undefined ? { family } : {}), from, to, text: `${key}: ${line}` });
    }
  }
  return rules;
}

/** Parses `expected.yaml`; throws with the offending field on a malformed file. */
export function parseExpected(text: string): Expected {
  const doc = load(text);
  if (!isRecord(doc)) throw new Error("expected.yaml: want a map");
  for (const k of Object.keys(doc)) if (!topKeys.has(k)) throw new Error(`expected.yaml: unknown key ${k}`);
  const node = doc["node"] ?? "node-1";
  if (typeof node !== "string") throw new Error("expected.yaml: node must be a string");
  const portsRaw = doc["ports"];
  if (!Array.isArray(portsRaw) || portsRaw.length === 0) throw new Error("expected.yaml: ports must be a non-empty list");
  const ports = portsRaw.map((p) => parsePortKey(String(p)));
  const hostsRaw = doc["hosts"] ?? [];
  if (!Array.isArray(hostsRaw)) throw new Error("expected.yaml: hosts must be a list");
  const hosts: ExtraHost[] = hostsRaw.map((h, i) => {
    if (!isRecord(h) || typeof h["id"] !== "string") throw new Error(`expected.yaml: hosts.${i} needs an id`);
    const { id, ipv4, ipv6, node } = h;
    if ((ipv4 !== undefined && typeof ipv4 !== "string") || (ipv6 !== undefined && typeof ipv6 !== "string")) {
      throw new Error(`expected.yaml: hosts.${i}: ipv4/ipv6 must be strings`);
    }
    if (node !== undefined && node !== true) throw new Error(`expected.yaml: hosts.${i}: node must be true when given`);
    return { id, ...(ipv4 !== undefined ? { ipv4 } : {}), ...(ipv6 !== undefined ? { ipv6 } : {}), ...(node === true ? { onNode: true } : {}) };
  });
  let steps: ExpectedStep[];
  if (doc["steps"] !== undefined) {
    if (doc["allow"] !== undefined || doc["deny"] !== undefined) throw new Error("expected.yaml: with steps, allow/deny go inside each step");
    const raw = doc["steps"];
    if (!Array.isArray(raw) || raw.length === 0) throw new Error("expected.yaml: steps must be a non-empty list");
    steps = raw.map((s, i) => {
      if (!isRecord(s)) throw new Error(`expected.yaml: steps.${i} must be a map`);
      for (const k of Object.keys(s)) if (!stepKeys.has(k)) throw new Error(`expected.yaml: steps.${i}: unknown key ${k}`);
      const inputs = s["inputs"];
      if (!Array.isArray(inputs) || inputs.some((f) => typeof f !== "string")) throw new Error(`expected.yaml: steps.${i}.inputs must list files`);
      const conntrack = parseConntrack(s["conntrack"], `steps.${i}.conntrack`);
      return {
        name: typeof s["name"] === "string" ? s["name"] : `step ${i + 1}`,
        inputs: inputs as string[],
        allow: parseRules(s["allow"], `steps.${i}.allow`),
        deny: parseRules(s["deny"], `steps.${i}.deny`),
        ...(conntrack ? { conntrack } : {}),
      };
    });
    if (doc["conntrack"] !== undefined) throw new Error("expected.yaml: with steps, conntrack goes inside each step");
  } else {
    const conntrack = parseConntrack(doc["conntrack"], "conntrack");
    steps = [{ name: "all", allow: parseRules(doc["allow"], "allow"), deny: parseRules(doc["deny"], "deny"), ...(conntrack ? { conntrack } : {}) }];
  }
  const hostInterfaces = doc["hostInterfaces"];
  if (hostInterfaces !== undefined && hostInterfaces !== "kernel") throw new Error("expected.yaml: hostInterfaces must be kernel when given");
  return { node, ports, hosts, steps, dnat: parseDnat(doc["dnat"]), ...(hostInterfaces === "kernel" ? { hostInterfaces } : {}) };
}

function patternMatches(pattern: string, id: string): boolean {
  if (pattern === "*") return true;
  if (pattern.endsWith("/*")) return id.startsWith(pattern.slice(0, -1));
  return pattern === id;
}

function ruleApplies(rule: PairRule, family: Family, port: PortSpec, from: string, to: string): boolean {
  if (rule.family !== undefined && rule.family !== family) return false;
  if (rule.ports !== "all" && !rule.ports.some((p) => portKey(p) === portKey(port))) return false;
  return rule.from.some((p) => patternMatches(p, from)) && rule.to.some((p) => patternMatches(p, to));
}

/** Throws when a pattern matches no host (almost always a typo in the case). */
export function checkPatterns(step: ExpectedStep, hosts: readonly Host[]): void {
  for (const rule of [...step.allow, ...step.deny]) {
    for (const p of [...rule.from, ...rule.to]) {
      if (!hosts.some((h) => patternMatches(p, h.id))) {
        throw new Error(`expected.yaml (${step.name}): ${JSON.stringify(p)} in "${rule.text}" matches no host; hosts: ${hosts.map((h) => h.id).join(", ")}`);
      }
    }
  }
}

/** The expected matrices of a step over exactly the pairs the prober covers. */
export function expectedMatrices(step: ExpectedStep, hosts: readonly Host[], ports: readonly PortSpec[]): Matrices {
  checkPatterns(step, hosts);
  const out: Matrices = {};
  for (const family of ["v4", "v6"] as const) {
    for (const [from, to] of probedPairs(hosts, family)) {
      for (const port of ports) {
        const allowed =
          step.allow.some((r) => ruleApplies(r, family, port, from.id, to.id)) && !step.deny.some((r) => ruleApplies(r, family, port, from.id, to.id));
        const byFrom = (out[matrixKey(family, port)] ??= {});
        (byFrom[from.id] ??= {})[to.id] = allowed;
      }
    }
  }
  return out;
}
