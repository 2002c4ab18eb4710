/**
 * The load stage (API contract; implementation in progress): YAML/JSON text to positioned trees.
 */
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { LoadedDocument, SourceFile, YNode, YScalar } from "../yamlTree.js";

export interface LoadResult {
  readonly documents: readonly LoadedDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Parses every file (multi-document YAML or JSON), unwraps `kind: List` and `*List` wrappers, and
 * keeps going after a bad document. Codes: yaml-syntax, yaml-duplicate-key, document-not-object.
 */
export function loadDocuments(_files: readonly SourceFile[]): LoadResult {
  throw new Error("not implemented");
}

/**
 * Maps a range of a string scalar's decoded value to a span in its file, accounting for quotes,
 * escapes, folding and block-scalar indentation. `text` is the file's text.
 */
export function scalarValueSpan(_text: string, _scalar: YScalar, _start: number, _end: number): Span {
  throw new Error("not implemented");
}

/** The plain JavaScript value of a node (for zod). */
export function toPlain(_node: YNode): unknown {
  throw new Error("not implemented");
}
