/**
 * `policyDiff`: the connections between workload endpoints that one version of a model allows and
 * the other does not. Both versions are prepared and partitioned into equivalence classes; the
 * endpoints present in both are split by the pair (class before, class after), and the ports by
 * the intervals of either version, so one evaluation per pair of joint classes and port interval
 * covers every endpoint and port. Each change comes with the verdict on a representative flow on
 * each side (the steps that decided it).
 */
import type { Protocol } from "../model/types.js";
import { hasBit } from "./bits.js";
import { classReachability, type Probe } from "./classReachability.js";
import { equivalenceClasses } from "./equivalenceClasses.js";
import { evaluateFlow } from "./evaluateFlow.js";
import { protocolNumber } from "./prepareRules.js";
import type { Family, Prepared, PreparedMember, Verdict } from "./types.js";
import { isEndpointOf } from "./isEndpointOf.js";

export interface DiffOptions {
  readonly family?: Family;
  /** Protocols probed (default TCP, UDP and SCTP), each over every port interval of either side. */
  readonly protocols?: readonly Protocol[];
  /** Restrict to these ports (per protocol); absent: every port. */
  readonly ports?: readonly { readonly protocol: Protocol; readonly port: number }[];
  /** The source port of the probes. */
  readonly srcPort?: number;
}

export interface FlowChange {
  readonly change: "open" | "close";
  readonly protocol: Protocol;
  /** Destination ports `first..last` with this change. */
  readonly first: number;
  readonly last: number;
  /** The sources and destinations (endpoint ids, in id order): every pair has the change. */
  readonly from: readonly string[];
  readonly to: readonly string[];
  /** The verdict on a representative flow before and after. */
  readonly before: Verdict;
  readonly after: Verdict;
}

export interface PolicyDiff {
  readonly family: Family;
  readonly changes: readonly FlowChange[];
  /** Endpoints present on one side only (their flows are not compared). */
  readonly onlyBefore: readonly string[];
  readonly onlyAfter: readonly string[];
}

const DEFAULT_PROTOCOLS: readonly Protocol[] = ["TCP", "UDP", "SCTP"];
const MAX_PORT = 65535;

/** The union of two interval lists' starts, as intervals over 0..65535. */
function jointIntervals(a: readonly { first: number }[], b: readonly { first: number }[]): { first: number; last: number }[] {
  const starts = [...new Set([...a.map((i) => i.first), ...b.map((i) => i.first)])].sort((x, y) => x - y);
  return starts.map((first, i) => ({ first, last: i + 1 < starts.length ? starts[i + 1]! - 1 : MAX_PORT }));
}

/** The changes from `before` to `after` (see the module comment). */
export function policyDiff(before: Prepared, after: Prepared, options: DiffOptions = {}): PolicyDiff {
  const family = options.family ?? 4;
  const srcPort = options.srcPort ?? 40000;
  const endpointsOf = (p: Prepared): PreparedMember[] => p.members.filter((m) => isEndpointOf(m, family));
  const oldEndpoints = endpointsOf(before);
  const newEndpoints = endpointsOf(after);
  const newIds = new Set(newEndpoints.map((m) => m.id));
  const oldIds = new Set(oldEndpoints.map((m) => m.id));
  const common = oldEndpoints.filter((m) => newIds.has(m.id)).map((m) => m.id);
  const oldClasses = equivalenceClasses(before, family);
  const newClasses = equivalenceClasses(after, family);

  // Joint classes: endpoints with the same class on both sides.
  const joint = new Map<string, number>();
  const members: string[][] = [];
  const oldOf: number[] = [];
  const newOf: number[] = [];
  for (const id of common) {
    const o = oldClasses.classOf[before.memberIndexById[id]!]!;
    const n = newClasses.classOf[after.memberIndexById[id]!]!;
    const key = `${o} ${n}`;
    let j = joint.get(key);
    if (j === undefined) {
      joint.set(key, (j = members.length));
      members.push([]);
      oldOf.push(o);
      newOf.push(n);
    }
    members[j]!.push(id);
  }

  const changes: FlowChange[] = [];
  for (const protocol of options.protocols ?? DEFAULT_PROTOCOLS) {
    const number = protocolNumber(protocol);
    const wanted = options.ports?.filter((p) => protocolNumber(p.protocol) === number).map((p) => p.port);
    let intervals = jointIntervals(oldClasses.portIntervals(number), newClasses.portIntervals(number));
    if (wanted) intervals = wanted.map((port) => ({ first: port, last: port }));
    // Per pair of joint classes, the intervals whose verdict changed (in port order).
    const found = new Map<string, { from: number; to: number; open: boolean; intervals: { first: number; last: number }[] }>();
    for (const interval of intervals) {
      const probe: Probe = { protocol: number, srcPort, dstPort: interval.first };
      const o = classReachability(before, oldClasses, probe, (m) => m.local);
      const n = classReachability(after, newClasses, probe, (m) => m.local);
      for (let f = 0; f < members.length; f++) {
        const rowOld = o.allowedFrom(oldOf[f]!);
        const rowNew = n.allowedFrom(newOf[f]!);
        for (let t = 0; t < members.length; t++) {
          // A class of one endpoint has no pair within itself.
          if (f === t && members[f]!.length === 1) continue;
          const was = hasBit(rowOld, oldOf[t]!);
          const is = hasBit(rowNew, newOf[t]!);
          if (was === is) continue;
          const key = `${f} ${t} ${is}`;
          let entry = found.get(key);
          if (!entry) found.set(key, (entry = { from: f, to: t, open: is, intervals: [] }));
          const lastOne = entry.intervals.at(-1);
          if (lastOne && lastOne.last + 1 === interval.first) lastOne.last = interval.last;
          else entry.intervals.push({ ...interval });
        }
      }
    }
    for (const entry of found.values()) {
      const from = members[entry.from]!;
      const to = members[entry.to]!;
      // A representative pair of distinct endpoints.
      const src = from[0]!;
      const dst = entry.from === entry.to ? to[1]! : to[0]!;
      for (const range of entry.intervals) {
        const flow = { family, src: { endpoint: src }, dst: { endpoint: dst }, protocol: number, srcPort, dstPort: range.first };
        changes.push({
          change: entry.open ? "open" : "close",
          protocol,
          first: range.first,
          last: range.last,
          from,
          to,
          before: evaluateFlow(before, flow),
          after: evaluateFlow(after, flow),
        });
      }
    }
  }
  changes.sort((a, b) => compare(a.from[0]!, b.from[0]!) || compare(a.to[0]!, b.to[0]!) || compare(a.protocol, b.protocol) || a.first - b.first);
  return {
    family,
    changes,
    onlyBefore: oldEndpoints.filter((m) => !newIds.has(m.id)).map((m) => m.id),
    onlyAfter: newEndpoints.filter((m) => !oldIds.has(m.id)).map((m) => m.id),
  };
}

function compare(a: string | number, b: string | number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
