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
import { assertNever } from "../diagnostics/assertNever.js";
import { writeMatrixDot } from "./matrixDot.js";
import { writeMatrixHtml } from "./matrixHtml.js";
import { MATRIX_PATH_BUDGET, matrixPaths } from "./matrixPaths.js";
import { sourceLocator, stepWhere } from "./sourceLocator.js";
import { filterWarnings, matrixSelection, parseSelectorFlag, type EndFilter, type MatrixSelection } from "./matrixSelection.js";

type Format = "text" | "json" | "csv" | "markdown" | "html" | "dot";

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
 * than fits in one string. Rows and columns are the selection's (`matrixSelection`), grouped by
 * namespace: text and Markdown print a heading line before each namespace's rows, JSON and CSV
 * list the rows in the same order.
 */

/** A namespace group's heading. */
function groupName(namespace: string): string {
  return namespace === "" ? "no namespace" : `namespace ${namespace}`;
}

/** Calls `each` for every row, and `heading` before the first row of each namespace group. */
function eachRow(sel: MatrixSelection, heading: (namespace: string) => void, each: (from: number, r: number) => void): void {
  let g = 0;
  sel.rows.forEach((from, r) => {
    const group = sel.rowGroups[g];
    if (group?.start === r) {
      heading(group.namespace);
      g++;
    }
    each(from, r);
  });
}

/**
 * Row `from` of a port as text cells over the columns `cols`, each `width` wide, separated by
 * spaces (ASCII only), in `row` (reused between rows: every cell is rewritten).
 */
function textCells(p: CompactPortMatrix, row: Buffer, cols: readonly number[], from: number, width: number): string {
  const allowed = p.row(from);
  cols.forEach((to, j) => {
    row[j * (width + 1) + width - 1] = to === from ? 0x2d : allowed[to] === 1 ? 0x58 : 0x2e;
  });
  return row.toString("latin1");
}

function writeText(m: CompactMatrix, specs: readonly PortSpec[], sel: MatrixSelection, out: (text: string) => void): void {
  const rowIds = sel.rows.map((p) => m.endpoints[p]!);
  const width = String(Math.max(sel.rows.length, sel.cols.length)).length;
  const nameWidth = Math.max(0, ...rowIds.map((id) => id.length));
  m.ports.forEach((p, i) => {
    if (i > 0) out("\n");
    out(`${formatPortSpec(specs[i]!)} IPv${m.family}: row = from, column = to (${sel.square ? "numbered as the rows" : "numbered below"}); X allowed, . denied\n`);
    if (!sel.square) sel.cols.forEach((to, j) => out(`  to ${String(j + 1).padStart(width)}  ${m.endpoints[to]!}\n`));
    out(`${" ".repeat(width + 1 + nameWidth)}  ${sel.cols.map((_, j) => String(j + 1).padStart(width)).join(" ")}\n`);
    const row = Buffer.alloc(Math.max(0, sel.cols.length * (width + 1) - 1), 0x20);
    eachRow(
      sel,
      (ns) => out(`-- ${groupName(ns)}\n`),
      (from, r) => out(`${String(r + 1).padStart(width)} ${rowIds[r]!.padEnd(nameWidth)}  ${textCells(p, row, sel.cols, from, width)}\n`),
    );
  });
}

function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

