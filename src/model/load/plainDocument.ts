/**
 * A resource already in memory as a plain value (an object from an API, an etcd value after
 * `JSON.parse`) as a document of the loader's fast path: validation reads the plain value, and
 * the positioned tree (every node at `span`, since there is no text) is built only if a
 * diagnostic needs it. What is not a mapping goes the positioned way, which reports it. With
 * `origin`, the resource gets that origin (`FastDocument.origin`) rather than a lazy one.
 */
import type { Span } from "../../diagnostics/span.js";
import type { Origin } from "../types.js";
import type { LoadedDocument, YNode } from "../yamlTree.js";
import { hasOddity } from "./eventsToPlain.js";
import { plainToNode } from "./plainToNode.js";

export function plainDocument(file: string, index: number, value: unknown, span: Span, origin?: Origin): LoadedDocument {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return { file, index, node: plainToNode(value, span) };
  let tree: YNode | undefined;
  const node = (): YNode => (tree ??= plainToNode(value, span));
  const plain = value as Record<string, unknown>;
  return {
    file,
    index,
    fast: origin !== undefined ? { plain, exotic: hasOddity(plain), locator: { span: () => span, node }, origin } : { plain, exotic: hasOddity(plain), locator: { span: () => span, node } },
    get node(): YNode {
      return node();
    },
  };
}
