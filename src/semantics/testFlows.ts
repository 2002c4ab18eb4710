/**
 * Test shorthands: a flow end is an endpoint id when it contains `/`, otherwise an address.
 */
import { evaluateFlow } from "./evaluateFlow.js";
import type { Flow, FlowEnd, Prepared, Verdict } from "./types.js";

export function end(x: string): FlowEnd {
  return x.includes("/") ? { endpoint: x } : { ip: x };
}

/** A TCP flow (source port 40000, destination port 80 unless overridden). */
export function flow(src: string, dst: string, o: Partial<Omit<Flow, "src" | "dst">> = {}): Flow {
  return { family: 4, protocol: 6, srcPort: 40000, dstPort: 80, ...o, src: end(src), dst: end(dst) };
}

export function verdict(p: Prepared, src: string, dst: string, o: Partial<Omit<Flow, "src" | "dst">> = {}): Verdict {
  return evaluateFlow(p, flow(src, dst, o));
}

export function allowed(p: Prepared, src: string, dst: string, o: Partial<Omit<Flow, "src" | "dst">> = {}): boolean {
  return verdict(p, src, dst, o).allowed;
}