function writeCsv(m: CompactMatrix, specs: readonly PortSpec[], sel: MatrixSelection, out: (text: string) => void): void {
  out("port,family,from,to,allowed\n");
  const ids = m.endpoints.map(csvField);
  m.ports.forEach((p, i) => {
    const prefix = `${formatPortSpec(specs[i]!)},${m.family},`;
    for (const from of sel.rows) {
      const lines: string[] = [];
      const allowed = p.row(from);
      for (const to of sel.cols) if (to !== from) lines.push(`${prefix}${ids[from]!},${ids[to]!},${allowed[to] === 1}\n`);
      out(lines.join(""));
    }
  });
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

function writeMarkdown(m: CompactMatrix, specs: readonly PortSpec[], sel: MatrixSelection, out: (text: string) => void): void {
  const ids = m.endpoints;
  m.ports.forEach((p, i) => {
    if (i > 0) out("\n");
    out(`### ${formatPortSpec(specs[i]!)} (IPv${m.family})\n\n`);
    out(`| from \\ to | ${sel.cols.map((c) => mdCell(ids[c]!)).join(" | ")} |\n`);
    out(`|---|${sel.cols.map(() => ":-:").join("|")}|\n`);
    eachRow(
      sel,
      (ns) => out(`| **${mdCell(groupName(ns))}** |${sel.cols.map(() => "").join(" |")} |\n`),
      (from) => {
        const allowed = p.row(from);
        out(`| ${mdCell(ids[from]!)} | ${sel.cols.map((to) => (to === from ? "" : allowed[to] === 1 ? "✓" : "✗")).join(" | ")} |\n`);
      },
    );
  });
}

/** The JSON text `JSON.stringify({family, ports}, null, 2)` would print, a row at a time. */
function writeJson(m: CompactMatrix, specs: readonly PortSpec[], sel: MatrixSelection, out: (text: string) => void): void {
  const ids = m.endpoints;
  const indent = (text: string, by: string): string => text.replace(/\n/g, `\n${by}`);
  out(`{\n  "family": ${m.family},\n  "ports": [`);
  m.ports.forEach((p, i) => {
    const head = JSON.stringify(portKey(p, specs[i]!), null, 2);
    // The port's own fields, then `matrix` streamed (the object's closing brace dropped first).
    const fields = indent(head.slice(0, head.lastIndexOf("}")).trimEnd(), "    ");
    out(`${i > 0 ? "," : ""}\n    ${fields}${fields.endsWith("{") ? "" : ","}\n      "matrix": {`);
    sel.rows.forEach((from, f) => {
      const row: Record<string, boolean> = {};
      const allowed = p.row(from);
      for (const to of sel.cols) if (to !== from) row[ids[to]!] = allowed[to] === 1;
      out(`${f > 0 ? "," : ""}\n        ${JSON.stringify(ids[from]!)}: ${indent(JSON.stringify(row, null, 2), "        ")}`);
    });
    out(sel.rows.length > 0 ? "\n      }\n    }" : "}\n    }");
  });
  out(m.ports.length > 0 ? "\n  ]\n}\n" : "]\n}\n");
}

/** One end's filter from its flags: namespaces (repeatable, comma-separated: any of them) and selectors (all of them). */
function endFilter(namespaces: readonly string[] | undefined, selectors: readonly string[] | undefined, selectorFlag: string): EndFilter {
  const names = (namespaces ?? []).flatMap((n) => n.split(",")).map((n) => n.trim());
  if (names.some((n) => n === "")) throw new UsageError("the --…-namespace flags take namespace names separated by commas");
  return { namespaces: names.length > 0 ? [names] : [], selectors: (selectors ?? []).map((t) => parseSelectorFlag(selectorFlag, t)) };
}

/**
 * `policyc matrix [--port PORT]... [--node NAME] [--family 4|6] [--in-namespace NS]... [--selector SEL]...
 * [--from-namespace NS]... [--from-selector SEL]... [--to-namespace NS]... [--to-selector SEL]...
 * [--format text|json|csv|markdown|html|dot] PATH...`
 */
export async function matrixCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    port: { type: "string", multiple: true },
    node: { type: "string" },
    family: { type: "string" },
    format: { type: "string" },
    "in-namespace": { type: "string", multiple: true },
    selector: { type: "string", multiple: true },
    "from-namespace": { type: "string", multiple: true },
    "from-selector": { type: "string", multiple: true },
    "to-namespace": { type: "string", multiple: true },
    "to-selector": { type: "string", multiple: true },
    ...inputFlags,
  });
  const format: Format = oneOf("format", values.format, ["text", "json", "csv", "markdown", "html", "dot"] as const, "text");
  const family = Number(oneOf("family", values.family, ["4", "6"] as const, "4")) as 4 | 6;
  const given = values.port?.map(parsePortSpec);
  for (const p of given ?? []) {
    if (p.family !== undefined && p.family !== family) throw new UsageError(`--port ${formatPortSpec(p)} is for IPv${p.family}; add --family ${p.family}`);
  }
  const both = endFilter(values["in-namespace"], values.selector, "selector");
  const from = endFilter(values["from-namespace"], values["from-selector"], "from-selector");
  const to = endFilter(values["to-namespace"], values["to-selector"], "to-selector");

  const inputs = prepareInputs(inputRequest(values, positionals, io), values.node, io);
  if (!inputs) return exitCodes.invalidInput;
  const specs = given ?? declaredPorts(inputs.model);
  const ports: MatrixPort[] = specs.map((s) => ({
    port: s.port ?? 0,
    protocol: s.protocol,
    ...(s.port !== undefined ? { srcPort: EXPLAIN_SOURCE_PORT } : { icmpType: s.icmpType ?? 0, icmpCode: s.icmpCode ?? 0 }),
  }));
  const matrix = compactReachability(inputs.prepared, ports, family);
  const filters = [
    { flag: "in", filter: both },
    { flag: "from", filter: from },
    { flag: "to", filter: to },
  ];
  for (const w of filterWarnings(matrix.members, filters)) io.stderr(`policyc matrix: warning: ${w}\n`);
  const selection = matrixSelection(matrix.members, both, from, to);
  const names = specs.map(formatPortSpec);
  switch (format) {
    case "html": {
      // Each path as explain prints it, rules at their file:line.
      const paths = matrixPaths(inputs.prepared, matrix, specs, selection.rows, selection.cols, MATRIX_PATH_BUDGET, stepWhere(sourceLocator(inputs)));
      if (!paths.stored) {
        io.stderr(
          `policyc matrix: note: ${paths.rowClasses} × ${paths.colClasses} classes of endpoints on ${specs.length} port(s) are too many paths to store; ` +
            `the page shows verdicts without paths (narrow it with --in-namespace or --selector)\n`,
        );
      }
      if (paths.disagreements > 0) {
        io.stderr(`policyc matrix: warning: ${paths.disagreements} cell(s) where the evaluator and the matrix disagree; please report this as a policyc bug\n`);
      }
      writeMatrixHtml(matrix, names, selection, paths, io.stdout);
      break;
    }
    case "dot":
      writeMatrixDot(matrix, names, selection, io.stdout);
      break;
    case "json":
      writeJson(matrix, specs, selection, io.stdout);
      break;
    case "csv":
      writeCsv(matrix, specs, selection, io.stdout);
      break;
    case "markdown":
      writeMarkdown(matrix, specs, selection, io.stdout);
      break;
    case "text":
      writeText(matrix, specs, selection, io.stdout);
      break;
    default:
      assertNever(format);
  }
  return exitCodes.ok;
}
