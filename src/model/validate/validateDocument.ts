/**
 * Validation of one document: identify its kind, decode it as the cluster's Go decoders would,
 * check its structure with zod, build the model resource, and run the per-resource semantic rules.
 */
import { error, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import { toPlain } from "../load/index.js";
import type { Resource } from "../types.js";
import type { Invariant } from "../invariants.js";
import type { FastDocument, LoadedDocument, YMap, YNode } from "../yamlTree.js";
import { buildContext, sharedBuildState, type SharedBuildState } from "./build/context.js";
import { schemaCheck } from "./schemaCheck.js";
import { goDecode } from "./goDecode.js";
import { classifyKind, type InvariantHandler, type KindClass, type KindHandler } from "./kinds.js";
import { buildOrigin } from "./origin.js";
import { parseWithSchema, schemaIssues } from "./parseWithSchema.js";
import { resourceRules } from "./rules/index.js";
import { unsupportedFields } from "./unsupportedFields.js";

export interface DocumentResult {
  /** The resource, unless the document has errors or is of a kind policyc does not compile. */
  readonly resource?: Resource;
  readonly diagnostics: readonly Diagnostic[];
  /** For a kind policyc does not compile: its apiVersion, kind and class (the caller reports it once per kind). */
  readonly skipped?: SkippedDocument;
  /** Left out because the run asked for it (`--skip-kinds`). */
  readonly skippedByRequest?: true;
  /** An invariant (policyc.dev/v1alpha1) without errors, with the span of its `kind` value. */
  readonly invariant?: { readonly invariant: Invariant; readonly at: () => Span };
}

export interface SkippedDocument {
  readonly apiVersion: string;
  readonly kind: string;
  readonly class: Exclude<KindClass, { class: "compiled" } | { class: "invariant" }>;
  /** The span of the document's `kind` value (computed on demand: most are never reported). */
  readonly at: () => Span;
}

/** Settings of a run that change how documents are read. */
export interface ValidateOptions {
  /** The namespace of namespaced resources that name none (kubectl's and calicoctl's `-n`); default `default`. */
  readonly defaultNamespace?: string;
  /** Kinds (as written in `kind`) to leave out, unread. */
  readonly skipKinds?: readonly string[];
}

/**
 * Validates one loaded document. Codes: missing-kind, the structural codes of parseWithSchema,
 * unsupported, and those of the builders and resource rules. Kinds policyc does not compile come
 * back as `skipped`, to be reported once per kind by `validateDocuments`.
 *
 * A document of the loader's fast path (`doc.fast`) is validated from its plain value, and its
 * positioned tree is read only where a diagnostic needs a position; everything else is the same
 * code, so the result is the same as for the document's positioned form.
 */
export function validateDocument(
  doc: LoadedDocument,
  text: string,
  options: ValidateOptions = {},
  shared: SharedBuildState = sharedBuildState(),
): DocumentResult {
  if (doc.fast !== undefined) return validateFast(doc, doc.fast, text, options, shared);
  const node = doc.node;
  // The loader reports documents that are not mappings.
  if (node.kind !== "map") return { diagnostics: [] };
  const apiVersion = scalarEntry(node, "apiVersion");
  const kind = scalarEntry(node, "kind");
  if (typeof apiVersion?.value !== "string" || typeof kind?.value !== "string") {
    return { diagnostics: [error("missing-kind", "the document needs string apiVersion and kind fields", (kind ?? apiVersion ?? node).span)] };
  }
  if (options.skipKinds?.includes(kind.value)) return { diagnostics: [], skippedByRequest: true };
  const classified = classifyKind(apiVersion.value, kind.value);
  if (classified.class === "invariant") return validateInvariant(doc, text, classified.handler, node, () => kind.span, shared);
  if (classified.class !== "compiled") {
    return { diagnostics: [], skipped: { apiVersion: apiVersion.value, kind: kind.value, class: classified, at: () => kind.span } };
  }
  const handler = classified.handler;
  const plain = goDecode(handler.schema, prepared(handler, toPlain(node), options), { numbersToStrings: handler.reader === "calicoctl" });
  const structural = parseWithSchema(handler.schema, node, plain);
  if (structural.data === undefined) return { diagnostics: structural.diagnostics };
  return build(doc, text, handler, structural.data, structural.diagnostics, shared);
}

/** `validateDocument` for a document of the fast path. */
function validateFast(doc: LoadedDocument, fast: FastDocument, text: string, options: ValidateOptions, shared: SharedBuildState): DocumentResult {
  const plain = fast.plain;
  const apiVersion = plain.apiVersion;
  const kind = plain.kind;
  // Reported with a position: the positioned path does that.
  if (typeof apiVersion !== "string" || typeof kind !== "string") {
    return validateDocument({ file: doc.file, index: doc.index, node: doc.node }, text, options, shared);
  }
  if (options.skipKinds?.includes(kind)) return { diagnostics: [], skippedByRequest: true };
  const classified = classifyKind(apiVersion, kind);
  // Invariants are few: read from their positioned tree.
  if (classified.class === "invariant") return validateDocument({ file: doc.file, index: doc.index, node: doc.node }, text, options, shared);
  if (classified.class !== "compiled") {
    return { diagnostics: [], skipped: { apiVersion, kind, class: classified, at: () => scalarEntry(doc.node as YMap, "kind")?.span ?? doc.node.span } };
  }
  const handler = classified.handler;
  const value = prepared(handler, plain, options);
  // The exact fast check compiled from the schema: goDecode and zod would leave the value as is.
  if (!fast.exotic && schemaCheck(handler.schema)(value)) return build(doc, text, handler, value, [], shared);
  const decoded = goDecode(handler.schema, value, { numbersToStrings: handler.reader === "calicoctl" });
  const parsed = handler.schema.safeParse(decoded);
  if (parsed.success) return build(doc, text, handler, parsed.data, [], shared);
  const structural = schemaIssues(handler.schema, doc.node, decoded, parsed.error);
  if (structural.data === undefined) return { diagnostics: structural.diagnostics };
  return build(doc, text, handler, structural.data, structural.diagnostics, shared);
}

/** An invariant document: its schema (positions, unknown fields) and its builder (selectors, ports). */
function validateInvariant(doc: LoadedDocument, text: string, handler: InvariantHandler, node: YNode, at: () => Span, shared: SharedBuildState): DocumentResult {
  const structural = parseWithSchema(handler.schema, node, toPlain(node));
  if (structural.data === undefined) return { diagnostics: structural.diagnostics };
  const ctx = buildContext(text, doc, buildOrigin(doc), shared);
  const invariant = handler.build(ctx, structural.data);
  const diagnostics = [...structural.diagnostics, ...ctx.diagnostics];
  return diagnostics.some((d) => d.severity === "error") || !invariant ? { diagnostics } : { diagnostics, invariant: { invariant, at } };
}

/**
 * Where the resource rules report, for the document `build` is checking: one callback for every
 * rule and document (rules run synchronously, one document at a time), none made per document.
 */
let reported: Diagnostic[] = [];
const report = (d: Diagnostic): void => void reported.push(d);

/** Builds the resource from the schema's output and runs the per-resource rules. */
function build(
  doc: LoadedDocument,
  text: string,
  handler: KindHandler,
  data: unknown,
  structural: readonly Diagnostic[],
  shared: SharedBuildState,
): DocumentResult {
  const origin = buildOrigin(doc);
  const ctx = buildContext(text, doc, origin, shared);
  const resource = handler.build(ctx, data);
  // The context's list is this document's alone: taken as it is when nothing comes before it.
  const diagnostics = structural.length === 0 ? ctx.diagnostics : [...structural, ...ctx.diagnostics];
  if (resource) {
    reported = diagnostics;
    for (const rule of resourceRules) rule.check(resource, report);
    for (const d of unsupportedFields(resource)) diagnostics.push(d);
  }
  const failed = diagnostics.some((d) => d.severity === "error");
  return failed || !resource ? { diagnostics } : { resource, diagnostics };
}

/**
 * A document's plain value before the cluster's decoder (`goDecode`) reads it: the kind's
 * rewrite (crd.projectcalico.org/v1 metadata), then the run's default namespace for namespaced
 * kinds that name none. `plain` is the document's own value (`toPlain` of its tree, or the fast
 * path's); it is not changed.
 */
function prepared(handler: KindHandler, plain: unknown, options: ValidateOptions): unknown {
  const given = handler.prepare ? handler.prepare(plain) : plain;
  return handler.namespaced && options.defaultNamespace !== undefined ? withDefaultNamespace(given, options.defaultNamespace) : given;
}

/**
 * The plain value of a document of a kind policyc compiles, decoded as `validateDocument` reads
 * it (nulls as Go reads them, calicoctl's number coercion, crd.projectcalico.org/v1 metadata, the
 * default namespace); undefined for other documents. For writers that store what was read, such as
 * `policyc datastore apply`.
 */
export function decodeDocument(doc: LoadedDocument, options: ValidateOptions = {}): { apiVersion: string; kind: string; plain: unknown } | undefined {
  let apiVersion: unknown;
  let kind: unknown;
  let value: () => unknown;
  if (doc.fast) {
    // A document of the fast path: its plain value is its tree's, without building the tree.
    const plain = doc.fast.plain;
    ({ apiVersion, kind } = plain);
    value = () => plain;
  } else {
    const node = doc.node;
    if (node.kind !== "map") return undefined;
    apiVersion = scalarEntry(node, "apiVersion")?.value;
    kind = scalarEntry(node, "kind")?.value;
    value = () => toPlain(node);
  }
  if (typeof apiVersion !== "string" || typeof kind !== "string") return undefined;
  const classified = classifyKind(apiVersion, kind);
  if (classified.class !== "compiled") return undefined;
  const handler = classified.handler;
  return { apiVersion, kind, plain: goDecode(handler.schema, prepared(handler, value(), options), { numbersToStrings: handler.reader === "calicoctl" }) };
}

/** The document with `metadata.namespace` set when it has none (a null one counts as none). */
function withDefaultNamespace(plain: unknown, namespace: string): unknown {
  if (typeof plain !== "object" || plain === null || Array.isArray(plain)) return plain;
  const doc = plain as Record<string, unknown>;
  const meta = doc.metadata;
  if (typeof meta !== "object" || meta === null || Array.isArray(meta)) return plain;
  const m = meta as Record<string, unknown>;
  if (m.namespace !== undefined && m.namespace !== null && m.namespace !== "") return plain;
  return { ...doc, metadata: { ...m, namespace } };
}

function scalarEntry(node: YMap, key: string): (YNode & { kind: "scalar" }) | undefined {
  const e = node.entries.find((x) => x.key === key);
  return e && e.value.kind === "scalar" ? e.value : undefined;
}
