/**
 * `policyc explain`: whether new connections are allowed, and why, for people. One flow from the
 * command line or many from a `--flows` file; a port by number or by the destination's port name;
 * policies and profiles named as people know them (`displayNames.ts`) and located at file:line;
 * a denied direction names the policies isolating the endpoint and what denied.
 */
import { buildIptablesLayout } from "../backends/iptables/index.js";
import { buildNftLayout } from "../backends/nftables/index.js";
import { compileModel } from "../compiler/compile.js";
import type { Flow, FlowEnd, PolicyKind, Prepared, Step, Verdict } from "../semantics/index.js";
import { endpointName, evaluateFlow, formatStep, formatVerdict, isolatingPolicies, policyName, prepareModel, profileName } from "../semantics/index.js";
import { interpretPath, neighbourPaths, packetPath } from "../compiler/packetPath.js";
import { exitCodes, type Io } from "./io.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { namesEndpoint, parseFlowEnd } from "./parseFlowEnd.js";
import { hostInterfaceFlag, parseHostInterfaces } from "./hostInterfaceFlag.js";
import { parseFlowsFile, readFlowsFile } from "./parseFlowsFile.js";
import { formatPortSpec, isNamedPortSpec, parsePortOrName, resolveNamedPort, type PortSpec } from "./parsePortSpec.js";
import { inputFlags, inputRequest } from "./commandInputs.js";
import { prepareInputs } from "./prepareInputs.js";
import { sourceLocator, stepWhere, type SourceLocator } from "./sourceLocator.js";
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
  return "endpoint" in end ? endpointName(end.endpoint) : end.ip;
}

/** One flow to explain: as given on the command line or in a `--flows` file. */
interface FlowRequest {
  readonly from: string;
  readonly to: string;
  readonly port: string;
  readonly expect?: "allow" | "deny";
  /** Where it was written (`flows.txt:3`), for messages. */
  readonly origin?: string;
}

/** A flow's answer. */
interface Answer {
  readonly request: FlowRequest;
  readonly flow: Flow;
  readonly port: PortSpec;
  readonly verdict: Verdict;
  /** Per denied direction, the policies isolating the endpoint in it (in the order they apply). */
  readonly isolation: readonly Isolation[];
}

interface Isolation {
  readonly direction: "egress" | "ingress";
  readonly endpoint: string;
  readonly policies: readonly { readonly name: string; readonly id: string; readonly kind: PolicyKind; readonly tier: string; readonly file: string; readonly line?: number }[];
  /** What ended the direction: the tier end, the rule or the final drop. */
  readonly deniedBy: string;
}

/**
 * `policyc explain (--from END --to END --port PORT | --flows FILE) [--node NAME] [--family 4|6]
 * [--rules] [--backend iptables|nftables] [--format text|json|csv] [--expect allow|deny]
 * [--host-interface NAME=IP[,IP]]... PATH...`
 */
