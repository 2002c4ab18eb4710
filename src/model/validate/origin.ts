/**
 * Building a resource's `origin` from its loaded document.
 */
import type { Origin } from "../types.js";
import type { LoadedDocument, TreeLocator } from "../yamlTree.js";

/**
 * The origin of a loaded document: its span, and its tree for finding any field's span. For a
 * document of the loader's fast path both are read through its locator when first asked for, so
 * the model holds no tree (the origin keeps the locator, never the document or its plain value).
 */
export function buildOrigin(doc: LoadedDocument): Origin {
  const fast = doc.fast;
  if (fast === undefined) return { file: doc.file, document: doc.index, span: doc.node.span, node: doc.node };
  if (fast.origin !== undefined) return fast.origin;
  // The locator is defined rather than written in the literal, which would make it enumerable.
  const origin = { file: doc.file, document: doc.index };
  Object.defineProperty(origin, LOCATOR, { value: fast.locator });
  Object.defineProperty(origin, "span", lazySpan);
  Object.defineProperty(origin, "node", lazyNode);
  return origin as unknown as Origin;
}

/** Where a lazy origin keeps its locator: a key that is not enumerable, so not part of its value. */
const LOCATOR = Symbol("locator");

type LazyOrigin = { readonly [LOCATOR]: TreeLocator };

/**
 * `span` and `node` of a lazy origin: enumerable getters (so the origin reads, compares and
 * serializes like a plain one) shared by every origin. Getters of their own would give each
 * origin its own hidden class, and turn it into a dictionary several times the size.
 */
const lazySpan: PropertyDescriptor = {
  get(this: LazyOrigin) {
    return this[LOCATOR].span();
  },
  enumerable: true,
};

const lazyNode: PropertyDescriptor = {
  get(this: LazyOrigin) {
    return this[LOCATOR].node();
  },
  enumerable: true,
};
