/**
 * `.policyc.yaml`: what a repository tells every run of policyc, found upward from the working
 * directory (or named by `--config`):
 *
 *   exclude: ["charts/**", "*.tmpl.yaml"]   # files to leave out (globs, as --exclude)
 *   skipKinds: [Deployment, ConfigMap]       # kinds to leave out (as --skip-kinds)
 *   severity:                                # per diagnostic code, as esbuild's per-message
 *     unknown-tier: error                    # overrides: error, warning, note or off
 *     http-match: off
 *
 * A problem in the file is a usage error (exit 2): a run must not silently ignore its settings.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { load } from "js-yaml";
import { z } from "zod";
import { diagnosticCodes, type DiagnosticCode } from "../diagnostics/codes.js";
import { UsageError } from "./usageError.js";

export type SeverityOverride = "error" | "warning" | "note" | "off";

export interface Config {
  /** Where it was read from; absent when there is none. */
  readonly path?: string;
  readonly exclude: readonly string[];
  readonly skipKinds: readonly string[];
  readonly severity: Readonly<Partial<Record<DiagnosticCode, SeverityOverride>>>;
}

export const EMPTY_CONFIG: Config = { exclude: [], skipKinds: [], severity: {} };

const CONFIG_NAMES = [".policyc.yaml", ".policyc.yml"];

const schema = z.strictObject({
  exclude: z.array(z.string()).optional(),
  skipKinds: z.array(z.string()).optional(),
  severity: z.record(z.string(), z.enum(["error", "warning", "note", "off"])).optional(),
});

/** The config file for a run: `explicit` if given, else the nearest one from `cwd` upward. */
export function findConfig(cwd: string, explicit: string | undefined): string | undefined {
  if (explicit !== undefined) return explicit;
  let dir = resolve(cwd);
  for (;;) {
    for (const name of CONFIG_NAMES) {
      const path = join(dir, name);
      if (existsSync(path)) return path;
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads and checks a config file. */
export function readConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new UsageError(`cannot read the config ${path}: ${(e as { code?: string }).code === "ENOENT" ? "no such file" : e instanceof Error ? e.message : String(e)}`);
  }
  let data: unknown;
  try {
    data = load(text) ?? {};
  } catch (e) {
    throw new UsageError(`the config ${path} is not valid YAML: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`);
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UsageError(`the config ${path}: ${issue.path.join(".") || "document"}: ${issue.message}`);
  }
  const severity: Partial<Record<DiagnosticCode, SeverityOverride>> = {};
  for (const [code, level] of Object.entries(parsed.data.severity ?? {})) {
    if (!Object.hasOwn(diagnosticCodes, code)) throw new UsageError(`the config ${path}: unknown diagnostic code '${code}' (policyc codes lists them)`);
    severity[code as DiagnosticCode] = level;
  }
  return { path, exclude: parsed.data.exclude ?? [], skipKinds: parsed.data.skipKinds ?? [], severity };
}
