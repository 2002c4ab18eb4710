/**
 * The input side every command that reads PATHs shares: its flags (`-n`, `--exclude`,
 * `--skip-kinds`, `--config`, `--quiet`), standard input as `-`, the repository's `.policyc.yaml`,
 * skipping files that are not Kubernetes resources, and the per-code severity overrides.
 */
import { applySeverityOverrides, note, sortDiagnostics, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceTexts } from "../diagnostics/format.js";
import { loadModel } from "../model/loadModel.js";
import type { Model } from "../model/types.js";
import type { SourceFile } from "../model/yamlTree.js";
import { EMPTY_CONFIG, findConfig, readConfig, type Config } from "./config.js";
import { globMatcher } from "./glob.js";
import type { Io } from "./io.js";
import type { FlagSpecs } from "./parseCommandArgs.js";
import { noProgress, terminalProgress, type Progress } from "./progress.js";
import { readInputs } from "./readInputs.js";
import { UsageError } from "./usageError.js";

/** The flags of the input side, for a command's flag specs. */
export const inputFlags = {
  namespace: { type: "string", short: "n" },
  exclude: { type: "string", multiple: true },
  "skip-kinds": { type: "string", multiple: true },
  config: { type: "string" },
  quiet: { type: "boolean" },
} as const satisfies FlagSpecs;

export interface InputFlagValues {
  readonly namespace?: string;
  readonly exclude?: readonly string[];
  readonly "skip-kinds"?: readonly string[];
  readonly config?: string;
  readonly quiet?: boolean;
}

/** What a command reads, with every setting resolved. */
export interface InputRequest {
  readonly paths: readonly string[];
  readonly namespace?: string;
  readonly exclude: readonly string[];
  readonly skipKinds: readonly string[];
  readonly quiet: boolean;
  readonly config: Config;
}

/** Resolves the input flags and the config file into a request. */
export function inputRequest(values: InputFlagValues, paths: readonly string[], io: Io): InputRequest {
  if (values.namespace !== undefined && !/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(values.namespace)) {
    throw new UsageError(`--namespace '${values.namespace}' is not a namespace name (a DNS-1123 label)`);
  }
  const path = findConfig(io.cwd ?? ".", values.config);
  const config = path === undefined ? EMPTY_CONFIG : readConfig(path);
  const kinds = (values["skip-kinds"] ?? []).flatMap((k) => k.split(",")).map((k) => k.trim());
  if (kinds.some((k) => k === "")) throw new UsageError("--skip-kinds takes kind names separated by commas");
  if ((values.exclude ?? []).some((g) => g.trim() === "")) throw new UsageError("--exclude takes a non-empty glob");
  return {
    paths,
    ...(values.namespace !== undefined ? { namespace: values.namespace } : {}),
    exclude: [...config.exclude, ...(values.exclude ?? [])],
    skipKinds: [...config.skipKinds, ...kinds],
    quiet: values.quiet === true,
    config,
  };
}

export interface CommandInputs {
  readonly model: Model;
  /** Every diagnostic, overrides applied, sorted. */
  readonly diagnostics: readonly Diagnostic[];
  readonly sources: SourceTexts;
  /** Counts for the summary line. */
  readonly summary: InputSummary;
}

export interface InputSummary {
  readonly files: number;
  /** Resources in the model, by model kind. */
  readonly resources: Readonly<Record<string, number>>;
  /** Files and documents left out: not resources, excluded, of skipped or uncompiled kinds. */
  readonly skipped: number;
}

/** The path standard input is known by in diagnostics. */
export const STDIN_PATH = "<stdin>";

/**
 * Heuristics for files that a directory walk finds but that are not Kubernetes resources:
 * unrendered Helm templates (`{{ ... }}`), and YAML/JSON with no document that has both an
 * `apiVersion` and a `kind` (Chart.yaml, values.yaml, package.json). Named on the command line,
 * such a file is read anyway, and its problems are reported.
 */
function notResources(text: string): string | undefined {
  if (/\{\{[\s\S]*?\}\}/.test(text)) return "an unrendered template ({{ ... }})";
  const hasKind = /(^|\n)[ \t-]*"?kind"?[ \t]*:/.test(text) || /"kind"\s*:/.test(text);
  const hasApiVersion = /(^|\n)[ \t-]*"?apiVersion"?[ \t]*:/.test(text) || /"apiVersion"\s*:/.test(text);
  return hasKind && hasApiVersion ? undefined : "not a Kubernetes resource (no apiVersion and kind)";
}

/**
 * Reads and validates what `request` names. A run that takes more than about two seconds shows a
 * progress line on stderr when it is a terminal (not with --quiet), erased before anything else is
 * printed (see `progress.ts`).
 */
export function loadCommandInputs(request: InputRequest, io: Io): CommandInputs {
  const progress = request.quiet ? noProgress : terminalProgress({ isTTY: io.stderrIsTty, columns: io.stderrColumns, write: io.stderr });
  try {
    return loadWithProgress(request, io, progress);
  } finally {
    progress.done();
  }
}

function loadWithProgress(request: InputRequest, io: Io, progress: Progress): CommandInputs {
  const named = new Set(request.paths.map((p) => p.replace(/\\/g, "/")));
  const diagnostics: Diagnostic[] = [];
  const files: SourceFile[] = [];
  let skipped = 0;
  const fromDisk = request.paths.filter((p) => p !== "-");
  if (fromDisk.length < request.paths.length) {
    if (!io.readStdin) throw new UsageError("- (standard input) is not available here");
    files.push({ path: STDIN_PATH, text: io.readStdin() });
  }
  const read = readInputs(fromDisk, { onProgress: (p) => progress.update({ phase: "reading", ...p }) });
  diagnostics.push(...read.diagnostics);
  const excluded = request.exclude.map(globMatcher);
  // A glob with a slash is relative to the directory PATH the file was found under.
  const roots = fromDisk.map((p) => p.replace(/\\/g, "/").replace(/\/+$/, ""));
  const relative = (path: string): string[] => roots.filter((r) => path.startsWith(`${r}/`)).map((r) => path.slice(r.length + 1));
  for (const f of read.files) {
    if (!named.has(f.path) && excluded.some((m) => m(f.path) || relative(f.path).some(m))) {
      skipped++;
      continue;
    }
    const why = named.has(f.path) ? undefined : notResources(f.text);
    if (why !== undefined) {
      skipped++;
      diagnostics.push(note("skipped-file", `skipped: ${why}`, { file: f.path, start: 0, end: 0 }));
      continue;
    }
    files.push(f);
  }
  const loaded = loadModel(files, {
    ...(request.namespace !== undefined ? { defaultNamespace: request.namespace } : {}),
    skipKinds: request.skipKinds,
    onProgress: (p) => progress.update({ ...p, phase: p.phase === "parsing" ? "loading" : "checking" }),
  });
  diagnostics.push(...loaded.diagnostics);
  const resources: Record<string, number> = {};
  for (const r of loaded.model.resources) {
    // The cluster-scoped kinds, and the workload kinds, share one model kind each; the summary names the kind as written.
    const kind = r.kind === "ClusterNetworkPolicy" ? r.apiKind : r.kind === "Workload" ? r.workloadKind : r.kind;
    resources[kind] = (resources[kind] ?? 0) + 1;
  }
  return {
    model: loaded.model,
    diagnostics: sortDiagnostics(applySeverityOverrides(diagnostics, request.config.severity)),
    sources: Object.fromEntries(files.map((f) => [f.path, f.text])),
    summary: { files: files.length, resources, skipped: skipped + loaded.skipped },
  };
}
