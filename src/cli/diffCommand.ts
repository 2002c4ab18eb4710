/**
 * `policyc diff OLD NEW` / `policyc diff --git A..B [PATH...]`: the connections between workload
 * endpoints that the change opens and closes (`policyDiff`), grouped by source class, destination
 * class and port range, each with what decided it before and after (file:line).
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { DirectionResult, FlowChange, PolicyDiff, Step, Verdict, WantedProbe } from "../semantics/index.js";
import { policyDiff, policyName, profileName } from "../semantics/index.js";
import { inputFlags, inputRequest } from "./commandInputs.js";
import { exitCodes, type Io } from "./io.js";
import { oneOf, parseCommandArgs } from "./parseCommandArgs.js";
import { formatPortSpec, parsePortSpec } from "./parsePortSpec.js";
import { prepareInputs, type PreparedInputs } from "./prepareInputs.js";
import { spanJson, spanText } from "./spanText.js";
import { formatLocation, sourceLocator, type Location } from "./sourceLocator.js";
import { UsageError } from "./usageError.js";
import { policycVersion } from "./version.js";

type Format = "text" | "json" | "markdown" | "sarif";

/** Where a step's rule is written: `file:line`, when known. */
export interface Located extends Location {
  readonly text: string;
}

/** A step as one line, with policies and profiles named for people and their rules located. */
export function locator(inputs: PreparedInputs, displayFile: (file: string) => string): (step: Step) => Located {
  const source = sourceLocator(inputs, displayFile);
  return (step) => {
    switch (step.kind) {
      case "rule": {
        const l = source.at(step.policyKind, step.policy, step.file, step.path);
        const name = step.ruleName !== undefined ? ` "${step.ruleName}"` : "";
        return { text: `${policyName(step.policyKind, step.policy)} rule ${step.ruleIndex}${name} in tier ${step.tier}: ${step.action}${formatLocation(l)}`, ...l };
      }
      case "tier-default":
        return { text: `tier ${step.tier} ends with no rule deciding: ${step.action}` };
      case "profile": {
        const l = source.at("Profile", step.profile, step.file, step.path);
        return { text: `${profileName(step.profile)} rule ${step.ruleIndex}: ${step.action}${formatLocation(l)}`, ...l };
      }
      case "no-profile-matched":
        return { text: "no profile accepted the packet: drop" };
      case "encapsulated":
        return { text: `${step.what} packet from a workload: dropped before any policy` };
    }
  };
}

interface Decision {
  readonly allowed: boolean;
  /** The step that decided each policed direction that took part in the verdict. */
  readonly decidedBy: readonly { readonly direction: "egress" | "ingress"; readonly at: string; readonly step: Located }[];
}

function decision(v: Verdict, locate: (step: Step) => Located): Decision {
  const directions: ["egress" | "ingress", DirectionResult | undefined][] = [
    ["egress", v.egress],
    ["ingress", v.ingress],
  ];
  // A denial is explained by the direction that denied; an allowance by every direction.
  const relevant = directions.filter(([, d]) => d !== undefined && (v.allowed || !d.allowed)).slice(0, v.allowed ? 2 : 1);
  return {
    allowed: v.allowed,
    decidedBy: relevant.map(([direction, d]) => ({ direction, at: d!.endpoint, step: locate(d!.steps.at(-1)!) })),
  };
}

function endpointList(ids: readonly string[], max = 3): string {
  return ids.length <= max ? ids.join(", ") : `${ids.slice(0, max).join(", ")} and ${ids.length - max} more`;
}

interface Rendered {
  readonly change: FlowChange;
  readonly before: Decision;
  readonly after: Decision;
}

function describe(d: Decision): string {
  const why = d.decidedBy.map((x) => `${x.direction} at ${x.at}: ${x.step.text}`).join("; ");
  return `${d.allowed ? "allow" : "deny"}${why ? ` (${why})` : " (not policed)"}`;
}

function summaryLine(diff: PolicyDiff): string {
  const opened = diff.changes.filter((c) => c.change === "open").length;
  const closed = diff.changes.length - opened;
  return `${opened} flow group(s) opened, ${closed} closed (IPv${diff.family})`;
}

