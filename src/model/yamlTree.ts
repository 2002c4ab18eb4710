/**
 * The positioned YAML tree: what the load stage produces from text, before any schema is applied.
 * Every node keeps its span so later stages can point at any key or value.
 */
import type { Span } from "../diagnostics/span.js";
import type { Origin } from "./types.js";

export type ScalarStyle = "plain" | "single" | "double" | "literal" | "folded";

export interface YScalar {
  readonly kind: "scalar";
  /**
   * The resolved value under YAML 1.1's implicit types as go-yaml v2 applies them, which is how
   * Kubernetes and calicoctl read YAML (see `load/resolveScalar.ts`): `"80"` stays a string, `80`
   * is a number, `yes` is true. An integer too large for a JavaScript number keeps its text.
   */
  readonly value: string | number | boolean | null;
  readonly style: ScalarStyle;
  /**
   * For a plain scalar that did not resolve to a string: its text as written, only when that is
   * not `String(value)` (`yes`, `0x50`, `~`; not the empty text), so diagnostics can quote it.
   */
  readonly written?: string;
  /** Span of the scalar as written, including quotes or block indicators. */
  readonly span: Span;
}

export interface YMapEntry {
  readonly key: string;
  readonly keySpan: Span;
  readonly value: YNode;
  /**
   * Set on an entry a merge key (`<<: *anchor`) brought into this mapping: the span of the alias
   * it came through (of the `<<` key for a mapping written inline). `keySpan` and `value` are the
   * anchored ones. The path walkers hand it on in `Span.mergedAt`, so diagnostics point at both.
   */
  readonly mergedAt?: Span;
}

export interface YMap {
  readonly kind: "map";
  readonly entries: readonly YMapEntry[];
  readonly span: Span;
}

export interface YSeq {
  readonly kind: "seq";
  readonly items: readonly YNode[];
  readonly span: Span;
}

export type YNode = YScalar | YMap | YSeq;

/** A source file handed to the loader. Only `src/cli` reads the disk. */
export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

/** One resource document (a `List`'s items are unwrapped into documents of their own). */
export interface LoadedDocument {
  readonly file: string;
  /** 0-based index among the resources of the file, after unwrapping lists. */
  readonly index: number;
  /**
   * The positioned tree. For a document loaded on the fast path (`fast` is set) it is built from
   * the text on first use (and again after the garbage collector took it), so reading it costs a
   * parse of the document: validation reads it only to place a diagnostic.
   */
  readonly node: YNode;
  /** Set when the document was loaded on the fast path (see `load/eventsToPlain.ts`). */
  readonly fast?: FastDocument;
}

/** What the fast path knows of a document without its positioned tree. */
export interface FastDocument {
  /** The document's plain value: exactly `toPlain(node)`. */
  readonly plain: Record<string, unknown>;
  /**
   * The value holds a null or a `__proto__` key, which Go's decoding or JavaScript objects treat
   * specially: the validators' exact checks leave such a document to zod.
   */
  readonly exotic: boolean;
  /** Finds the document's span and tree in the text. */
  readonly locator: TreeLocator;
  /**
   * The origin the resource gets, when the caller keeps no more than this (the agent's store keeps
   * the etcd key alone, src/agent/etcdModel.ts), instead of a lazy one reading `locator`. Such a
   * document has no text: every node of its tree is at the same span, so a field's span is the
   * origin's span either way.
   */
  readonly origin?: Origin;
}

/**
 * How to find a resource's span and positioned tree again from its file's text. Both are computed
 * on demand; a locator holds the text and a few offsets, never a tree.
 */
export interface TreeLocator {
  /** The resource's span (`node().span`, without building the tree). */
  readonly span: () => Span;
  readonly node: () => YNode;
}