export async function explainCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    from: { type: "string" },
    to: { type: "string" },
    port: { type: "string" },
    flows: { type: "string" },
    node: { type: "string" },
    family: { type: "string" },
    rules: { type: "boolean" },
    backend: { type: "string" },
    format: { type: "string" },
    expect: { type: "string" },
    ...hostInterfaceFlag,
    ...inputFlags,
  });
  const hostInterfaces = parseHostInterfaces(values["host-interface"]);
  const format = oneOf("format", values.format, ["text", "json", "csv"] as const, "text");
  const expected = values.expect === undefined ? undefined : oneOf("expect", values.expect, ["allow", "deny"] as const, "allow");
  const backend = oneOf("backend", values.backend, ["iptables", "nftables"] as const, "iptables");
  let requests: FlowRequest[];
  if (values.flows !== undefined) {
    if (values.from !== undefined || values.to !== undefined || values.port !== undefined) throw new UsageError("--flows replaces --from, --to and --port");
    if (values.rules === true) throw new UsageError("--rules explains one flow; it does not go with --flows");
    const text = values.flows === "-" ? (io.readStdin?.() ?? "") : readFlowsFile(values.flows);
    requests = parseFlowsFile(values.flows, text).map((r) => (r.expect === undefined && expected !== undefined ? { ...r, expect: expected } : r));
  } else {
    if (values.from === undefined || values.to === undefined || values.port === undefined) throw new UsageError("--from, --to and --port are required (or --flows FILE)");
    requests = [{ from: values.from, to: values.to, port: values.port, ...(expected !== undefined ? { expect: expected } : {}) }];
    // A bad --port is a usage error before anything is loaded.
    parsePortOrName(values.port);
  }

  // The verdict follows the chosen backend's dataplane where Felix's two differ (PrepareOptions).
  const prepareOptions = { dataplane: backend, ...(hostInterfaces ? { hostInterfaces } : {}) };
  // When every end names an endpoint, only those endpoints are prepared (PrepareOptions.endpoints);
  // the whole cluster is when one does not resolve so (a workload's short name, a typo: the
  // messages name other endpoints), or for --rules (the packet's path reads the node's endpoints).
  const ends = requests.flatMap((r) => [r.from, r.to]);
  const only = values.rules !== true && ends.every(namesEndpoint) ? new Set(ends) : undefined;
  let inputs = prepareInputs(inputRequest(values, positionals, io), values.node, io, { ...prepareOptions, ...(only ? { endpoints: only } : {}) });
  if (!inputs) return exitCodes.invalidInput;
  if (only && !ends.every((id) => inputs!.prepared.members[inputs!.prepared.memberIndexById.get(id) ?? -1]?.workload === true)) {
    inputs = { ...inputs, prepared: prepareModel(inputs.model, { ...(values.node === undefined ? {} : { node: values.node }), ...prepareOptions }) };
  }
  const source = sourceLocator(inputs);
  const answers = requests.map((r) => answer(inputs.prepared, r, values.family, source));
  if (values.flows !== undefined) return printMany(answers, format, io, source);

  const { flow, verdict } = answers[0]!;
  let trace:
    | { readonly verdict: "accept" | "drop"; readonly hook: string; readonly rules: readonly TracedRule[]; readonly neighbours?: readonly ("accept" | "drop")[] }
    | undefined;
  if (values.rules === true) {
    // Workloads are not compiled (only their pods would be): no rules to trace.
    for (const end of [flow.src, flow.dst]) {
      if ("endpoint" in end && inputs.prepared.members[inputs.prepared.memberIndexById.get(end.endpoint)!]?.kind === "Workload") {
        throw new UsageError(`--rules traces the compiled rules, and ${endpointName(end.endpoint)} is a workload, which compile leaves to its pods: name a pod or an address`);
      }
    }
    const { ir } = compileModel(inputs.model, { ...(values.node === undefined ? {} : { node: values.node }), ...(hostInterfaces ? { hostInterfaces } : {}) });
    const fam = flow.family === 4 ? ir.v4 : ir.v6;
    const path = packetPath(inputs.prepared, flow);
    const { hook, packet } = path;
    // The verdict of every table on the path (raw, mangle, filter); the rules shown are filter's.
    const traced = interpretPath(fam, path);
    const hits = traced.hits.filter((h) => h.table === "filter");
    // The rules as the backend lays them out for this IR (the packet's family).
    const key = flow.family === 4 ? "v4" : "v6";
    const rules = backend === "iptables" ? traceIptablesRules(buildIptablesLayout(ir)[key], hits, packet) : traceNftRules(buildNftLayout(ir)[key], hits);
    // IPv6 across a guarded uplink: the neighbour discovery the packet needs first must pass too.
    const neighbours = neighbourPaths(inputs.prepared, flow).map((p) => interpretPath(fam, p).verdict);
    trace = { verdict: neighbours.includes("drop") ? "drop" : traced.verdict, hook, rules, ...(neighbours.length > 0 ? { neighbours } : {}) };
  }

  if (format === "json") {
    const json = {
      ...answerJson(answers[0]!),
      ...(trace ? { rules: { backend, hook: trace.hook, verdict: trace.verdict, traversed: trace.rules } } : {}),
    };
    io.stdout(`${JSON.stringify(json, null, 2)}\n`);
    return expectation(expected, verdict.allowed, io);
  }
  if (format === "csv") {
    io.stdout(csvOf(answers, source));
    return expectation(expected, verdict.allowed, io);
  }
  const lines = [headline(answers[0]!), ...explanation(answers[0]!, source)];
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

