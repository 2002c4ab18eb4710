/**
 * `reachabilityMatrix`: for each destination port, which workload endpoint may open a connection
 * to which other one.
 */
import type { Protocol } from "../model/types.js";
import type { EvaluateOptions } from "./evaluateFlow.js";
import { ClassWalker, reachabilityOf, type Probe } from "./classReachability.js";
import { equivalenceClasses } from "./equivalenceClasses.js";
import { protocolNumber } from "./prepareRules.js";
import type { Family, Prepared, PreparedMember } from "./types.js";
import { isEndpointOf } from "./isEndpointOf.js";

export interface MatrixPort {
  readonly port: number;
  /** A Calico protocol name (`TCP`) or number. */
  readonly protocol: Protocol;
  /** The source port of the probe flows; absent means none (source port rules cannot match). */
  readonly srcPort?: number;
  /** ICMP/ICMPv6 only: the type and code of the probe packets (`port` is then ignored). */
  readonly icmpType?: number;
  readonly icmpCode?: number;
}

export interface PortMatrix {
  readonly port: number;
  readonly protocol: Protocol;
  /** `matrix[from][to]`: whether `from` may connect to `to`. */
  readonly matrix: Readonly<Record<string, Readonly<Record<string, boolean>>>>;
}

export interface ReachabilityMatrix {
  readonly family: Family;
  readonly ports: readonly PortMatrix[];
}

/** One port of a `CompactMatrix`: `allowed(from, to)` by position in `endpoints`. */
export interface CompactPortMatrix {
  readonly port: number;
  readonly protocol: Protocol;
  readonly allowed: (from: number, to: number) => boolean;
  /** Row `from`: 1 where `from` may connect to that position (the diagonal is unspecified). */
  readonly row: (from: number) => Uint8Array;
}

/**
 * The matrix without materializing its cells (10,000 endpoints make 100 million): endpoints by
 * id, in id order, and per port a function of two positions.
 */
export interface CompactMatrix {
  readonly family: Family;
  readonly endpoints: readonly string[];
  /** The endpoints themselves, by the same positions (for grouping and filtering). */
  readonly members: readonly PreparedMember[];
  /**
   * The equivalence class of each position (`EquivalenceClasses.classOf` of its member): flows
   * between the same two classes get the same verdict by the same steps.
   */
  readonly classOf: Readonly<Int32Array>;
  readonly ports: readonly CompactPortMatrix[];
}

/**
 * The matrix over the model's equivalence classes (`equivalenceClasses`, `classReachability`):
 * each port costs one set evaluation per class and direction, not one evaluation per pair.
 */
export function compactReachability(prepared: Prepared, ports: readonly MatrixPort[], family: Family = 4, options: EvaluateOptions = {}): CompactMatrix {
  const localIds = options.local ? new Set(options.local) : undefined;
  const isLocal = (m: PreparedMember): boolean => (localIds ? localIds.has(m.id) : m.local);
  const classes = equivalenceClasses(prepared, family, options);
  const endpoints = prepared.members.filter((m) => isEndpointOf(m, family));
  const classOf = Int32Array.from(endpoints, (m) => classes.classOf[m.index]!);
  // One walker for every port: what does not depend on the probe is computed once.
  const walker = new ClassWalker(prepared, classes, isLocal);
  return {
    family,
    endpoints: endpoints.map((m) => m.id),
    members: endpoints,
    classOf,
    ports: ports.map((p): CompactPortMatrix => {
      const protocol = protocolNumber(p.protocol);
      const probe: Probe =
        p.icmpType !== undefined
          ? { protocol, icmpType: p.icmpType, ...(p.icmpCode !== undefined ? { icmpCode: p.icmpCode } : {}), ...(p.srcPort !== undefined ? { srcPort: p.srcPort } : {}) }
          : { protocol, dstPort: p.port, ...(p.srcPort !== undefined ? { srcPort: p.srcPort } : {}) };
      const reach = reachabilityOf(walker, probe);
      const row = (from: number): Uint8Array => {
        const bits = reach.allowedFrom(classOf[from]!);
        const out = new Uint8Array(classOf.length);
        for (let to = 0; to < classOf.length; to++) {
          const c = classOf[to]!;
          out[to] = (bits[c >>> 5]! >>> (c & 31)) & 1;
        }
        return out;
      };
      return { port: p.port, protocol: p.protocol, allowed: (from, to) => reach.allowed(classOf[from]!, classOf[to]!), row };
    }),
  };
}

/**
 * Evaluates a flow from every workload endpoint with an address of `family` to every other one
 * (an endpoint to itself is left out), for each port. Endpoints are keyed by id, in id order.
 * Pairs of non-local endpoints are not policed and show as reachable. Computed over classes
 * (`compactReachability`); for large models use that form directly.
 */
export function reachabilityMatrix(
  prepared: Prepared,
  ports: readonly MatrixPort[],
  family: Family = 4,
  options: EvaluateOptions = {},
): ReachabilityMatrix {
  const compact = compactReachability(prepared, ports, family, options);
  const ids = compact.endpoints;
  return {
    family,
    ports: compact.ports.map((p): PortMatrix => {
      const matrix: Record<string, Record<string, boolean>> = {};
      ids.forEach((from, f) => {
        const row: Record<string, boolean> = {};
        ids.forEach((to, t) => {
          if (t !== f) row[to] = p.allowed(f, t);
        });
        matrix[from] = row;
      });
      return { port: p.port, protocol: p.protocol, matrix };
    }),
  };
}
