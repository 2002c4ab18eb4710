/**
 * Validation of one document: identify its kind, decode it as the cluster's Go decoders would,
 * check its structure with zod, build the model resource, and run the per-resource semantic rules.
 */
import { error, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { toPlain } from "../load/index.js";
import type { Resource } from "../types.js";
import type { LoadedDocument, YMap, YNode } from "../yamlTree.js";
import { buildContext } from "./build/context.js";
import { goDecode } from "./goDecode.js";
import { classifyKind, type KindClass, type KindHandler } from "./kinds.js";
import { buildOrigin } from "./origin.js";
import { parseWithSchema } from "./parseWithSchema.js";
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
}

export interface SkippedDocument {
  readonly apiVersion: string;
  readonly kind: string;
  readonly class: Exclude<KindClass, { class: "compiled" }>;
  readonly node: YNode;
}

/**
 * Validates one loaded document. Codes: missing-kind, the structural codes of parseWithSchema,
 * unsupported, and those of the builders and resource rules. Kinds policyc does not compile come
 * back as `skipped`, to be reported once per kind by `validateDocuments`.
 */
/** Settings of a run that change how documents are read. */
export interface ValidateOptions {
  /** The namespace of namespaced resources that name none (kubectl's and calicoctl's `-n`); default `default`. */
  readonly defaultNamespace?: string;
  /** Kinds (as written in `kind`) to leave out, unread. */
  readonly skipKinds?: readonly string[];
}

export function validateDocument(doc: LoadedDocument, text: string, options: ValidateOptions = {}): DocumentResult {
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
  if (classified.class !== "compiled") {
    return { diagnostics: [], skipped: { apiVersion: apiVersion.value, kind: kind.value, class: classified, node: kind } };
  }
  const handler = classified.handler;
  const plain = decodedPlain(handler, node, options);
  const structural = parseWithSchema(handler.schema, node, plain);
  if (structural.data === undefined) return { diagnostics: structural.diagnostics };
  const ctx = buildContext(text, node, buildOrigin(doc));
  const resource = handler.build(ctx, structural.data);
  const diagnostics = [...structural.diagnostics, ...ctx.diagnostics];
  if (resource) {
    for (const rule of resourceRules) rule.check(resource, (d) => diagnostics.push(d));
    for (const d of unsupportedFields(resource)) diagnostics.push(d);
  }
  const failed = diagnostics.some((d) => d.severity === "error");
  return failed || !resource ? { diagnostics } : { resource, diagnostics };
}

/** A document's plain value as the cluster's decoder reads it (see `goDecode`), before any schema check. */
function decodedPlain(handler: KindHandler, node: YNode, options: ValidateOptions): unknown {
  const given = handler.prepare ? handler.prepare(toPlain(node)) : toPlain(node);
  const prepared = handler.namespaced && options.defaultNamespace !== undefined ? withDefaultNamespace(given, options.defaultNamespace) : given;
  return goDecode(handler.schema, prepared, { numbersToStrings: handler.reader === "calicoctl" });
}

/**
 * The plain value of a document of a kind policyc compiles, decoded as `validateDocument` reads
 * it (nulls as Go reads them, calicoctl's number coercion, crd.projectcalico.org/v1 metadata, the
 * default namespace); undefined for other documents. For writers that store what was read, such as
 * `policyc datastore apply`.
 */
export function decodeDocument(doc: LoadedDocument, options: ValidateOptions = {}): { apiVersion: string; kind: string; plain: unknown } | undefined {
  if (doc.node.kind !== "map") return undefined;
  const apiVersion = scalarEntry(doc.node, "apiVersion")?.value;
  const kind = scalarEntry(doc.node, "kind")?.value;
  if (typeof apiVersion !== "string" || typeof kind !== "string") return undefined;
  const classified = classifyKind(apiVersion, kind);
  if (classified.class !== "compiled") return undefined;
  return { apiVersion, kind, plain: decodedPlain(classified.handler, doc.node, options) };
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

