/**
 * A small netfilter interpreter for the IR, for tests: evaluates one packet through one table
 * from a kernel hook, with jump/goto/return and mark semantics as iptables has them
 * (iptables(8) TARGETS: a jump returns to the next rule of the calling chain; a goto does not
 * push a return point; falling off a chain's end, or RETURN, returns; RETURN from a base chain,
 * or falling off it, applies the chain policy, here ACCEPT).
 */
import { cidrContains } from "../passes/cidrMath.js";
import type { FamilyIr, IpSet, KernelChain, Match, Rule, TableName } from "./types.js";

export interface Packet {
  readonly family: 4 | 6;
  readonly src: string;
  readonly dst: string;
  readonly proto: number;
  readonly sport?: number;
  readonly dport?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly iifname?: string;
  readonly oifname?: string;
  readonly ctstate: "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED";
  /** The connection's destination was translated (kube-proxy's DNAT), for `DNAT` state matches. */
  readonly dnat?: boolean;
  readonly mark: number;
  /** The source (destination) address is one of the node's own; absent means not. */
  readonly srcLocal?: boolean;
  readonly dstLocal?: boolean;
}

export interface Verdict {
  readonly verdict: "accept" | "drop";
  readonly mark: number;
  /** Log prefixes in the order the packet hit LOG rules. */
  readonly logs: readonly string[];
  /** The packet was masqueraded (a nat table's MASQUERADE). */
  readonly masquerade?: true;
  /** A NOTRACK rule ran (raw table): the connection is not tracked. */
  readonly untracked?: boolean;
}

const PORT_PROTOS: Readonly<Record<number, string>> = { 6: "tcp", 17: "udp", 132: "sctp" };

function addrOf(p: Packet, dir: "src" | "dst"): string {
  return dir === "src" ? p.src : p.dst;
}

function setHas(set: IpSet | undefined, p: Packet, dir: "src" | "dst", withPort: boolean): boolean {
  if (!set) return false;
  const addr = addrOf(p, dir);
  if (!withPort) return set.members.some((m) => cidrContains(m, addr));
  const proto = PORT_PROTOS[p.proto];
  const port = dir === "src" ? p.sport : p.dport;
  if (proto === undefined || port === undefined) return false;
  return set.members.includes(`${addr},${proto}:${port}`) || set.members.some((m) => {
    const [a, pp] = m.split(",");
    return pp === `${proto}:${port}` && a !== undefined && cidrContains(a, addr);
  });
}

function ifaceMatches(name: string | undefined, pattern: string, prefix: boolean): boolean {
  if (name === undefined) return false;
  return prefix ? name.startsWith(pattern) : name === pattern;
}

/** Whether one match holds for the packet carrying `mark`. */
export function matchHolds(m: Match, p: Packet, mark: number, sets: ReadonlyMap<string, IpSet>): boolean {
  let r: boolean;
  switch (m.kind) {
    case "protocol":
      r = p.proto === m.protocol;
      break;
    case "addr":
      r = m.cidrs.some((c) => cidrContains(c, addrOf(p, m.dir)));
      break;
    case "set":
      r = setHas(sets.get(m.set), p, m.dir, false);
      break;
    case "addrPortSet":
      r = setHas(sets.get(m.set), p, m.dir, true);
      break;
    case "ports": {
      const port = m.dir === "src" ? p.sport : p.dport;
      // multiport matches only protocols with ports; a packet without ports never matches.
      if (port === undefined || PORT_PROTOS[p.proto] === undefined) return false;
      r = m.ranges.some((x) => port >= x.first && port <= x.last);
      break;
    }
    case "icmp": {
      const icmpProto = p.family === 4 ? 1 : 58;
      if (p.proto !== icmpProto || p.icmpType === undefined) return false;
      r = p.icmpType === m.type && (m.code === undefined || p.icmpCode === m.code);
      break;
    }
    case "iface":
      r = ifaceMatches(m.dir === "in" ? p.iifname : p.oifname, m.name, m.prefix);
      break;
    case "mark":
      r = ((mark & m.mask) >>> 0) === m.value;
      break;
    case "ctstate":
      return m.states.some((s) => (s === "DNAT" ? p.dnat === true : s === p.ctstate)) !== (m.negate === true);
    case "addrType":
      r = (m.dir === "src" ? p.srcLocal : p.dstLocal) === true;
      break;
  }
  return m.negate ? !r : r;
}

