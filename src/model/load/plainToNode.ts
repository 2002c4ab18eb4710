import type { Span } from "../../diagnostics/span.js";
import type { YNode } from "../yamlTree.js";

/**
 * The positioned tree of an in-memory value (an object an agent got from the Kubernetes API, not
 * text). Every node points at the same `span`, the object's only known position. Values that are
 * not JSON-like (functions, symbols, undefined) become null; numbers, strings and booleans stay.
 */
export function plainToNode(value: unknown, span: Span): YNode {
  if (Array.isArray(value)) return { kind: "seq", items: value.map((v) => plainToNode(v, span)), span };
  if (value !== null && typeof value === "object") {
    return {
      kind: "map",
      entries: Object.entries(value).map(([key, v]) => ({ key, keySpan: span, value: plainToNode(v, span) })),
      span,
    };
  }
  const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean" ? value : null;
  return { kind: "scalar", value: scalar, style: "plain", span };
}
