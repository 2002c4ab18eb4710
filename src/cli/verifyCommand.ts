/**
 * `policyc verify [--invariants FILE]... PATH...`: proves the invariants (policyc.dev/v1alpha1,
 * from the --invariants files and from PATH) over every pair of workload endpoints and every
 * packet: ports of TCP, UDP and SCTP, ICMP types and codes, other protocols (`verifyInvariants`), or prints for each broken one the smallest
 * counterexample with the decision path `explain` prints and the rule that opens the hole
 * (file:line). Exit 0 when every invariant holds, 1 when one does not (or the input has errors),
 * 2 on a usage error.
 */
import { hasErrors, type Diagnostic } from "../diagnostics/diagnostic.js";
import { lineColumn } from "../diagnostics/span.js";
import type { Invariant } from "../model/invariants.js";
import { spanOf } from "../model/types.js";
import { assertNever } from "../diagnostics/index.js";
import type { Family, FlowSpan, InvariantVerdict, Step, VerifyResult } from "../semantics/index.js";
import { formatVerdict, prepareModel, verifyInvariants } from "../semantics/index.js";
import { inputFlags, inputRequest, loadCommandInputs, type CommandInputs } from "./commandInputs.js";
import { locator, type Located } from "./diffCommand.js";
import { painter } from "./formats/color.js";
import { renderText as renderDiagnostics } from "./formats/text.js";
import { exitCodes, type Io } from "./io.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import type { PreparedInputs } from "./prepareInputs.js";
import { spanText } from "./spanText.js";
import { UsageError } from "./usageError.js";
import { policycVersion } from "./version.js";

type Format = "text" | "json" | "sarif";

/** Where an invariant is written (its `metadata.name`). */
interface Where {
  readonly file: string;
  readonly line?: number;
}

interface Rendered {
  readonly verdict: InvariantVerdict;
  readonly where: Where;
  /** The rule (or profile) that allows the counterexample, located when it is written in a file. */
  readonly openedBy?: Located;
  /** The path `explain` prints for the counterexample, without its closing verdict line. */
  readonly path?: readonly string[];
}

function whereOf(inv: Invariant, sources: Readonly<Record<string, string>>): Where {
  const text = sources[inv.origin.file];
  return text === undefined ? { file: inv.origin.file } : { file: inv.origin.file, line: lineColumn(text, spanOf(inv.origin, "metadata.name").start).line };
}

function at(w: { readonly file?: string; readonly line?: number }): string {
  return w.file === undefined ? "" : `${w.file}${w.line !== undefined ? `:${w.line}` : ""}`;
}

/**
 * The step that let the counterexample through: the last step of ingress at the destination, else
 * of egress at the source, the first written in a file (for a default-deny invariant, its direction's).
 */
function openedBy(v: InvariantVerdict, locate: (s: Step) => Located): Located | undefined {
  const verdict = v.counterexample?.verdict;
  if (!verdict) return undefined;
  // A default-deny invariant is broken by its direction's profile; the other direction opens nothing.
  const inv = v.invariant;
  const directions = inv.kind === "DefaultDenyInvariant" ? [inv.direction === "Ingress" ? verdict.ingress : verdict.egress] : [verdict.ingress, verdict.egress];
  const steps = directions.flatMap((d) => (d?.steps.length ? [locate(d.steps.at(-1)!)] : []));
  return steps.find((s) => s.file !== undefined) ?? steps[0];
}

function flowText(v: InvariantVerdict, family: Family): string {
  const c = v.counterexample!;
  return `${c.from} -> ${c.to} ${spanText(c.packet, family)}`;
}

/** A counterexample's packet as JSON: `protocol` and `port`, `protocol` with `icmpType` and `icmpCode`, or a protocol number. */
function packetJson(packet: FlowSpan): object {
  switch (packet.kind) {
    case "ports":
      return { protocol: packet.protocol, port: packet.first };
    case "icmp":
      return { protocol: packet.protocol, icmpType: packet.first.type, icmpCode: packet.first.code };
    case "protocols":
      return { protocol: packet.first };
    default:
      return assertNever(packet);
  }
}

