import type { CompactMatrix, CompactPortMatrix, MatrixPort } from "../semantics/index.js";
import { compactReachability } from "../semantics/index.js";
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
 * endpoints declare (pod and workload container ports, named or not; workload endpoint ports), sorted by
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
    if (r.kind === "Workload" && !r.hostNetwork) for (const p of r.ports) add(p.containerPort, p.protocol);
  }
  const specs = [...seen.values()].sort((a, b) => (a.protocol === b.protocol ? (a.port ?? 0) - (b.port ?? 0) : a.protocol < b.protocol ? -1 : 1));
  return specs.length > 0 ? specs : [FALLBACK_PORT];
}

function portKey(p: CompactPortMatrix, spec: PortSpec): Record<string, unknown> {
  return spec.port !== undefined ? { port: p.port, protocol: p.protocol } : { protocol: p.protocol, icmpType: spec.icmpType, icmpCode: spec.icmpCode };
}

/*
 * Every format is written a row at a time: on 10,000 endpoints a port has 100 million cells, more
 * than fits in one string.
 */

/**
 * Row `from` of a port as text cells, each `width` wide, separated by spaces (ASCII only), in
 * `row` (reused between rows: every cell is rewritten).
 */
function textCells(p: CompactPortMatrix, row: Buffer, count: number, from: number, width: number): string {
  const allowed = p.row(from);
  for (let to = 0; to < count; to++) row[to * (width + 1) + width - 1] = to === from ? 0x2d : allowed[to] === 1 ? 0x58 : 0x2e;
  return row.toString("latin1");
}

function writeText(m: CompactMatrix, specs: readonly PortSpec[], out: (text: string) => void): void {
  const ids = m.endpoints;
  m.ports.forEach((p, i) => {
    if (i > 0) out("\n");
    out(`${formatPortSpec(specs[i]!)} IPv${m.family}: row = from, column = to (numbered as the rows); X allowed, . denied\n`);
    const width = String(ids.length).length;
    const nameWidth = Math.max(0, ...ids.map((id) => id.length));
    out(`${" ".repeat(width + 1 + nameWidth)}  ${ids.map((_, j) => String(j + 1).padStart(width)).join(" ")}\n`);
    const row = Buffer.alloc(Math.max(0, ids.length * (width + 1) - 1), 0x20);
    ids.forEach((from, r) => out(`${String(r + 1).padStart(width)} ${from.padEnd(nameWidth)}  ${textCells(p, row, ids.length, r, width)}\n`));
  });
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeCsv(m: CompactMatrix, specs: readonly PortSpec[], out: (text: string) => void): void {
  out("port,family,from,to,allowed\n");
  const ids = m.endpoints.map(csvField);
  m.ports.forEach((p, i) => {
    const prefix = `${formatPortSpec(specs[i]!)},${m.family},`;
    ids.forEach((from, f) => {
      const lines: string[] = [];
      const allowed = p.row(f);
      ids.forEach((to, t) => {
        if (t !== f) lines.push(`${prefix}${from},${to},${allowed[t] === 1}\n`);
      });
      out(lines.join(""));
    });
  });
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function writeMarkdown(m: CompactMatrix, specs: readonly PortSpec[], out: (text: string) => void): void {
  const ids = m.endpoints;
  m.ports.forEach((p, i) => {
    if (i > 0) out("\n");
    out(`### ${formatPortSpec(specs[i]!)} (IPv${m.family})\n\n`);
    out(`| from \\ to | ${ids.map(mdCell).join(" | ")} |\n`);
    out(`|---|${ids.map(() => ":-:").join("|")}|\n`);
    ids.forEach((from, f) => {
      const allowed = p.row(f);
      out(`| ${mdCell(from)} | ${ids.map((_, t) => (t === f ? "" : allowed[t] === 1 ? "✓" : "✗")).join(" | ")} |\n`);
    });
  });
}

/** The JSON text `JSON.stringify({family, ports}, null, 2)` would print, a row at a time. */
function writeJson(m: CompactMatrix, specs: readonly PortSpec[], out: (text: string) => void): void {
  const ids = m.endpoints;
  const indent = (text: string, by: string): string => text.replace(/\n/g, `\n${by}`);
  out(`{\n  "family": ${m.family},\n  "ports": [`);
  m.ports.forEach((p, i) => {
    const head = JSON.stringify(portKey(p, specs[i]!), null, 2);
    // The port's own fields, then `matrix` streamed (the object's closing brace dropped first).
    const fields = indent(head.slice(0, head.lastIndexOf("}")).trimEnd(), "    ");
    out(`${i > 0 ? "," : ""}\n    ${fields}${fields.endsWith("{") ? "" : ","}\n      "matrix": {`);
    ids.forEach((from, f) => {
      const row: Record<string, boolean> = {};
      const allowed = p.row(f);
      ids.forEach((to, t) => {
        if (t !== f) row[to] = allowed[t] === 1;
      });
      out(`${f > 0 ? "," : ""}\n        ${JSON.stringify(from)}: ${indent(JSON.stringify(row, null, 2), "        ")}`);
    });
    out(ids.length > 0 ? "\n      }\n    }" : "}\n    }");
  });
  out(m.ports.length > 0 ? "\n  ]\n}\n" : "]\n}\n");
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
  const matrix = compactReachability(inputs.prepared, ports, family);
  const write = { json: writeJson, csv: writeCsv, markdown: writeMarkdown, text: writeText } satisfies Record<Format, unknown>;
  write[format](matrix, specs, io.stdout);
  return exitCodes.ok;
}
