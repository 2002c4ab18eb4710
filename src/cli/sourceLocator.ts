/**
 * `sourceLocator`: the line in its file of a policy or profile (or one of its rules), from the
 * resource's origin, for what `explain` and `diff` print as `file:line`.
 */
import { lineColumnAt, lineStarts } from "../diagnostics/span.js";
import type { Model } from "../model/types.js";
import { spanOf } from "../model/types.js";
import type { WrittenStep } from "../semantics/index.js";
import type { PreparedInputs } from "./prepareInputs.js";

/** A place in the input: the file as shown, and the line when the resource is found. */
export interface Location {
  readonly file?: string;
  readonly line?: number;
}

export interface SourceLocator {
  /**
   * Where `path` (a dotted path such as `spec.ingress.0`; `metadata.name` for the policy itself)
   * of the resource is: `kind` is a step's policy kind (or `Profile`), `name` its display name
   * (`ns/name` for namespaced kinds).
   */
  readonly at: (kind: string, name: string, file: string | undefined, path: string | undefined) => Location;
}

/** ` (file:line)`, ` (file)` or nothing. */
export function formatLocation(l: Location): string {
  return l.file === undefined ? "" : ` (${l.file}${l.line !== undefined ? `:${l.line}` : ""})`;
}

/** Where a step's rule is written, as explain prints it: `file:line`, else `file: path`. */
export function stepWhere(source: SourceLocator): (step: WrittenStep) => string {
  return (step) => {
    const l = step.kind === "rule" ? source.at(step.policyKind, step.policy, step.file, step.path) : source.at("Profile", step.profile, step.file, step.path);
    return l.line !== undefined ? `${l.file}:${l.line}` : `${step.file}: ${step.path ?? ""}`;
  };
}

/** A locator over the loaded inputs; `displayFile` maps a file's path to what is shown. */
export function sourceLocator(inputs: Pick<PreparedInputs, "model" | "sources">, displayFile: (file: string) => string = (f) => f): SourceLocator {
  const origins = new Map<string, Model["resources"][number]>();
  for (const r of inputs.model.resources) {
    const ns = "namespace" in r.metadata && r.metadata.namespace !== undefined ? `${r.metadata.namespace}/` : "";
    // Steps name a cluster-scoped policy by its API kind (AdminNetworkPolicy, ...).
    const kind = r.kind === "ClusterNetworkPolicy" ? r.apiKind : r.kind;
    origins.set(`${kind} ${r.kind === "K8sNetworkPolicy" || r.kind === "NetworkPolicy" ? ns : ""}${r.metadata.name}`, r);
  }
  // Each file's line starts, computed once (an input of megabytes is scanned once, not per step).
  const starts = new Map<string, readonly number[]>();
  const lineOf = (file: string, text: string, offset: number): number => {
    let s = starts.get(file);
    if (!s) starts.set(file, (s = lineStarts(text)));
    return lineColumnAt(s, offset).line;
  };
  return {
    at(kind, name, file, path) {
      if (file === undefined) return {};
      const r = origins.get(`${kind} ${name}`);
      const text = inputs.sources[file];
      if (!r || path === undefined || text === undefined) return { file: displayFile(file) };
      return { file: displayFile(file), line: lineOf(file, text, spanOf(r.origin, path).start) };
    },
  };
}
