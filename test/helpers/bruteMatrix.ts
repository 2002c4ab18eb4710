/**
 * The reachability matrix the slow way, one `evaluatePacket` per pair of endpoints: the reference
 * that the class-based `compactReachability` must reproduce.
 */
import { evaluatePacket, resolvePeer } from "../../src/semantics/evaluateFlow.js";
import { protocolNumber } from "../../src/semantics/prepareRules.js";
import type { CompactMatrix, Family, MatrixPort, Prepared } from "../../src/semantics/index.js";

/** Every cell of `compact` that differs from brute force, as text (at most `limit`). */
export function matrixDifferences(prepared: Prepared, compact: CompactMatrix, ports: readonly MatrixPort[], family: Family, limit = 5): string[] {
  const out: string[] = [];
  const ids = compact.endpoints;
  ports.forEach((p, k) => {
    const protocol = protocolNumber(p.protocol);
    const icmp = { ...(p.icmpType !== undefined ? { icmpType: p.icmpType } : {}), ...(p.icmpCode !== undefined ? { icmpCode: p.icmpCode } : {}) };
    ids.forEach((from, f) => {
      const row = compact.ports[k]!.row(f);
      const src = resolvePeer(prepared, { endpoint: from }, family, p.srcPort);
      ids.forEach((to, t) => {
        if (f === t || out.length >= limit) return;
        const dst = resolvePeer(prepared, { endpoint: to }, family, p.icmpType === undefined ? p.port : undefined);
        const want = evaluatePacket(prepared, { family, protocol, src, dst, ...icmp }, (m) => m.local).allowed;
        const got = compact.ports[k]!.allowed(f, t);
        if (got !== want || (row[t] === 1) !== want) out.push(`${from} -> ${to} ${JSON.stringify(p)} IPv${family}: evaluator ${want}, allowed() ${got}, row() ${row[t]}`);
      });
    });
  });
  return out;
}
