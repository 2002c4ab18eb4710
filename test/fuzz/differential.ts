/**
 * The differential check behind the fuzz tests: compile a cluster, then run flows through the IR
 * interpreter (placed on the dataplane by `packetPath`) and through the reference evaluator, and
 * report every flow on which they disagree, with the evidence a person needs to decide which one
 * is wrong (the evaluator's decision path and the rules the packet hit).
 */
import { renderIptables } from "../../src/backends/iptables/index.js";
import { renderNftables } from "../../src/backends/nftables/index.js";
import type { HostInterfaces } from "../../src/calico/index.js";
import { compileModel } from "../../src/compiler/compile.js";
import type { Flow, Prepared } from "../../src/semantics/index.js";
import { formatVerdict, evaluateFlow, prepareModel } from "../../src/semantics/index.js";
import { printRule } from "../../src/compiler/ir/print.js";
import type { Ir } from "../../src/compiler/ir/types.js";
import { interpretPath, neighbourPaths, packetPath, UPLINK_IFACE } from "../../src/compiler/packetPath.js";
import { formatDiagnostics } from "../../src/diagnostics/format.js";
import { loadModel } from "../../src/model/loadModel.js";
import type { Model } from "../../src/model/types.js";

export interface Compiled {
  readonly model: Model;
  readonly ir: Ir;
  readonly prepared: Prepared;
}

/**
 * Loads and compiles YAML text for `node` (with the node's interfaces, when given, for host
 * endpoints bound by address); returns the diagnostics text instead when it has errors.
 */
export function compileYaml(text: string, node: string, hostInterfaces?: HostInterfaces): Compiled | string {
  const loaded = loadModel([{ path: "fuzz.yaml", text }]);
  const errors = loaded.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) return formatDiagnostics(errors, { "fuzz.yaml": text });
  const options = { node, ...(hostInterfaces ? { hostInterfaces } : {}) };
  const { ir } = compileModel(loaded.model, options);
  return { model: loaded.model, ir, prepared: prepareModel(loaded.model, options) };
}

export interface Disagreement {
  readonly flow: Flow;
  readonly evaluator: boolean;
  readonly ir: boolean;
  /** The evaluator's path and the IR rules hit, for the failure message. */
  readonly explanation: string;
}

/** Whether the IR accepts the flow's first packet. */
export function irAllows(c: Compiled, flow: Flow): boolean {
  const fam = flow.family === 4 ? c.ir.v4 : c.ir.v6;
  return interpretPath(fam, packetPath(c.prepared, flow)).verdict === "accept" && neighboursPass(c, flow);
}

/** Whether the IR lets through the IPv6 neighbour discovery the flow needs first (none for most). */
function neighboursPass(c: Compiled, flow: Flow): boolean {
  const fam = flow.family === 4 ? c.ir.v4 : c.ir.v6;
  return neighbourPaths(c.prepared, flow).every((p) => interpretPath(fam, p).verdict === "accept");
}

/**
 * Why a backend cannot render the compiled IR (an IR the interpreter runs but a backend refuses,
 * e.g. two protocol matches in one iptables rule), or undefined when both render it.
 */
export function renderProblem(c: Compiled): string | undefined {
  for (const [name, render] of [["iptables", renderIptables], ["nftables", renderNftables]] as const) {
    try {
      render(c.ir);
    } catch (e) {
      return `${name} backend: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  return undefined;
}

/** The flows on which the evaluator and the compiled IR disagree. */
export function disagreements(c: Compiled, flows: readonly Flow[]): Disagreement[] {
  const out: Disagreement[] = [];
  for (const flow of flows) {
    const verdict = evaluateFlow(c.prepared, flow);
    const path = packetPath(c.prepared, flow);
    const { hook, packet } = path;
    // Uplink to uplink (a remote pod or outside address at both ends) never crosses the node.
    if (packet.iifname === UPLINK_IFACE && packet.oifname === UPLINK_IFACE) continue;
    const traced = interpretPath(flow.family === 4 ? c.ir.v4 : c.ir.v6, path);
    const ir = traced.verdict === "accept" && neighboursPass(c, flow);
    // The IR runs the first packet; an untracked connection whose reply is refused failed later.
    if (ir === (verdict.allowed || verdict.replyBlocked === true)) continue;
    const rules = traced.hits.map((h) => `  ${h.table} ${h.chain}[${h.index}] ${printRule(h.rule)}`);
    out.push({
      flow,
      evaluator: verdict.allowed,
      ir,
      explanation: `${JSON.stringify(flow)}\nhook ${hook} packet ${JSON.stringify(packet)}\n${formatVerdict(verdict)}IR: ${traced.verdict}\n${rules.join("\n")}\n`,
    });
  }
  return out;
}
