import { parseEvents, type Event } from "js-yaml";
import { error, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { LoadedDocument, SourceFile, YMap, YNode } from "../yamlTree.js";
import { hideByteOrderMarks } from "./byteOrderMarks.js";
import { eventsToNodes, type DocumentRoot } from "./eventsToNodes.js";
import { eventsToPlain, StringTable, type PlainResource } from "./eventsToPlain.js";
import { jsonPlaces, jsonResources, type JsonResource } from "./jsonFast.js";
import { lazyLocator, type LazyFile, type ResourcePlace } from "./lazyTree.js";
import { ScanCache, scannable, scanPlain } from "./scanPlain.js";
import { splitDocuments } from "./splitDocuments.js";

export interface LoadResult {
  readonly documents: readonly LoadedDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

export interface LoadOptions {
  /**
   * "eager" (the default, and the reference): every document comes with its positioned tree.
   * "lazy": documents that are plain data come from the fast path (`LoadedDocument.fast`), their
   * trees built only when read; the documents, their values, trees and diagnostics are the same.
   */
  readonly positions?: "eager" | "lazy";
  /** Called as parsing goes: after each batch of a file, and once when a file is done. */
  readonly onProgress?: (progress: LoadProgress) => void;
  /**
   * With "lazy" positions: read the documents that tools write with the recogniser
   * (`scanPlain.ts`) instead of js-yaml's events (the default). The same documents either way; `false`
   * only to compare the two.
   */
  readonly recogniser?: boolean;
}

/** How far the loader has got. */
export interface LoadProgress {
  /** Files done, and the file being parsed (0-based index into the files given). */
  readonly file: number;
  /** Characters of that file parsed so far, and its length. */
  readonly parsed: number;
  readonly length: number;
}

/**
 * Parses every file (multi-document YAML or JSON) into positioned trees, unwraps `kind: List` and
 * other `*List` wrappers with an `items` sequence, takes the items of a document that is a sequence
 * as resources, and keeps going after a bad document. Codes:
 * yaml-syntax (with a zero-width span at the error), yaml-duplicate-key, document-not-object.
 * Empty (null) documents are skipped silently. `index` counts the resources loaded from a file.
 *
 * When a file does not parse as a whole, it is split at `---` markers and each document is parsed
 * on its own, so one broken document does not hide the others.
 */
export function loadDocuments(files: readonly SourceFile[], options: LoadOptions = {}): LoadResult {
  const documents: LoadedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  streamDocuments(files, options, (doc) => documents.push(doc), diagnostics);
  return { documents, diagnostics };
}

/**
 * `loadDocuments` one document at a time: each goes to `sink` as soon as its batch is parsed, in
 * order, so a caller that is done with a document before the next batch (validation) never holds
 * the plain values of a whole big file. Diagnostics are appended to `diagnostics`.
 */
export function streamDocuments(
  files: readonly SourceFile[],
  options: LoadOptions,
  sink: (doc: LoadedDocument) => void,
  diagnostics: Diagnostic[],
): void {
  const lazy = options.positions === "lazy";
  const strings = new StringTable();
  const scanCache = new ScanCache(files.reduce((chars, f) => chars + f.text.length, 0));
  files.forEach((file, fileIndex) => {
    let index = 0;
    const add = (node: YNode): void => sink({ file: file.path, index: index++, node });
    const text = hideByteOrderMarks(file.text);
    const progress = (parsed: number): void => options.onProgress?.({ file: fileIndex, parsed, length: text.length });
    if (!lazy) {
      for (const root of parseFile(file.path, text, diagnostics, progress)) addRoot(root, add, diagnostics);
      progress(text.length);
      return;
    }
    const lazyFile = lazyFileOf(file, text);
    const addFast = (value: Record<string, unknown>, exotic: boolean, place: ResourcePlace | (() => ResourcePlace)): void => {
      const locator = lazyLocator(lazyFile, index, place);
      sink(fastDocument(file.path, index++, { plain: value, exotic, locator }));
    };
    const json = jsonResources(text);
    if (json !== undefined) {
      const placeOfItem = jsonPlacesOnDemand(text, json);
      for (let i = 0; i < json.length; i++) addFast(json[i]!.value, json[i]!.exotic, placeOfItem(i));
      progress(text.length);
      return;
    }
    // js-yaml's events for a piece of text: plain values where it can, positioned trees where not.
    const viaEvents = (pieceText: string, pieceStart: number): void => {
      const parsed = parseChunk(file.path, pieceText, pieceStart);
      if (!parsed.ok) {
        for (const root of parseBroken(file.path, pieceText, pieceStart, parsed.diagnostic, diagnostics)) addRoot(root, add, diagnostics);
        return;
      }
      const where = { file: file.path, source: pieceText, base: pieceStart };
      for (const doc of eventsToPlain(parsed.events, pieceText, pieceStart, strings)) {
        if (doc.ok) {
          for (const r of doc.resources) addFast(r.value, r.exotic, placeOf(r, doc));
        } else {
          for (const root of eventsToNodes(parsed.events, where, diagnostics, doc)) addRoot(root, add, diagnostics);
        }
      }
    };
    forEachBatch(text, progress, (batch) => {
      if (options.recogniser === false || !scannable(batch.text)) {
        viaEvents(batch.text, batch.start);
        return;
      }
      // The recogniser reads what tools write; each document it leaves goes to js-yaml on its own.
      for (const doc of scanPlain(batch.text, batch.start, scanCache)) {
        if (doc.ok) {
          for (const r of doc.resources) addFast(r.value, r.exotic, placeOf(r, doc));
        } else {
          viaEvents(batch.text.slice(doc.start, doc.end), batch.start + doc.start);
        }
      }
    });
    progress(text.length);
  });
}

/**
 * For each resource of a JSON text, a function that finds its place when first asked (one scan of
 * the text finds them all). What it keeps is the text and the resources' paths, not their values:
 * every document's locator holds one of these functions for as long as the model lives, and the
 * parsed values would otherwise stay in the heap through the whole compile (on shape L, 250,000
 * resources, and major collections marking them again and again).
 */
function jsonPlacesOnDemand(text: string, resources: readonly JsonResource[]): (index: number) => () => ResourcePlace {
  const paths = resources.map(({ path }) => ({ path }));
  let places: ResourcePlace[] | undefined;
  return (index) => () => (places ??= jsonPlaces(text, paths))[index]!;
}

/** A document of the fast path: its tree is built on first read. */
function fastDocument(file: string, index: number, fast: NonNullable<LoadedDocument["fast"]>): LoadedDocument {
  return new FastLoadedDocument(file, index, fast);
}

/**
 * A class, so that every document shares one `node` getter: an object literal with a getter
 * makes a getter (and its closure) per document, 600 bytes of garbage each on bench shape L.
 */
class FastLoadedDocument implements LoadedDocument {
  constructor(
    readonly file: string,
    readonly index: number,
    readonly fast: NonNullable<LoadedDocument["fast"]>,
  ) {}

  get node(): YNode {
    return this.fast.locator.node();
  }
}

function placeOf(r: PlainResource, doc: { readonly start: number; readonly end: number }): ResourcePlace {
  return { start: r.start, end: r.end, rootStart: doc.start, rootEnd: doc.end, path: r.path };
}

/** The file as lazy trees see it; its last resort is the positioned load of the whole file. */
function lazyFileOf(file: SourceFile, text: string): LazyFile {
  let eager: YNode[] | undefined;
  return {
    path: file.path,
    text,
    eager: () => (eager ??= loadDocuments([file]).documents.map((d) => d.node)),
  };
}

/**
 * Text above this size is parsed in batches of documents of about this size, so that the parser's
 * event list (several objects per scalar) never holds a whole 100 MB file at once. Batches are cut
 * only at document markers, where cutting is always safe (see `splitDocuments`).
 */
const BATCH_CHARS = 1 << 20;

/**
 * Parses one file's text. CRLF line breaks need nothing here (YAML reads `\r\n` as one break, and
 * spans are offsets, so a `\r` is never inside one); BOMs that start documents are hidden first
 * (by the caller), with every offset kept (see `hideByteOrderMarks`).
 */
function parseFile(path: string, text: string, diagnostics: Diagnostic[], progress: (parsed: number) => void): DocumentRoot[] {
  const roots: DocumentRoot[] = [];
  forEachBatch(text, progress, (batch) => {
    roots.push(...parseText(path, batch.text, batch.start, diagnostics));
  });
  return roots;
}

/** Calls `f` on the batches of a text: the whole text when it is small, else runs of documents. */
function forEachBatch(text: string, progress: (parsed: number) => void, f: (batch: { text: string; start: number }) => void): void {
  if (text.length <= 4 * BATCH_CHARS) {
    f({ text, start: 0 });
    return;
  }
  for (const batch of batches(splitDocuments(text))) {
    f({ text: text.slice(batch.start, batch.end), start: batch.start });
    progress(batch.end);
  }
}

/** Consecutive documents grouped into runs of about BATCH_CHARS characters. */
function batches(chunks: readonly { readonly text: string; readonly start: number }[]): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  for (const chunk of chunks) {
    const last = out[out.length - 1];
    const end = chunk.start + chunk.text.length;
    if (last && end - last.start <= BATCH_CHARS) last.end = end;
    else out.push({ start: chunk.start, end });
  }
  return out;
}

/** Parses a piece of a file that starts at offset `base`; on failure, document by document. */
function parseText(path: string, text: string, base: number, diagnostics: Diagnostic[]): DocumentRoot[] {
  const whole = parseChunk(path, text, base);
  if (whole.ok) return eventsToNodes(whole.events, { file: path, source: text, base }, diagnostics);
  return parseBroken(path, text, base, whole.diagnostic, diagnostics);
}

/** A piece that does not parse as a whole (`error` says why): its documents one by one. */
function parseBroken(path: string, text: string, base: number, wholeError: Diagnostic, diagnostics: Diagnostic[]): DocumentRoot[] {
  // The common case is a file that parses; only a broken one pays for splitting.
  const file = { path, text };
  const roots: DocumentRoot[] = [];
  let failed = false;
  for (const piece of splitDocuments(text)) {
    const chunk = { text: piece.text, start: base + piece.start };
    const parsed = parseChunk(file.path, chunk.text, chunk.start);
    if (parsed.ok) {
      roots.push(...eventsToNodes(parsed.events, { file: file.path, source: chunk.text, base: chunk.start }, diagnostics));
    } else {
      failed = true;
      diagnostics.push(parsed.diagnostic);
    }
  }
  // Every piece parsed although the whole did not (e.g. a directive without a `...` before it):
  // the stream is still invalid, so report the whole-file error.
  if (!failed) diagnostics.push(wholeError);
  return roots;
}

type Parsed = { readonly ok: true; readonly events: Event[] } | { readonly ok: false; readonly diagnostic: Diagnostic };

function parseChunk(path: string, text: string, base: number): Parsed {
  try {
    return { ok: true, events: parseEvents(text, { filename: path }) };
  } catch (e) {
    const mark = (e as { mark?: { position?: unknown } }).mark;
    const position = typeof mark?.position === "number" ? Math.min(Math.max(mark.position, 0), text.length) : 0;
    const reason = (e as { reason?: unknown }).reason;
    const message = typeof reason === "string" && reason !== "" ? reason : e instanceof Error ? e.message : String(e);
    const at = base + position;
    return { ok: false, diagnostic: error("yaml-syntax", `invalid YAML: ${message}`, { file: path, start: at, end: at }) };
  }
}

/**
 * Adds a document root: skips null, unwraps lists, and takes each item of a top-level sequence as
 * a resource of its own (calicoctl reads a file whose root is a sequence of resources that way).
 * Anything else that is not a mapping is reported.
 */
function addRoot(root: DocumentRoot, add: (node: YNode) => void, diagnostics: Diagnostic[]): void {
  if (root?.kind !== "seq") {
    addResource(root, add, diagnostics);
    return;
  }
  for (const item of root.items) {
    if (item.kind === "map") {
      addResource(item, add, diagnostics);
    } else {
      const what = item.kind === "seq" ? "a sequence" : item.value === null ? "null" : `the scalar ${JSON.stringify(item.value)}`;
      diagnostics.push(error("document-not-object", `an item of a top-level sequence must be a mapping (a Kubernetes or Calico resource), not ${what}`, item.span));
    }
  }
}

/** Adds one resource (a document, or an item of a list or of a top-level sequence). */
function addResource(root: DocumentRoot, add: (node: YNode) => void, diagnostics: Diagnostic[]): void {
  if (root === null || (root.kind === "scalar" && root.value === null)) return;
  if (root.kind !== "map") {
    const what = root.kind === "seq" ? "a sequence" : `the scalar ${JSON.stringify(root.value)}`;
    diagnostics.push(error("document-not-object", `a document must be a mapping (a Kubernetes or Calico resource), not ${what}`, root.span));
    return;
  }
  const items = listItems(root);
  if (items === undefined) {
    add(root);
    return;
  }
  for (const item of items) addResource(item, add, diagnostics);
}

/**
 * The items of a list wrapper (`kind: List`, `kind: NetworkPolicyList`, ...): a mapping whose
 * `kind` is a string ending in "List" and whose `items` is a sequence, or null or absent (an empty
 * list, as `kubectl get -o yaml` prints one that found nothing). Undefined otherwise.
 */
function listItems(map: YMap): readonly YNode[] | undefined {
  const kind = map.entries.find((e) => e.key === "kind")?.value;
  if (kind?.kind !== "scalar" || typeof kind.value !== "string" || !kind.value.endsWith("List")) return undefined;
  const items = map.entries.find((e) => e.key === "items")?.value;
  if (items === undefined || (items.kind === "scalar" && items.value === null)) return [];
  return items.kind === "seq" ? items.items : undefined;
}