/** A rule the packet matched, in the order it was hit. */
export interface RuleHit {
  /** Logical chain name; for a hook, the kernel chain (`FORWARD`). */
  readonly chain: string;
  /** Position of the rule in its chain (for a hook, among the table's hooks of that kernel chain). */
  readonly index: number;
  readonly rule: Rule;
  /** True for a hook rule (a kernel chain's jump into ours). */
  readonly hook: boolean;
}

/** A verdict with every rule the packet matched on its way, in order. */
export interface TracedVerdict extends Verdict {
  readonly hits: readonly RuleHit[];
}

/**
 * Evaluates `packet` through `table` of `fam` starting at kernel chain `hook`. `onHit`, when
 * given, is called for every rule whose matches hold, before its action runs.
 */
export function interpret(fam: FamilyIr, table: TableName, hook: KernelChain, packet: Packet, onHit?: (hit: RuleHit) => void): Verdict {
  const t = fam.tables.find((x) => x.name === table);
  const sets = new Map(fam.sets.map((s) => [s.id, s]));
  const logs: string[] = [];
  let mark = packet.mark;
  let untracked = false;
  if (!t) return { verdict: "accept", mark, logs };
  const chains = new Map(t.chains.map((c) => [c.name, c.rules]));
  const ruleHolds = (r: Rule | { matches: readonly Match[] }): boolean => r.matches.every((m) => matchHolds(m, packet, mark, sets));
  let steps = 0;

  /** Runs a chain; "return" means fall through to the caller. */
  const run = (name: string): "accept" | "drop" | "return" | "masquerade" => {
    // Frames of [chain rules, next index]; goto replaces the top frame.
    const stack: [readonly Rule[], number, string][] = [[chains.get(name) ?? [], 0, name]];
    while (stack.length > 0) {
      const frame = stack[stack.length - 1]!;
      const [rules, i, chainName] = frame;
      if (i >= rules.length) {
        stack.pop();
        continue;
      }
      frame[1] = i + 1;
      if (++steps > 1_000_000) throw new Error("interpreter: loop");
      const r = rules[i]!;
      if (!ruleHolds(r)) continue;
      onHit?.({ chain: chainName, index: i, rule: r, hook: false });
      const a = r.action;
      switch (a.kind) {
        case "accept":
          return "accept";
        case "drop":
          return "drop";
        case "return":
          stack.pop();
          break;
        case "jump":
          stack.push([chains.get(a.chain) ?? [], 0, a.chain]);
          break;
        case "goto":
          stack[stack.length - 1] = [chains.get(a.chain) ?? [], 0, a.chain];
          break;
        case "setMark":
          mark = ((mark & ~a.mask) | a.value) >>> 0;
          break;
        case "log":
          logs.push(a.prefix);
          break;
        case "notrack":
          untracked = true;
          break;
        case "none":
          break;
        case "masquerade":
          return "masquerade";
      }
    }
    return "return";
  };

  let hookIndex = -1;
  for (const h of t.hooks) {
    if (h.kernelChain !== hook) continue;
    hookIndex++;
    if (!ruleHolds(h)) continue;
    onHit?.({ chain: hook, index: hookIndex, rule: { matches: h.matches, action: { kind: "jump", chain: h.target }, comments: [] }, hook: true });
    const v = run(h.target);
    if (v === "masquerade") return { verdict: "accept", mark, logs, masquerade: true, ...(untracked ? { untracked } : {}) };
    if (v !== "return") return { verdict: v, mark, logs, ...(untracked ? { untracked } : {}) };
  }
  return { verdict: "accept", mark, logs, ...(untracked ? { untracked } : {}) };
}

/** `interpret`, also returning every rule the packet matched (chain, position, rule), in order. */
export function traceInterpret(fam: FamilyIr, table: TableName, hook: KernelChain, packet: Packet): TracedVerdict {
  const hits: RuleHit[] = [];
  const v = interpret(fam, table, hook, packet, (h) => void hits.push(h));
  return { ...v, hits };
}