/** Evaluates one flow (a `UsageError` for an unknown endpoint, a bad port or a named port the destination lacks). */
function answer(prepared: Prepared, request: FlowRequest, familyFlag: string | undefined, source: SourceLocator): Answer {
  const at = request.origin !== undefined ? `${request.origin}: ` : "";
  try {
    const given = parsePortOrName(request.port);
    const src = parseFlowEnd("from", request.from, prepared);
    const dst = parseFlowEnd("to", request.to, prepared);
    let port: PortSpec;
    if (isNamedPortSpec(given)) {
      if (!("endpoint" in dst.end)) throw new UsageError(`--port ${request.port}: a named port needs a destination endpoint, not an address`);
      port = resolveNamedPort(given, dst.end.endpoint, prepared.members[prepared.memberIndexById.get(dst.end.endpoint)!]!.ports);
    } else {
      port = given;
    }
    const family = flowFamily(familyFlag, [src.family, dst.family, port.family]);
    const flow = flowOf(port, family, src.end, dst.end);
    let verdict: Verdict;
    try {
      verdict = evaluateFlow(prepared, flow);
    } catch (e) {
      // The evaluator throws only for caller errors: an endpoint without an address of the family.
      throw new UsageError(e instanceof Error ? e.message : String(e));
    }
    return { request, flow, port, verdict, isolation: isolationOf(prepared, verdict, source) };
  } catch (e) {
    if (e instanceof UsageError && at !== "") throw new UsageError(`${at}${e.message}`);
    throw e;
  }
}

/** The denied directions' isolating policies and what ended them. */
function isolationOf(prepared: Prepared, verdict: Verdict, source: SourceLocator): Isolation[] {
  const out: Isolation[] = [];
  for (const direction of ["egress", "ingress"] as const) {
    const d = verdict[direction];
    if (!d || d.allowed) continue;
    const policies = isolatingPolicies(prepared, d.endpoint, direction).map((p) => {
      const l = source.at(p.kind, p.display, p.file, "metadata.name");
      return { name: policyName(p.kind, p.display), id: p.display, kind: p.kind, tier: p.tier, file: l.file ?? p.file, ...(l.line !== undefined ? { line: l.line } : {}) };
    });
    out.push({ direction, endpoint: d.endpoint, policies, deniedBy: deniedBy(d.steps.at(-1)) });
  }
  return out;
}

/** What ended a denied direction, in a few words. */
function deniedBy(step: Step | undefined): string {
  if (step === undefined) return "nothing allowed it";
  switch (step.kind) {
    case "rule":
      return `a ${step.action} rule of ${policyName(step.policyKind, step.policy)} (rule ${step.ruleIndex})`;
    case "tier-default":
      return `the end of tier ${step.tier}: no rule of its policies matched, and its default action is ${step.action}`;
    case "profile":
      return `a ${step.action} rule of ${profileName(step.profile)} (rule ${step.ruleIndex})`;
    case "no-profile-matched":
      return "the final drop: no policy allowed it and no profile accepted it";
    case "encapsulated":
      return `the drop of ${step.what} packets from workloads, before any policy`;
  }
}

function headline(a: Answer): string {
  return `${a.verdict.allowed ? "ALLOW" : "DENY"} ${describeEnd(a.flow.src)} -> ${describeEnd(a.flow.dst)} ${portText(a)} (IPv${a.flow.family})`;
}

/** `8080/TCP`, or `http/TCP (8080/TCP)` for a named port. */
function portText(a: Answer): string {
  const canonical = formatPortSpec(a.port);
  const given = parsePortOrName(a.request.port);
  return isNamedPortSpec(given) ? `${given.name}/${given.protocol} (${canonical})` : canonical;
}


