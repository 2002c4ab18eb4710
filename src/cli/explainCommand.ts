import { buildIptablesLayout } from "../backends/iptables/index.js";
import { buildNftLayout } from "../backends/nftables/index.js";
import { compileModel } from "../compiler/compile.js";
import type { Flow, FlowEnd, Verdict } from "../semantics/index.js";
import { evaluateFlow, formatVerdict } from "../semantics/index.js";
import { interpretPath, neighbourPaths, packetPath } from "../compiler/packetPath.js";
import { exitCodes, type Io } from "./io.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { parseFlowEnd } from "./parseFlowEnd.js";
import { formatPortSpec, parsePortSpec, type PortSpec } from "./parsePortSpec.js";
import { inputFlags, inputRequest } from "./commandInputs.js";
import { prepareInputs } from "./prepareInputs.js";
import { traceIptablesRules, traceNftRules, type TracedRule } from "./traceRules.js";
import { UsageError } from "./usageError.js";

/** The source port of explained flows: an ephemeral one (Linux's default range is 32768-60999). */
export const EXPLAIN_SOURCE_PORT = 40000;

/** The family of the flow: `--family`, else the one the addresses or the protocol imply, else 4. */
function flowFamily(flag: string | undefined, implied: readonly (4 | 6 | undefined)[]): 4 | 6 {
  const given = flag === undefined ? undefined : Number(oneOf("family", flag, ["4", "6"] as const, "4")) as 4 | 6;
  const wanted = new Set(implied.filter((f): f is 4 | 6 => f !== undefined));
  if (given !== undefined) wanted.add(given);
  if (wanted.size > 1) throw new UsageError("--from, --to, --port and --family name different IP families");
  return [...wanted][0] ?? 4;
}

function describeEnd(end: FlowEnd): string {
  return "endpoint" in end ? end.endpoint : end.ip;
}

/** `policyc explain --from END --to END --port PORT [--node NAME] [--family 4|6] [--rules] [--backend iptables|nftables] [--format text|json] [--expect allow|deny] PATH...` */
export async function explainCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    from: { type: "string" },
    to: { type: "string" },
    port: { type: "string" },
    node: { type: "string" },
    family: { type: "string" },
    rules: { type: "boolean" },
    backend: { type: "string" },
    format: { type: "string" },
    expect: { type: "string" },
    ...inputFlags,
  });
  const format = oneOf("format", values.format, ["text", "json"] as const, "text");
  const expected = values.expect === undefined ? undefined : oneOf("expect", values.expect, ["allow", "deny"] as const, "allow");
  const backend = oneOf("backend", values.backend, ["iptables", "nftables"] as const, "iptables");
  if (values.from === undefined || values.to === undefined || values.port === undefined) throw new UsageError("--from, --to and --port are required");
  const port = parsePortSpec(values.port);

  // The verdict follows the chosen backend's dataplane where Felix's two differ (PrepareOptions).
  const inputs = prepareInputs(inputRequest(values, positionals, io), values.node, io, backend);
  if (!inputs) return exitCodes.invalidInput;
  const src = parseFlowEnd("from", values.from, inputs.prepared);
  const dst = parseFlowEnd("to", values.to, inputs.prepared);
  const family = flowFamily(values.family, [src.family, dst.family, port.family]);
  const flow = flowOf(port, family, src.end, dst.end);
  let verdict: Verdict;
  try {
    verdict = evaluateFlow(inputs.prepared, flow);
  } catch (e) {
    // The evaluator throws only for caller errors: an endpoint without an address of the family.
    throw new UsageError(e instanceof Error ? e.message : String(e));
  }

  let trace:
    | { readonly verdict: "accept" | "drop"; readonly hook: string; readonly rules: readonly TracedRule[]; readonly neighbours?: readonly ("accept" | "drop")[] }
    | undefined;
  if (values.rules === true) {
    const { ir } = compileModel(inputs.model, values.node === undefined ? {} : { node: values.node });
    const fam = family === 4 ? ir.v4 : ir.v6;
    const path = packetPath(inputs.prepared, flow);
    const { hook, packet } = path;
    // The verdict of every table on the path (raw, mangle, filter); the rules shown are filter's.
    const traced = interpretPath(fam, path);
    const hits = traced.hits.filter((h) => h.table === "filter");
    // The rules as the backend lays them out for this IR (the packet's family).
    const key = family === 4 ? "v4" : "v6";
    const rules = backend === "iptables" ? traceIptablesRules(buildIptablesLayout(ir)[key], hits, packet) : traceNftRules(buildNftLayout(ir)[key], hits);
    // IPv6 across a guarded uplink: the neighbour discovery the packet needs first must pass too.
    const neighbours = neighbourPaths(inputs.prepared, flow).map((p) => interpretPath(fam, p).verdict);
    trace = { verdict: neighbours.includes("drop") ? "drop" : traced.verdict, hook, rules, ...(neighbours.length > 0 ? { neighbours } : {}) };
  }

  const what = `${describeEnd(flow.src)} -> ${describeEnd(flow.dst)} ${formatPortSpec(port)} (IPv${family})`;
  if (format === "json") {
    const json = {
      flow: { ...flow, port: formatPortSpec(port) },
      allowed: verdict.allowed,
      verdict,
      ...(trace ? { rules: { backend, hook: trace.hook, verdict: trace.verdict, traversed: trace.rules } } : {}),
    };
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return expectation(expected, verdict.allowed, io);
  }
  // Verdict first; formatVerdict's own closing verdict line would repeat it.
  const path = formatVerdict(verdict).trimEnd().split("\n").filter((l) => !l.startsWith("verdict:"));
  const lines = [`${verdict.allowed ? "ALLOW" : "DENY"} ${what}`, ...path];
  if (trace) {
    lines.push(`rules traversed (${backend}, filter ${trace.hook}):`);
    // iptables lines name their chain (`-A cali-…`); nft rule text does not, so prefix it.
    for (const r of trace.rules) lines.push(backend === "iptables" ? `  ${r.text}` : `  ${r.chain}: ${r.text}`);
    if (trace.neighbours) lines.push(`  IPv6 neighbour discovery on the uplink: ${trace.neighbours.join(", ")}`);
    lines.push(`  => ${trace.verdict}`);
    if ((trace.verdict === "accept") !== verdict.allowed) {
      lines.push("warning: the compiled rules disagree with the policy's meaning; please report this as a policyc bug");
    }
  }
  io.stdout(`${lines.join("\n")}\n`);
  return expectation(expected, verdict.allowed, io);
}

/** `--expect allow|deny`: exit 1 (with a line on stderr) when the verdict is the other one, for CI. */
function expectation(expected: "allow" | "deny" | undefined, allowed: boolean, io: Io): number {
  if (expected === undefined || (expected === "allow") === allowed) return exitCodes.ok;
  io.stderr(`policyc explain: expected ${expected}, got ${allowed ? "allow" : "deny"}\n`);
  return exitCodes.invalidInput;
}

/** The flow for a port spec: TCP/UDP/SCTP from the ephemeral source port, ICMP with type and code. */
export function flowOf(port: PortSpec, family: 4 | 6, src: FlowEnd, dst: FlowEnd): Flow {
  if (port.port !== undefined) return { family, src, dst, protocol: port.number, srcPort: EXPLAIN_SOURCE_PORT, dstPort: port.port };
  return { family, src, dst, protocol: port.number, ...(port.icmpType !== undefined ? { icmpType: port.icmpType } : {}), ...(port.icmpCode !== undefined ? { icmpCode: port.icmpCode } : {}) };
}
