/**
 * The reference evaluator's matrices over the same pairs the kernel is probed on, so a case
 * checks the evaluator against the hand-written expectation too.
 *
 * The evaluator is loaded by a dynamic import: while it is being written the suite still runs
 * (the kernel half) and says that the evaluator half was skipped.
 */
import type { HostInterfaces } from "../../src/calico/index.js";
import type { Model } from "../../src/model/types.js";
import { matrixKey, probedPairs, type Family, type Matrices, type PortSpec } from "./probe.js";
import type { DnatRule } from "./expected.js";
import type { Host } from "./topology.js";

/** The part of src/compiler/evaluate the suite uses (see its types.ts: Flow, Verdict). */
export interface Evaluator {
  prepareModel(model: Model, options: { node?: string; dataplane?: "iptables" | "nftables"; hostInterfaces?: HostInterfaces }): unknown;
  evaluateFlow(prepared: unknown, flow: EvaluatorFlow): { allowed: boolean };
}

export interface EvaluatorFlow {
  readonly family: 4 | 6;
  readonly src: { readonly ip: string };
  readonly dst: { readonly ip: string };
  readonly protocol: number;
  readonly srcPort?: number;
  readonly dstPort?: number;
  readonly icmpType?: number;
  readonly icmpCode?: number;
  readonly dnat?: { readonly ip: string; readonly port?: number };
}

/** Where the evaluator's entry points may live, tried in order. */
const candidates = ["../../src/semantics/index.js", "../../src/semantics/evaluateFlow.js"];

/** The evaluator, or a note saying why it is not available. */
export async function loadEvaluator(): Promise<Evaluator | string> {
  const found: Partial<Evaluator> = {};
  for (const spec of [...candidates, "../../src/semantics/prepareModel.js"]) {
    try {
      const m = (await import(/* @vite-ignore */ spec)) as Partial<Evaluator>;
      found.prepareModel ??= m.prepareModel;
      found.evaluateFlow ??= m.evaluateFlow;
    } catch {
      // Not written yet.
    }
  }
  if (typeof found.prepareModel !== "function" || typeof found.evaluateFlow !== "function") {
    return "reference evaluator not available yet (no prepareModel/evaluateFlow in src/compiler/evaluate)";
  }
  return found as Evaluator;
}

/** IP protocol numbers (IANA): ICMP 1, TCP 6, UDP 17, ICMPv6 58. */
function flowFor(family: Family, port: PortSpec, src: string, dst: string): EvaluatorFlow {
  const f = family === "v4" ? 4 : 6;
  const base = { family: f, src: { ip: src }, dst: { ip: dst } } as const;
  if (port.protocol === "icmp") {
    // Echo request: type 8 (ICMP, RFC 792), 128 (ICMPv6, RFC 4443).
    return { ...base, protocol: f === 4 ? 1 : 58, icmpType: f === 4 ? 8 : 128, icmpCode: 0 };
  }
  // Any ephemeral source port: no case matches on source ports.
  return { ...base, protocol: port.protocol === "tcp" ? 6 : 17, srcPort: 40000, dstPort: port.port };
}

/**
 * The translation of `dnat` for a probe, as the planted rule makes it: for connections arriving
 * on the uplink (from a host that is not on the node) to `to` on `port`, in a family both ends have.
 */
export function dnatFor(dnat: readonly DnatRule[], hosts: readonly Host[], family: Family, port: PortSpec, from: Host, to: Host): EvaluatorFlow["dnat"] {
  if (from.local) return undefined;
  for (const d of dnat) {
    if (d.to !== to.id || d.port.protocol !== port.protocol || d.port.port !== port.port) continue;
    const target = hosts.find((h) => h.id === d.target);
    const ip = target && (family === "v4" ? target.ipv4 : target.ipv6);
    if (ip !== undefined) return { ip, port: d.targetPort };
  }
  return undefined;
}

/** The evaluator's verdict for every pair the prober covers (with `dnat` as the harness plants it). */
export function evaluatorMatrices(
  evaluator: Evaluator,
  model: Model,
  node: string,
  hosts: readonly Host[],
  ports: readonly PortSpec[],
  options: { readonly dataplane?: "iptables" | "nftables"; readonly dnat?: readonly DnatRule[]; readonly hostInterfaces?: HostInterfaces } = {},
): Matrices {
  const { dataplane = "iptables", dnat = [], hostInterfaces } = options;
  const prepared = evaluator.prepareModel(model, { node, dataplane, ...(hostInterfaces ? { hostInterfaces } : {}) });
  const out: Matrices = {};
  for (const family of ["v4", "v6"] as const) {
    for (const [from, to] of probedPairs(hosts, family)) {
      const src = family === "v4" ? from.ipv4! : from.ipv6!;
      const dst = family === "v4" ? to.ipv4! : to.ipv6!;
      for (const port of ports) {
        const translated = dnatFor(dnat, hosts, family, port, from, to);
        const verdict = evaluator.evaluateFlow(prepared, { ...flowFor(family, port, src, dst), ...(translated ? { dnat: translated } : {}) });
        ((out[matrixKey(family, port)] ??= {})[from.id] ??= {})[to.id] = verdict.allowed;
      }
    }
  }
  return out;
}