function renderText(diff: PolicyDiff, rows: readonly Rendered[]): string {
  const out = [`policyc diff: ${summaryLine(diff)}`];
  for (const r of rows) {
    out.push("", `${r.change.change === "open" ? "open " : "close"} ${spanText(r.change.span, diff.family)}  ${endpointList(r.change.from)} -> ${endpointList(r.change.to)}`);
    out.push(`  before: ${describe(r.before)}`, `  after:  ${describe(r.after)}`);
  }
  if (diff.onlyBefore.length > 0) out.push("", `endpoints only before (not compared): ${endpointList(diff.onlyBefore, 10)}`);
  if (diff.onlyAfter.length > 0) out.push("", `endpoints only after (not compared): ${endpointList(diff.onlyAfter, 10)}`);
  return `${out.join("\n")}\n`;
}

function mdCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function renderMarkdown(diff: PolicyDiff, rows: readonly Rendered[]): string {
  const out = [`### policyc diff: ${summaryLine(diff)}`, ""];
  if (rows.length > 0) {
    out.push("| change | port | from | to | before | after |", "|---|---|---|---|---|---|");
    for (const r of rows) {
      const cells = [r.change.change === "open" ? "🟢 open" : "🔴 close", spanText(r.change.span, diff.family), endpointList(r.change.from), endpointList(r.change.to), describe(r.before), describe(r.after)];
      out.push(`| ${cells.map(mdCell).join(" | ")} |`);
    }
    out.push("");
  }
  if (diff.onlyBefore.length > 0) out.push(`Endpoints only before (not compared): ${endpointList(diff.onlyBefore, 10)}`, "");
  if (diff.onlyAfter.length > 0) out.push(`Endpoints only after (not compared): ${endpointList(diff.onlyAfter, 10)}`, "");
  return `${out.join("\n")}`;
}

function toJson(diff: PolicyDiff, rows: readonly Rendered[]): unknown {
  return {
    family: diff.family,
    changes: rows.map((r) => ({
      change: r.change.change,
      ...spanJson(r.change.span),
      from: r.change.from,
      to: r.change.to,
      before: r.before,
      after: r.after,
    })),
    onlyBefore: diff.onlyBefore,
    onlyAfter: diff.onlyAfter,
  };
}

/** SARIF 2.1.0: one result per change, at the rule that decides it after (before, for a close without one). */
function renderSarif(diff: PolicyDiff, rows: readonly Rendered[]): string {
  const rules = [
    { id: "flow-opened", shortDescription: { text: "The change allows connections that were denied" } },
    { id: "flow-closed", shortDescription: { text: "The change denies connections that were allowed" } },
  ];
  const results = rows.map((r) => {
    const open = r.change.change === "open";
    const located = [...r.after.decidedBy, ...r.before.decidedBy].find((x) => x.step.file !== undefined)?.step;
    return {
      ruleId: open ? "flow-opened" : "flow-closed",
      ruleIndex: open ? 0 : 1,
      level: "warning",
      message: { text: `${open ? "opens" : "closes"} ${spanText(r.change.span, diff.family)} from ${endpointList(r.change.from)} to ${endpointList(r.change.to)}: before ${describe(r.before)}; after ${describe(r.after)}` },
      ...(located?.file !== undefined
        ? { locations: [{ physicalLocation: { artifactLocation: { uri: encodeURI(located.file) }, ...(located.line !== undefined ? { region: { startLine: located.line } } : {}) } }] }
        : {}),
    };
  });
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [{ tool: { driver: { name: "policyc", version: policycVersion(), informationUri: "https://github.com/policyc/policyc", rules } }, results }],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}

/**
 * The tree of `rev` under `paths`, written to a new temporary directory (YAML and JSON files
 * only), with `git ls-tree` and `git show`. Returns the directory.
 */
function checkoutTree(rev: string, paths: readonly string[], cwd: string): string {
  const git = (args: string[]): string => {
    try {
      return execFileSync("git", args, { cwd, encoding: "utf8", maxBuffer: 1 << 30, stdio: ["ignore", "pipe", "pipe"] });
    } catch (e) {
      const stderr = (e as { stderr?: string }).stderr ?? String(e);
      throw new UsageError(`git ${args.join(" ")}: ${stderr.trim()}`);
    }
  };
  const dir = mkdtempSync(join(tmpdir(), "policyc-diff-"));
  const files = git(["ls-tree", "-r", "--name-only", "--full-tree", rev, "--", ...paths.map((p) => git(["rev-parse", "--show-prefix"]).trim() + p.replace(/^\.\/?/, ""))])
    .split("\n")
    .filter((f) => /\.(ya?ml|json)$/.test(f));
  for (const f of files) {
    const target = join(dir, f);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, git(["show", `${rev}:${f}`]));
  }
  return dir;
}

