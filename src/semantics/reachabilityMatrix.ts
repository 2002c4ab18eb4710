/**
 * `reachabilityMatrix`: for each destination port, which workload endpoint may open a connection
 * to which other one.
 */
import type { Protocol } from "../model/types.js";
import type { EvaluateOptions } from "./evaluateFlow.js";
import { evaluatePacket, resolvePeer } from "./evaluateFlow.js";
import { protocolNumber } from "./prepareRules.js";
import type { Family, Peer, Prepared, PreparedMember } from "./types.js";

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

/**
 * Evaluates a flow from every workload endpoint with an address of `family` to every other one
 * (an endpoint to itself is left out), for each port. Endpoints are keyed by id, in id order.
 * Pairs of non-local endpoints are not policed and show as reachable.
 */
export function reachabilityMatrix(
  prepared: Prepared,
  ports: readonly MatrixPort[],
  family: Family = 4,
  options: EvaluateOptions = {},
): ReachabilityMatrix {
  const localIds = options.local ? new Set(options.local) : undefined;
  const isLocal = (m: PreparedMember): boolean => (localIds ? localIds.has(m.id) : m.local);
  const endpoints = prepared.members.filter((m) => m.workload && m.nets.some((c) => c.family === family));
  // Resolve each endpoint once; only the port differs between flows.
  const peers = new Map<string, Peer>(endpoints.map((m) => [m.id, resolvePeer(prepared, { endpoint: m.id }, family, undefined)]));
  const withPort = (peer: Peer, port: number | undefined): Peer => (port === undefined ? peer : { ...peer, port });

  return {
    family,
    ports: ports.map((p): PortMatrix => {
      const protocol = protocolNumber(p.protocol);
      const icmp = { ...(p.icmpType !== undefined ? { icmpType: p.icmpType } : {}), ...(p.icmpCode !== undefined ? { icmpCode: p.icmpCode } : {}) };
      const matrix: Record<string, Record<string, boolean>> = {};
      for (const from of endpoints) {
        const row: Record<string, boolean> = {};
        const src = withPort(peers.get(from.id)!, p.srcPort);
        for (const to of endpoints) {
          if (to === from) continue;
          const dst = withPort(peers.get(to.id)!, p.icmpType === undefined ? p.port : undefined);
          row[to.id] = evaluatePacket(prepared, { family, protocol, src, dst, ...icmp }, isLocal).allowed;
        }
        matrix[from.id] = row;
      }
      return { port: p.port, protocol: p.protocol, matrix };
    }),
  };
}
