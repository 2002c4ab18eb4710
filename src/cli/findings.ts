/**
 * Diagnostics as findings for reports: position (1-based line and column) and the resource each
 * belongs to (apiVersion, kind, namespace, name), found by reading the document that holds it.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import { diagnosticToJson, type DiagnosticJson, type SourceTexts } from "../diagnostics/format.js";
import { loadDocuments } from "../model/load/index.js";
import type { YNode } from "../model/yamlTree.js";

export interface ResourceIdentity {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly namespace?: string;
  readonly name?: string;
}

export interface Finding extends DiagnosticJson {
  /** The resource the finding is about, when it is inside one. */
  readonly resource?: ResourceIdentity;
}

function scalarAt(node: YNode, key: string): string | undefined {
  if (node.kind !== "map") return undefined;
  const v = node.entries.find((e) => e.key === key)?.value;
  return v?.kind === "scalar" && typeof v.value === "string" ? v.value : undefined;
}

/** The identity of a document of the loader's fast path, from its plain value (the same as its tree's). */
function plainIdentity(plain: Readonly<Record<string, unknown>>): ResourceIdentity {
  const str = (o: Readonly<Record<string, unknown>>, key: string): string | undefined => (typeof o[key] === "string" ? o[key] : undefined);
  const m = plain.metadata;
  const meta = typeof m === "object" && m !== null && !Array.isArray(m) ? (m as Record<string, unknown>) : undefined;
  const out: Record<string, string> = {};
  const apiVersion = str(plain, "apiVersion");
  const kind = str(plain, "kind");
  const namespace = meta ? str(meta, "namespace") : undefined;
  const name = meta ? (str(meta, "name") ?? str(meta, "cidr")) : undefined;
  if (apiVersion !== undefined) out.apiVersion = apiVersion;
  if (kind !== undefined) out.kind = kind;
  if (namespace !== undefined) out.namespace = namespace;
  if (name !== undefined) out.name = name;
  return out;
}

function identity(node: YNode): ResourceIdentity {
  const meta = node.kind === "map" ? node.entries.find((e) => e.key === "metadata")?.value : undefined;
  const out: Record<string, string> = {};
  const apiVersion = scalarAt(node, "apiVersion");
  const kind = scalarAt(node, "kind");
  const namespace = meta ? scalarAt(meta, "namespace") : undefined;
  const name = meta ? (scalarAt(meta, "name") ?? scalarAt(meta, "cidr")) : undefined;
  if (apiVersion !== undefined) out.apiVersion = apiVersion;
  if (kind !== undefined) out.kind = kind;
  if (namespace !== undefined) out.namespace = namespace;
  if (name !== undefined) out.name = name;
  return out;
}

/** Findings for `diagnostics`; files are re-read (from `sources`) only when a finding is in them. */
export function toFindings(diagnostics: readonly Diagnostic[], sources: SourceTexts): Finding[] {
  const documents = new Map<string, { start: number; end: number; id: ResourceIdentity }[]>();
  const documentsOf = (file: string): { start: number; end: number; id: ResourceIdentity }[] => {
    let list = documents.get(file);
    if (!list) {
      const text = sources[file];
      // Lazily: a big file's documents are placed and named without building their trees.
      const docs = text === undefined ? [] : loadDocuments([{ path: file, text }], { positions: "lazy" }).documents;
      list = docs.map((d) => {
        const span = d.fast ? d.fast.locator.span() : d.node.span;
        return { start: span.start, end: span.end, id: d.fast ? plainIdentity(d.fast.plain) : identity(d.node) };
      });
      documents.set(file, list);
    }
    return list;
  };
  return diagnostics.map((d) => {
    const json = diagnosticToJson(d, sources);
    const span = d.span;
    if (!span || (span.start === 0 && span.end === 0 && d.code === "skipped-file")) return json;
    const doc = documentsOf(span.file).find((x) => x.start <= span.start && span.start <= x.end);
    return doc && Object.keys(doc.id).length > 0 ? { ...json, resource: doc.id } : json;
  });
}
