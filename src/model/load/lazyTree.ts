/**
 * Positioned trees built on demand. The fast path (`eventsToPlain.ts`, `jsonFast.ts`) keeps no
 * tree; a resource keeps a locator: its file's text and where the resource is in it. Building the
 * tree parses only that piece of text again, so a document pays for positions only when
 * something (a diagnostic, `spanOf`) asks for one.
 *
 * A piece of YAML parses on its own as it does in place when it keeps its column: block
 * indentation is by column, and a flow collection is read the same in or out of a block. So the
 * text before it on its line is replaced by as many spaces. Every result is checked (one mapping
 * whose span is the recorded one, no diagnostic, as the fast path saw it); should that ever fail,
 * the whole document the resource is in is parsed and walked to it, and failing that the whole
 * file is loaded on the positioned path.
 */
import { parseEvents } from "js-yaml";
import type { Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { TreeLocator, YMap, YNode } from "../yamlTree.js";
import { eventsToNodes } from "./eventsToNodes.js";
import type { ResourceStep } from "./eventsToPlain.js";

/** A file as the lazy trees see it. */
export interface LazyFile {
  readonly path: string;
  /** The text the offsets point into (byte order marks inside it hidden, see `byteOrderMarks.ts`). */
  readonly text: string;
  /**
   * The last resort: every resource of the file on the positioned path, by index (the loader's
   * own eager load of the file). Computed at most once per file.
   */
  readonly eager: () => readonly YNode[];
}

/** Where one resource is: its span, and the span of its document's root with the steps to it. */
export interface ResourcePlace {
  readonly start: number;
  readonly end: number;
  readonly rootStart: number;
  readonly rootEnd: number;
  readonly path: readonly ResourceStep[];
}

/**
 * A locator for the resource `index` of `file` at `place` (YAML, or JSON once its place is
 * known). `place` may be computed on first use (JSON keeps no offsets while parsing).
 */
export function lazyLocator(file: LazyFile, index: number, place: ResourcePlace | (() => ResourcePlace)): TreeLocator {
  return new LazyLocator(file, index, place);
}

/** One object per resource (the model keeps one for each): its closures would cost more. */
class LazyLocator implements TreeLocator {
  // The tree while anything uses it; the collector may take it back (a tree per resource for
  // every resource of a big input is what the fast path exists to avoid).
  private cached: WeakRef<YNode> | undefined = undefined;

  constructor(
    private readonly file: LazyFile,
    private readonly index: number,
    private place: ResourcePlace | (() => ResourcePlace),
  ) {}

  private where(): ResourcePlace {
    if (typeof this.place === "function") this.place = this.place();
    return this.place;
  }

  span(): Span {
    const p = this.where();
    return { file: this.file.path, start: p.start, end: p.end };
  }

  node(): YNode {
    const hit = this.cached?.deref();
    if (hit !== undefined) return hit;
    const built = buildTree(this.file, this.index, this.where());
    this.cached = new WeakRef(built);
    return built;
  }
}

/**
 * How often each way of building a tree was taken: the resource's own text (`piece`), its whole
 * document (`document`), the whole file (`file`). Tests check that the last resorts are not needed.
 */
export const lazyTreeCounts = { piece: 0, document: 0, file: 0 };

function buildTree(file: LazyFile, index: number, p: ResourcePlace): YNode {
  const matches = (node: YNode | undefined): node is YMap => node?.kind === "map" && node.span.start === p.start && node.span.end === p.end;
  if (p.path.length > 0) {
    const alone = parsePiece(file, p.start, p.end);
    if (matches(alone)) {
      lazyTreeCounts.piece++;
      return alone;
    }
  }
  const root = parsePiece(file, p.rootStart, p.rootEnd);
  const found = root === undefined ? undefined : walk(root, p.path);
  if (matches(found)) {
    if (p.path.length > 0) lazyTreeCounts.document++;
    else lazyTreeCounts.piece++;
    return found;
  }
  lazyTreeCounts.file++;
  const eager = file.eager()[index];
  if (eager === undefined) throw new Error(`internal: resource ${index} of ${file.path} is missing on the positioned path`);
  return eager;
}

/**
 * The positioned tree of the text `[start, end)` of a file, parsed on its own with its column
 * kept; undefined when it does not parse into exactly one node without diagnostics.
 */
export function parsePiece(file: LazyFile, start: number, end: number): YNode | undefined {
  let lineStart = file.text.lastIndexOf("\n", start - 1) + 1;
  // A byte order mark at the very start of the text is not part of the first line's indentation
  // (the parser skips it; any other is hidden by `hideByteOrderMarks`).
  if (lineStart === 0 && file.text.charCodeAt(0) === 0xfeff) lineStart = 1;
  const column = start - lineStart;
  const source = " ".repeat(column) + file.text.slice(start, end);
  let events;
  try {
    events = parseEvents(source, { filename: file.path });
  } catch {
    return undefined;
  }
  const diagnostics: Diagnostic[] = [];
  const roots = eventsToNodes(events, { file: file.path, source, base: start - column }, diagnostics);
  return diagnostics.length === 0 && roots.length === 1 ? (roots[0] ?? undefined) : undefined;
}

function walk(root: YNode, path: readonly ResourceStep[]): YNode | undefined {
  let node: YNode | undefined = root;
  for (const step of path) {
    if (node === undefined) return undefined;
    if (typeof step === "number") node = node.kind === "seq" ? node.items[step] : undefined;
    else node = node.kind === "map" ? node.entries.find((e) => e.key === step)?.value : undefined;
  }
  return node;
}