function summary(result: VerifyResult): string {
  const broken = result.verdicts.filter((v) => !v.holds).length;
  const what = broken === 0 ? `all ${result.verdicts.length} invariant(s) hold` : `${broken} of ${result.verdicts.length} invariant(s) violated`;
  return `${what} (IPv${result.family}: ${result.endpoints} endpoints in ${result.classes} classes; ${result.probes} intervals of TCP, UDP and SCTP ports, ICMP types and other protocols)`;
}

function renderText(result: VerifyResult, rows: readonly Rendered[]): string {
  const out = [`policyc verify: ${summary(result)}`];
  for (const r of rows) {
    const { invariant } = r.verdict;
    const head = `${invariant.name} (${invariant.kind}, ${at(r.where)})`;
    out.push("");
    for (const field of r.verdict.matchesNothing) out.push(`warning: ${invariant.name}: ${field} matches no endpoint`);
    if (r.verdict.holds) {
      out.push(`holds     ${head}`);
      continue;
    }
    out.push(`VIOLATED  ${head}: in ${r.verdict.violations} (source class, destination class, interval) group(s)`);
    out.push(`  counterexample: ${flowText(r.verdict, result.family)}`);
    if (r.openedBy) out.push(`  opened by: ${r.openedBy.text}`);
    for (const line of r.path ?? []) out.push(`    ${line}`);
  }
  return `${out.join("\n")}\n`;
}

function toJson(result: VerifyResult, rows: readonly Rendered[]): unknown {
  return {
    family: result.family,
    holds: result.verdicts.every((v) => v.holds),
    endpoints: result.endpoints,
    classes: result.classes,
    probes: result.probes,
    invariants: rows.map((r) => ({
      name: r.verdict.invariant.name,
      kind: r.verdict.invariant.kind,
      file: r.where.file,
      ...(r.where.line !== undefined ? { line: r.where.line } : {}),
      holds: r.verdict.holds,
      violations: r.verdict.violations,
      matchesNothing: r.verdict.matchesNothing,
      ...(r.verdict.counterexample
        ? {
            counterexample: {
              from: r.verdict.counterexample.from,
              to: r.verdict.counterexample.to,
              ...packetJson(r.verdict.counterexample.packet),
              ...(r.openedBy ? { openedBy: r.openedBy } : {}),
              verdict: r.verdict.counterexample.verdict,
            },
          }
        : {}),
    })),
  };
}

function sarifLocation(l: { readonly file?: string; readonly line?: number }, message?: string): Record<string, unknown> {
  return {
    physicalLocation: { artifactLocation: { uri: encodeURI(l.file ?? "") }, ...(l.line !== undefined ? { region: { startLine: l.line } } : {}) },
    ...(message !== undefined ? { message: { text: message } } : {}),
  };
}

/** SARIF 2.1.0: one result per violated invariant, at the rule that opens the hole (the invariant when none is written). */
function renderSarif(result: VerifyResult, rows: readonly Rendered[]): string {
  const rules = [{ id: "invariant-violated", shortDescription: { text: "The policies allow a connection that an invariant forbids" } }];
  const results = rows
    .filter((r) => !r.verdict.holds)
    .map((r) => {
      const { invariant } = r.verdict;
      const opener = r.openedBy?.file !== undefined ? r.openedBy : undefined;
      return {
        ruleId: "invariant-violated",
        ruleIndex: 0,
        level: "error",
        message: {
          text: `${invariant.kind} ${invariant.name} is violated: ${flowText(r.verdict, result.family)} is allowed${r.openedBy ? ` by ${r.openedBy.text}` : ""} (in ${r.verdict.violations} (source class, destination class, interval) group(s))`,
        },
        locations: [sarifLocation(opener ?? r.where)],
        relatedLocations: [{ id: 0, ...sarifLocation(r.where, `invariant ${invariant.name}`) }],
      };
    });
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "policyc", version: policycVersion(), informationUri: "https://github.com/policyc/policyc", rules } }, results }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/** Prints the diagnostics (only errors with --quiet), without the notes that say invariants are not compiled. */
function report(loaded: CommandInputs, quiet: boolean, io: Io): void {
  const shown = loaded.diagnostics.filter((d: Diagnostic) => d.code !== "invariant-not-compiled" && (!quiet || d.severity === "error"));
  if (shown.length > 0) io.stderr(renderDiagnostics(shown, loaded.sources, undefined, painter(io, "stderr")));
}

