/**
 * Building a resource's `origin`: a span for every value and key, by dotted path.
 */
import type { Span } from "../../diagnostics/span.js";
import type { Origin } from "../types.js";
import type { LoadedDocument, YNode } from "../yamlTree.js";

/** The origin of a loaded document, with spans for every node in it. */
export function buildOrigin(doc: LoadedDocument): Origin {
  const spans: Record<string, Span> = {};
  const keySpans: Record<string, Span> = {};
  const visit = (node: YNode, path: string): void => {
    spans[path] = node.span;
    if (node.kind === "map") {
      for (const e of node.entries) {
        const p = join(path, e.key);
        keySpans[p] = e.keySpan;
        visit(e.value, p);
      }
    } else if (node.kind === "seq") {
      node.items.forEach((item, i) => visit(item, join(path, String(i))));
    }
  };
  visit(doc.node, "");
  return { file: doc.file, document: doc.index, span: doc.node.span, spans, keySpans };
}

function join(path: string, step: string): string {
  return path === "" ? step : `${path}.${step}`;
}
