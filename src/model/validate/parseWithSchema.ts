/**
 * Structural validation: runs a zod schema over a document's plain value and turns zod issues into
 * positioned diagnostics.
 */
import type { z } from "zod";
import { error, warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { DiagnosticCode } from "../../diagnostics/codes.js";
import type { YNode } from "../yamlTree.js";
import { pathToKeySpan, pathToSpan, resolvePath, type Path } from "./pathToSpan.js";

export interface SchemaResult<T> {
  /** The parsed value, when there was no structural error (unknown fields are only warnings). */
  readonly data?: T;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses `plain` (the plain value of `node`) with `schema`. Schemas use strict objects, so zod
 * reports unknown keys; those become `unknown-field` warnings pointing at the key, are removed from
 * the input, and the value is parsed again so that the resource can still be used.
 */
export function parseWithSchema<S extends z.ZodType>(schema: S, node: YNode, plain: unknown): SchemaResult<z.output<S>> {
  const first = schema.safeParse(plain);
  if (first.success) return { data: first.data, diagnostics: [] };
  return schemaIssues(schema, node, plain, first.error);
}

/** `parseWithSchema` after a first parse of `plain` failed with `failure`. */
export function schemaIssues<S extends z.ZodType>(schema: S, node: YNode, plain: unknown, failure: z.ZodError): SchemaResult<z.output<S>> {
  const first = { error: failure };
  const diagnostics: Diagnostic[] = [];
  const unknown: { path: Path; key: string }[] = [];
  let errors = 0;
  for (const issue of first.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        unknown.push({ path: issue.path, key });
        diagnostics.push(
          warning("unknown-field", `unknown field "${key}"`, pathToKeySpan(node, [...issue.path, key])),
        );
      }
      continue;
    }
    errors++;
    diagnostics.push(issueToDiagnostic(issue, node));
  }
  if (errors > 0) return { diagnostics };
  const second = schema.safeParse(withoutKeys(plain, unknown));
  if (second.success) return { data: second.data, diagnostics };
  // Removing keys cannot create new errors; report them anyway rather than lose them.
  return { diagnostics: [...diagnostics, ...second.error.issues.map((i) => issueToDiagnostic(i, node))] };
}

/** One zod issue as a diagnostic: missing-field, invalid-type or invalid-value (invalid-action for actions). */
export function issueToDiagnostic(issue: z.core.$ZodIssue, node: YNode): Diagnostic {
  const path = issue.path;
  const target = resolvePath(node, path);
  const span = pathToSpan(node, path);
  const field = path.length > 0 ? path.map(String).join(".") : "document";
  if (!target.complete) {
    return error("missing-field", `missing required field "${field}"`, span);
  }
  const last = path[path.length - 1];
  const code: DiagnosticCode =
    last === "action" ? "invalid-action" : issue.code === "invalid_type" || isTypeUnion(issue) ? "invalid-type" : "invalid-value";
  // A plain scalar that YAML 1.1 reads as a boolean, number or null where a string is expected:
  // say why (`yes`, `on`, `1.10` and `~` are not strings to Kubernetes) and how to fix it.
  const scalar = target.node;
  if (scalar.kind === "scalar" && scalar.style === "plain" && typeof scalar.value !== "string" && expectsString(issue)) {
    const text = scalar.written ?? String(scalar.value);
    if (text !== "") {
      const what =
        typeof scalar.value === "boolean"
          ? "a boolean"
          : scalar.value === null
            ? "null"
            : `a number${scalar.written === undefined ? "" : ` (${String(scalar.value)})`}`;
      return error(code, `${field}: ${text} is ${what} in YAML 1.1, which is how Kubernetes reads it; quote it: ${JSON.stringify(text)}`, span);
    }
  }
  return error(code, `${field}: ${issue.message}`, span);
}

/** The issue says a string was expected here: directly, or by a union branch that wanted one. */
function expectsString(issue: z.core.$ZodIssue): boolean {
  if (issue.code === "invalid_type") return issue.expected === "string";
  return issue.code === "invalid_union" && issue.errors.some((branch) => branch.some((i) => i.path.length === 0 && i.code === "invalid_type" && i.expected === "string"));
}

/** A union whose every branch failed on type (e.g. a map where a number or string was expected). */
function isTypeUnion(issue: z.core.$ZodIssue): boolean {
  return issue.code === "invalid_union" && issue.errors.length > 0 && issue.errors.every((b) => b.every((i) => i.code === "invalid_type"));
}

/** A copy of `plain` without the given keys (the input is not changed). */
function withoutKeys(plain: unknown, drop: readonly { path: Path; key: string }[]): unknown {
  let result = plain;
  for (const { path, key } of drop) result = removeAt(result, path, key);
  return result;
}

function removeAt(value: unknown, path: Path, key: string): unknown {
  if (value === null || typeof value !== "object") return value;
  if (path.length === 0) {
    if (Array.isArray(value)) return value;
    const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    delete copy[key];
    return copy;
  }
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    return value.map((v, i) => (i === head ? removeAt(v, rest, key) : v));
  }
  const obj = value as Record<string, unknown>;
  const k = String(head);
  return { ...obj, [k]: removeAt(obj[k], rest, key) };
}