/** `policyc diff OLD NEW | --git A..B [PATH...] [--port PORT]... [--family 4|6] [--format ...] [--fail-on open|close|any]` */
export async function diffCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parseCommandArgs(argv, {
    git: { type: "string" },
    port: { type: "string", multiple: true },
    family: { type: "string" },
    format: { type: "string" },
    "fail-on": { type: "string" },
    ...inputFlags,
  });
  const format: Format = oneOf("format", values.format, ["text", "json", "markdown", "sarif"] as const, "text");
  const failOn = values["fail-on"] === undefined ? undefined : oneOf("fail-on", values["fail-on"], ["open", "close", "any"] as const, "any");
  const family = Number(oneOf("family", values.family, ["4", "6"] as const, "4")) as 4 | 6;
  const ports = values.port?.map(parsePortSpec).map((p): WantedProbe => {
    if (p.protocol === "ICMP" || p.protocol === "ICMPv6") {
      if (p.family !== family) throw new UsageError(`--port ${formatPortSpec(p)} is for IPv${p.family}; add --family ${p.family}`);
      return { protocol: p.protocol, type: p.icmpType ?? 0, code: p.icmpCode ?? 0 };
    }
    if (p.protocol === "UDPLite" || p.port === undefined) throw new UsageError(`--port ${formatPortSpec(p)}: diff compares the ports of TCP, UDP and SCTP, and ICMP types`);
    return { protocol: p.protocol, port: p.port };
  });

  let sides: [string[], string[]];
  const temporary: string[] = [];
  const shown: [string, string][] = [];
  if (values.git !== undefined) {
    const m = /^(.+?)\.\.(.+)$/.exec(values.git);
    if (!m) throw new UsageError("--git takes A..B (two revisions)");
    const paths = positionals.length > 0 ? positionals : ["."];
    const cwd = io.cwd ?? ".";
    for (const rev of [m[1]!, m[2]!]) {
      const dir = checkoutTree(rev, paths, cwd);
      temporary.push(dir);
      shown.push([`${dir}/`, `${rev}:`]);
    }
    sides = [[temporary[0]!], [temporary[1]!]];
  } else {
    if (positionals.length !== 2) throw new UsageError("diff takes two paths, OLD and NEW (or --git A..B)");
    if (positionals[0] === "-" && positionals[1] === "-") throw new UsageError("only one side can be standard input");
    sides = [[positionals[0]!], [positionals[1]!]];
  }
  const displayFile = (file: string): string => {
    for (const [prefix, label] of shown) if (file.startsWith(prefix)) return label + file.slice(prefix.length);
    return file;
  };

  try {
    const before = prepareInputs(inputRequest(values, sides[0], io), undefined, io);
    const after = prepareInputs(inputRequest(values, sides[1], io), undefined, io);
    if (!before || !after) return exitCodes.invalidInput;
    const diff = policyDiff(before.prepared, after.prepared, { family, ...(ports ? { ports } : {}) });
    const locateBefore = locator(before, displayFile);
    const locateAfter = locator(after, displayFile);
    const rows = diff.changes.map((change): Rendered => ({ change, before: decision(change.before, locateBefore), after: decision(change.after, locateAfter) }));
    switch (format) {
      case "text":
        io.stdout(renderText(diff, rows));
        break;
      case "markdown":
        io.stdout(renderMarkdown(diff, rows));
        break;
      case "json":
        io.stdout(`${JSON.stringify(toJson(diff, rows), null, 2)}\n`);
        break;
      case "sarif":
        io.stdout(renderSarif(diff, rows));
        break;
    }
    const failing = diff.changes.filter((c) => failOn === "any" || c.change === failOn);
    return failOn !== undefined && failing.length > 0 ? exitCodes.invalidInput : exitCodes.ok;
  } finally {
    for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
  }
}