/** `policyc verify [--invariants FILE]... [--family 4|6] [--format text|json|sarif] PATH...` */
export async function verifyCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    invariants: { type: "string", multiple: true },
    family: { type: "string" },
    format: { type: "string" },
    ...inputFlags,
  });
  const format: Format = oneOf("format", values.format, ["text", "json", "sarif"] as const, "text");
  const family = Number(oneOf("family", values.family, ["4", "6"] as const, "4")) as 4 | 6;
  if (positionals.length === 0) throw new UsageError("verify takes the cluster's PATH...");
  const files = values.invariants ?? [];

  const cluster = loadCommandInputs(inputRequest(values, positionals, io), io);
  report(cluster, values.quiet === true, io);
  const invariants: Invariant[] = [...(cluster.model.invariants ?? [])];
  const sources: Record<string, string> = { ...cluster.sources };
  let failed = hasErrors(cluster.diagnostics);
  if (files.length > 0) {
    const loaded = loadCommandInputs(inputRequest(values, files, io), io);
    report(loaded, values.quiet === true, io);
    failed ||= hasErrors(loaded.diagnostics);
    const other = loaded.model.resources[0];
    if (other) throw new UsageError(`--invariants ${other.origin.file}: holds a ${other.kind} (${other.metadata.name}); put cluster resources in PATH, invariants in --invariants`);
    const known = new Set(invariants.map((i) => `${i.origin.file} ${i.origin.document}`));
    for (const i of loaded.model.invariants ?? []) if (!known.has(`${i.origin.file} ${i.origin.document}`)) invariants.push(i);
    Object.assign(sources, loaded.sources);
  }
  if (failed) return exitCodes.invalidInput;
  if (invariants.length === 0) throw new UsageError("no invariants to verify: give --invariants FILE, or put policyc.dev/v1alpha1 invariants in PATH");

  const inputs: PreparedInputs = { model: cluster.model, prepared: prepareModel(cluster.model), sources };
  const result = verifyInvariants(inputs.prepared, invariants, { family });
  const locate = locator(inputs, (f) => f);
  const rows = result.verdicts.map((verdict): Rendered => {
    const where = whereOf(verdict.invariant, sources);
    if (!verdict.counterexample) return { verdict, where };
    const o = openedBy(verdict, locate);
    const v = verdict.counterexample.verdict;
    const path = [`${v.allowed ? "ALLOW" : "DENY"} ${flowText(verdict, result.family)} (IPv${result.family})`, ...formatVerdict(v).trimEnd().split("\n").filter((l) => !l.startsWith("verdict:"))];
    return { verdict, where, path, ...(o ? { openedBy: o } : {}) };
  });
  switch (format) {
    case "text":
      io.stdout(renderText(result, rows));
      break;
    case "json":
      io.stdout(`${JSON.stringify(toJson(result, rows), null, 2)}\n`);
      break;
    case "sarif":
      io.stdout(renderSarif(result, rows));
      break;
  }
  return result.verdicts.every((v) => v.holds) ? exitCodes.ok : exitCodes.invalidInput;
}
