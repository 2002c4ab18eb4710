/**
 * The positioned YAML tree: what the load stage produces from text, before any schema is applied.
 * Every node keeps its span so later stages can point at any key or value.
 */
import type { Span } from "../diagnostics/span.js";

export type ScalarStyle = "plain" | "single" | "double" | "literal" | "folded";

export interface YScalar {
  readonly kind: "scalar";
  /** The resolved value under YAML 1.2's core schema (`"80"` stays a string, `80` is a number). */
  readonly value: string | number | boolean | null;
  readonly style: ScalarStyle;
  /** Span of the scalar as written, including quotes or block indicators. */
  readonly span: Span;
}

export interface YMapEntry {
  readonly key: string;
  readonly keySpan: Span;
  readonly value: YNode;
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
  readonly node: YNode;
}
