/**
 * Building a resource's `origin` from its loaded document.
 */
import type { Origin } from "../types.js";
import type { LoadedDocument } from "../yamlTree.js";

/** The origin of a loaded document: its span, and its tree for finding any field's span. */
export function buildOrigin(doc: LoadedDocument): Origin {
  return { file: doc.file, document: doc.index, span: doc.node.span, node: doc.node };
}
