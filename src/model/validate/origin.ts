/**
 * Building a resource's `origin` from its loaded document.
 */
import type { Origin } from "../types.js";
import type { LoadedDocument } from "../yamlTree.js";

/**
 * The origin of a loaded document: its span, and its tree for finding any field's span. For a
 * document of the loader's fast path both are read through its locator when first asked for, so
 * the model holds no tree (the origin keeps the locator, never the document or its plain value).
 */
export function buildOrigin(doc: LoadedDocument): Origin {
  const fast = doc.fast;
  if (fast === undefined) return { file: doc.file, document: doc.index, span: doc.node.span, node: doc.node };
  const { locator } = fast;
  const origin = { file: doc.file, document: doc.index };
  return Object.defineProperties(origin, {
    span: { get: locator.span, enumerable: true },
    node: { get: locator.node, enumerable: true },
  }) as Origin;
}