/** The decision path (formatVerdict's, without its closing verdict line), located and with the isolation of a denied direction. */
function explanation(a: Answer, source: SourceLocator): string[] {
  const where = stepWhere(source);
  const denied = (direction: "egress" | "ingress"): string[] => {
    const iso = a.isolation.find((i) => i.direction === direction);
    if (!iso) return [];
    const lines =
      iso.policies.length === 0
        ? [`no policy selects ${iso.endpoint} for ${direction}: its profiles decide`]
        : [`isolated for ${direction} by:`, ...iso.policies.map((p) => `  ${p.name} in tier ${p.tier} (${p.file}${p.line !== undefined ? `:${p.line}` : ""})`)];
    return [...lines, `denied by ${iso.deniedBy}`];
  };
  return formatVerdict(a.verdict, { where, denied })
    .trimEnd()
    .split("\n")
    .filter((l) => !l.startsWith("verdict:"));
}

/** The JSON of one answer: the flow, the verdict (ids), and people's names for the isolating policies. */
function answerJson(a: Answer): object {
  return {
    flow: { ...a.flow, port: formatPortSpec(a.port), ...(isNamedPortSpec(parsePortOrName(a.request.port)) ? { namedPort: a.request.port } : {}) },
    allowed: a.verdict.allowed,
    ...(a.request.expect !== undefined ? { expected: a.request.expect, met: (a.request.expect === "allow") === a.verdict.allowed } : {}),
    verdict: a.verdict,
    ...(a.isolation.length > 0 ? { denied: a.isolation } : {}),
  };
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function csvOf(answers: readonly Answer[], source: SourceLocator): string {
  const where = stepWhere(source);
  const rows = [["from", "to", "port", "family", "verdict", "expected", "met", "decided by"]];
  for (const a of answers) {
    const last = [a.verdict.ingress, a.verdict.egress].find((d) => d && !d.allowed) ?? a.verdict.ingress ?? a.verdict.egress;
    const step = last?.steps.at(-1);
    rows.push([
      a.request.from,
      a.request.to,
      formatPortSpec(a.port),
      String(a.flow.family),
      a.verdict.allowed ? "allow" : "deny",
      a.request.expect ?? "",
      a.request.expect === undefined ? "" : String((a.request.expect === "allow") === a.verdict.allowed),
      step ? `${last!.endpoint}: ${formatStep(step, where)}` : a.verdict.policed ? "" : "not policed",
    ]);
  }
  return rows.map((r) => r.map(csvField).join(",")).join("\n") + "\n";
}

/** `--flows`: every answer in the format, then exit 1 when any expectation fails. */
function printMany(answers: readonly Answer[], format: "text" | "json" | "csv", io: Io, source: SourceLocator): number {
  const failed = answers.filter((a) => a.request.expect !== undefined && (a.request.expect === "allow") !== a.verdict.allowed);
  switch (format) {
    case "json":
      io.stdout(`${JSON.stringify({ flows: answers.map(answerJson), failed: failed.length }, null, 2)}\n`);
      break;
    case "csv":
      io.stdout(csvOf(answers, source));
      break;
    case "text": {
      const blocks = answers.map((a) => {
        const mark = a.request.expect === undefined ? "" : (a.request.expect === "allow") === a.verdict.allowed ? ` [expected ${a.request.expect}: ok]` : ` [expected ${a.request.expect}: FAILED]`;
        return [`${headline(a)}${mark}`, ...explanation(a, source).map((l) => `  ${l}`)].join("\n");
      });
      const allowed = answers.filter((a) => a.verdict.allowed).length;
      const checked = answers.filter((a) => a.request.expect !== undefined).length;
      const summary = `${answers.length} flow(s): ${allowed} allowed, ${answers.length - allowed} denied${checked > 0 ? `; ${checked - failed.length} of ${checked} expectation(s) met` : ""}`;
      io.stdout(`${[...blocks, summary].join("\n\n")}\n`);
      break;
    }
  }
  for (const a of failed) io.stderr(`policyc explain: ${a.request.origin ?? ""}${a.request.origin ? ": " : ""}${a.request.from} -> ${a.request.to} ${a.request.port}: expected ${a.request.expect}, got ${a.verdict.allowed ? "allow" : "deny"}\n`);
  return failed.length > 0 ? exitCodes.invalidInput : exitCodes.ok;
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
