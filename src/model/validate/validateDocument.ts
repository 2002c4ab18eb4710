/**
 * Validation of one document: identify its kind, check its structure with zod, build the model
 * resource, and run the per-resource semantic rules.
 */
import { error, warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import { toPlain } from "../load/index.js";
import type { Resource } from "../types.js";
import type { LoadedDocument, YMap, YNode } from "../yamlTree.js";
import { buildContext } from "./build/context.js";
import { kindHandler } from "./kinds.js";
import { buildOrigin } from "./origin.js";
import { parseWithSchema } from "./parseWithSchema.js";
import { resourceRules } from "./rules/index.js";

export interface DocumentResult {
  /** The resource, unless the document has errors or is of a kind policyc ignores. */
  readonly resource?: Resource;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Validates one loaded document. Codes: missing-kind, unknown-kind (warning), the structural codes
 * of parseWithSchema, and those of the builders and resource rules.
 */
export function validateDocument(doc: LoadedDocument, text: string): DocumentResult {
  const node = doc.node;
  // The loader reports documents that are not mappings.
  if (node.kind !== "map") return { diagnostics: [] };
  const apiVersion = scalarEntry(node, "apiVersion");
  const kind = scalarEntry(node, "kind");
  if (typeof apiVersion?.value !== "string" || typeof kind?.value !== "string") {
    return { diagnostics: [error("missing-kind", "the document needs string apiVersion and kind fields", (kind ?? apiVersion ?? node).span)] };
  }
  const handler = kindHandler(apiVersion.value, kind.value);
  if (!handler) {
    const msg = `policyc does not compile ${apiVersion.value} ${kind.value}; the document is skipped`;
    return { diagnostics: [warning("unknown-kind", msg, kind.span)] };
  }
  const structural = parseWithSchema(handler.schema, node, toPlain(node));
  if (structural.data === undefined) return { diagnostics: structural.diagnostics };
  const ctx = buildContext(text, node, buildOrigin(doc));
  const resource = handler.build(ctx, structural.data);
  const diagnostics = [...structural.diagnostics, ...ctx.diagnostics];
  if (resource) {
    for (const rule of resourceRules) rule.check(resource, (d) => diagnostics.push(d));
  }
  const failed = diagnostics.some((d) => d.severity === "error");
  return failed || !resource ? { diagnostics } : { resource, diagnostics };
}

function scalarEntry(node: YMap, key: string): (YNode & { kind: "scalar" }) | undefined {
  const e = node.entries.find((x) => x.key === key);
  return e && e.value.kind === "scalar" ? e.value : undefined;
}
