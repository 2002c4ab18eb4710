/**
 * Finding the YAML node behind a path (as zod reports it, or as the model's dotted paths spell it).
 */
import { viaMerge, type Span } from "../../diagnostics/span.js";
import type { YMapEntry, YNode } from "../yamlTree.js";

/** A path into a document: mapping keys and sequence indices. */
export type Path = readonly PropertyKey[];

/**
 * Where a path ends up: the deepest node reached, the map entry holding it, and whether it was
 * found whole. `mergedAt` is the first (outermost) merge key the walk went through, if any.
 */
export interface PathTarget {
  readonly node: YNode;
  readonly entry?: YMapEntry;
  readonly complete: boolean;
  readonly mergedAt?: Span;
}

/** Walks `path` from `root` as far as it goes. */
export function resolvePath(root: YNode, path: Path): PathTarget {
  let node = root;
  let entry: YMapEntry | undefined;
  let mergedAt: Span | undefined;
  const target = (complete: boolean): PathTarget => ({ node, ...(entry ? { entry } : {}), complete, ...(mergedAt ? { mergedAt } : {}) });
  for (const step of path) {
    const next = childOf(node, step);
    if (!next) return target(false);
    node = next.node;
    entry = next.entry;
    mergedAt ??= next.entry?.mergedAt;
  }
  return target(true);
}

/**
 * The span of the value at `path`, or of the nearest ancestor that exists (a missing field points
 * at the mapping that should hold it). Through a merge key it carries `mergedAt`.
 */
export function pathToSpan(root: YNode, path: Path): Span {
  const target = resolvePath(root, path);
  return viaMerge(target.node.span, target.mergedAt);
}

/** The span of the key of the entry at `path` (its value's span when it is a sequence item or absent). */
export function pathToKeySpan(root: YNode, path: Path): Span {
  const target = resolvePath(root, path);
  return viaMerge(target.complete && target.entry ? target.entry.keySpan : target.node.span, target.mergedAt);
}

/** Splits a dotted model path (`spec.ingress.0.source`) into steps; all-digit steps are indices. */
export function splitDotted(path: string): Path {
  if (path === "") return [];
  return path.split(".").map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

function childOf(node: YNode, step: PropertyKey): { node: YNode; entry?: YMapEntry } | undefined {
  if (node.kind === "seq") {
    const index = typeof step === "number" ? step : Number(step);
    const item = Number.isInteger(index) ? node.items[index] : undefined;
    return item ? { node: item } : undefined;
  }
  if (node.kind === "map") {
    // The last entry wins, as in the plain value (the loader reports duplicate keys).
    const key = String(step);
    for (let i = node.entries.length - 1; i >= 0; i--) {
      const e = node.entries[i];
      if (e && e.key === key) return { node: e.value, entry: e };
    }
  }
  return undefined;
}
