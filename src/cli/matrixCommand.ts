import type { MatrixPort, PortMatrix, ReachabilityMatrix } from "../semantics/index.js";
import { reachabilityMatrix } from "../semantics/index.js";
import type { Model } from "../model/types.js";
import { EXPLAIN_SOURCE_PORT } from "./explainCommand.js";
import { exitCodes, type Io } from "./io.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { formatPortSpec, parsePortSpec, type PortSpec } from "./parsePortSpec.js";
import { inputFlags, inputRequest } from "./commandInputs.js";
import { prepareInputs } from "./prepareInputs.js";
import { UsageError } from "./usageError.js";

type Format = "text" | "json" | "csv" | "markdown";

/** The default port when no endpoint declares one. */
const FALLBACK_PORT: PortSpec = { protocol: "TCP", number: 6, port: 80 };

/**
 * The ports a matrix covers without `--port`: every distinct (port, protocol) that workload
 * endpoints declare (pod container ports, named or not; workload endpoint ports), sorted by
 * protocol then port; 80/TCP when there are none.
 */
export function declaredPorts(model: Model): PortSpec[] {
  const seen = new Map<string, PortSpec>();
  const add = (port: number, protocol: string): void => {
    const spec = parsePortSpec(`${port}/${protocol}`);
    seen.set(formatPortSpec(spec), spec);
  };
  for (const r of model.resources) {
    if (r.kind === "Pod" && !r.hostNetwork && r.ips.length > 0) for (const p of r.ports) add(p.containerPort, p.protocol);
    if (r.kind === "WorkloadEndpoint" || r.kind === "V1WorkloadEndpoint") for (const p of r.ports) add(p.port, String(p.protocol));
  }
  const specs = [...seen.values()].sort((a, b) => (a.protocol === b.protocol ? (a.port ?? 0) - (b.port ?? 0) : a.protocol < b.protocol ? -1 : 1));
  return specs.length > 0 ? specs : [FALLBACK_PORT];
}

function portKey(p: PortMatrix, spec: PortSpec): Record<string, unknown> {
  return spec.port !== undefined ? { port: p.port, protocol: p.protocol } : { protocol: p.protocol, icmpType: spec.icmpType, icmpCode: spec.icmpCode };
}

function endpointsOf(p: PortMatrix): string[] {
  return Object.keys(p.matrix);
}

function renderText(m: ReachabilityMatrix, specs: readonly PortSpec[]): string {
  const out: string[] = [];
  m.ports.forEach((p, i) => {
    const ids = endpointsOf(p);
    out.push(`${formatPortSpec(specs[i]!)} IPv${m.family}: row = from, column = to (numbered as the rows); X allowed, . denied`);
    const width = String(ids.length).length;
    const nameWidth = Math.max(0, ...ids.map((id) => id.length));
    out.push(`${" ".repeat(width + 1 + nameWidth)}  ${ids.map((_, j) => String(j + 1).padStart(width)).join(" ")}`);
    ids.forEach((from, r) => {
      const cells = ids.map((to) => (to === from ? "-" : p.matrix[from]?.[to] ? "X" : ".").padStart(width));
      out.push(`${String(r + 1).padStart(width)} ${from.padEnd(nameWidth)}  ${cells.join(" ")}`);
    });
    out.push("");
  });
  return out.join("\n");
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function renderCsv(m: ReachabilityMatrix, specs: readonly PortSpec[]): string {
  const lines = ["port,family,from,to,allowed"];
  m.ports.forEach((p, i) => {
    for (const [from, row] of Object.entries(p.matrix)) {
      for (const [to, allowed] of Object.entries(row)) lines.push([formatPortSpec(specs[i]!), String(m.family), csvField(from), csvField(to), String(allowed)].join(","));
    }
  });
  return `${lines.join("\n")}\n`;
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function renderMarkdown(m: ReachabilityMatrix, specs: readonly PortSpec[]): string {
  const out: string[] = [];
  m.ports.forEach((p, i) => {
    const ids = endpointsOf(p);
    out.push(`### ${formatPortSpec(specs[i]!)} (IPv${m.family})`, "");
    out.push(`| from \\ to | ${ids.map(mdCell).join(" | ")} |`);
    out.push(`|---|${ids.map(() => ":-:").join("|")}|`);
    for (const from of ids) {
      out.push(`| ${mdCell(from)} | ${ids.map((to) => (to === from ? "" : p.matrix[from]?.[to] ? "✓" : "✗")).join(" | ")} |`);
    }
    out.push("");
  });
  return out.join("\n");
}

/** `policyc matrix [--port PORT]... [--node NAME] [--family 4|6] [--format text|json|csv|markdown] PATH...` */
export async function matrixCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    port: { type: "string", multiple: true },
    node: { type: "string" },
    family: { type: "string" },
    format: { type: "string" },
    ...inputFlags,
  });
  const format: Format = oneOf("format", values.format, ["text", "json", "csv", "markdown"] as const, "text");
  const family = Number(oneOf("family", values.family, ["4", "6"] as const, "4")) as 4 | 6;
  const given = values.port?.map(parsePortSpec);
  for (const p of given ?? []) {
    if (p.family !== undefined && p.family !== family) throw new UsageError(`--port ${formatPortSpec(p)} is for IPv${p.family}; add --family ${p.family}`);
  }

  const inputs = prepareInputs(inputRequest(values, positionals, io), values.node, io);
  if (!inputs) return exitCodes.invalidInput;
  const specs = given ?? declaredPorts(inputs.model);
  const ports: MatrixPort[] = specs.map((s) => ({
    port: s.port ?? 0,
    protocol: s.protocol,
    ...(s.port !== undefined ? { srcPort: EXPLAIN_SOURCE_PORT } : { icmpType: s.icmpType ?? 0, icmpCode: s.icmpCode ?? 0 }),
  }));
  const matrix = reachabilityMatrix(inputs.prepared, ports, family);

  switch (format) {
    case "json":
      io.stdout(`${JSON.stringify({ family, ports: matrix.ports.map((p, i) => ({ ...portKey(p, specs[i]!), matrix: p.matrix })) }, null, 2)}\n`);
      break;
    case "csv":
      io.stdout(renderCsv(matrix, specs));
      break;
    case "markdown":
      io.stdout(renderMarkdown(matrix, specs));
      break;
    case "text":
      io.stdout(renderText(matrix, specs));
      break;
  }
  return exitCodes.ok;
}
