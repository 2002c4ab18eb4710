/**
 * The loader's fast path: plain JavaScript values straight from js-yaml's parser events, without
 * the positioned tree (`eventsToNodes`). Most documents are plain data (mappings, sequences and
 * untagged scalars, each key once); for those this builds exactly `toPlain(eventsToNodes(...))`
 * and records only what later stages need without a tree: where each resource's mapping starts
 * and ends, and how to find it again in its document (so `lazyTree.ts` can rebuild its tree when a
 * diagnostic needs a position).
 *
 * Anything that would make `eventsToNodes` report a diagnostic, or that needs its finer handling,
 * makes the whole document fall back to it ("bail"): anchors, aliases and merge keys, tags,
 * duplicate keys, keys that are not plain strings to Kubernetes (`~:`, a collection as key), a
 * document or top-level sequence item that is not a mapping. The fallback is the reference path,
 * so a bailed document loads exactly as before; the cost is only speed, and such documents are
 * rare. The property test `fastPath.test.ts` checks that both paths agree on every document.
 */
import { COLLECTION_STYLE, EVENT_ID, getScalarValue, SCALAR_STYLE, type Event, type ScalarEvent } from "js-yaml";
import { plainKey, resolvePlain } from "./resolveScalar.js";
import { flowEnd } from "./eventsToNodes.js";

/** A step from a document's root to a resource in it: `items` of a List, or a sequence index. */
export type ResourceStep = "items" | number;

/** A resource (a mapping) built on the fast path. Offsets are in the file's text. */
export interface PlainResource {
  readonly value: Record<string, unknown>;
  /** The mapping's span as `eventsToNodes` gives it (`[start, end)` in the file). */
  readonly start: number;
  readonly end: number;
  /** From the document root to this mapping (empty for the root itself). */
  readonly path: readonly ResourceStep[];
  /**
   * The value holds a null or a key that JavaScript objects treat specially (`__proto__`): Go's
   * null decoding may change it, so the validators' exact fast checks do not apply (see
   * `validate/schemaCheck.ts`).
   */
  readonly exotic: boolean;
}

/** What the fast path made of one document of an event stream. */
export type PlainDocument =
  | {
      readonly ok: true;
      /** The document root's span (the root is a mapping or a sequence of mappings). */
      readonly start: number;
      readonly end: number;
      readonly resources: readonly PlainResource[];
    }
  /** The document needs the positioned path: events `[from, to)` are its DOCUMENT event to its POP. */
  | { readonly ok: false; readonly from: number; readonly to: number };

/**
 * One copy of each short string value in flight. A cluster repeats a few values a great many
 * times (`TCP`, port names, label values, namespaces), and the model keeps most of them: without
 * this, each of 250,000 pods holds its own copies, which the collector copies again and again.
 * The table is cleared when it fills, so unique values (names, addresses) cannot grow it.
 */
export class StringTable {
  private readonly table = new Map<string, string>();

  constructor(private readonly capacity = 1 << 14) {}

  intern(s: string): string {
    if (s.length > 32) return s;
    const known = this.table.get(s);
    if (known !== undefined) return known;
    if (this.table.size >= this.capacity) this.table.clear();
    this.table.set(s, s);
    return s;
  }
}

/** Thrown (and caught here) when a document leaves the fast path. */
const BAIL = Symbol("bail");

/**
 * Builds every document of `events` (parsed from `source`, which starts at offset `base` of its
 * file) on the fast path, or marks it for the positioned one. Documents come back in order.
 */
export function eventsToPlain(events: readonly Event[], source: string, base: number, strings = new StringTable()): PlainDocument[] {
  const out: PlainDocument[] = [];
  let pos = 0;
  // As in `eventsToNodes`: the furthest offset consumed, since collections have no end offset.
  let lastEnd = 0;
  // Nulls seen so far: a document with none has no exotic resource.
  let oddities = 0;
  // The last node built was an empty one (`key:` or `-` with nothing after it). An empty node
  // consumes no text, so a mapping that ends with one ends (by its span) before the `:` or `-`
  // that makes it: its span's text alone would lose that node. Such a resource bails.
  let trailingEmpty = false;
  // Spans of the mappings that may be resources (see `candidate` below), keyed by the value.
  let spans = new Map<object, { start: number; end: number }>();

  const scalar = (e: ScalarEvent): unknown => {
    if (e.anchorStart !== -1 || e.tagStart !== -1) throw BAIL;
    if (e.valueStart === -1) {
      // An empty node is a plain "" (null); its span is not needed, and it consumes nothing.
      oddities++;
      trailingEmpty = true;
      return null;
    }
    trailingEmpty = false;
    const text = e.fast ? source.slice(e.valueStart, e.valueEnd) : getScalarValue(source, e);
    if (e.style === SCALAR_STYLE.PLAIN) {
      lastEnd = e.valueEnd;
      const value = resolvePlain(text);
      if (value === null) oddities++;
      return typeof value === "string" ? strings.intern(value) : value;
    }
    lastEnd = e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED ? e.valueEnd + 1 : e.valueEnd;
    return strings.intern(text);
  };

  /**
   * Builds the node at `pos`. `candidate`: a mapping here may be a resource (the root, an item of
   * a top-level sequence, an item of a candidate mapping's `items`), so its span is recorded.
   */
  const node = (candidate: boolean): unknown => {
    const e = events[pos++];
    if (e === undefined) throw new Error("internal: the YAML event stream ended early");
    switch (e.type) {
      case EVENT_ID.SCALAR:
        return scalar(e);
      case EVENT_ID.SEQUENCE: {
        if (e.anchorStart !== -1 || e.tagStart !== -1) throw BAIL;
        lastEnd = Math.max(lastEnd, e.start + 1);
        const items: unknown[] = [];
        while (events[pos]?.type !== EVENT_ID.POP) items.push(node(candidate));
        pos++;
        if (e.style === COLLECTION_STYLE.FLOW) {
          lastEnd = flowEnd(source, lastEnd, "]");
          trailingEmpty = false;
        }
        return items;
      }
      case EVENT_ID.MAPPING: {
        if (e.anchorStart !== -1 || e.tagStart !== -1) throw BAIL;
        if (e.style === COLLECTION_STYLE.FLOW) lastEnd = Math.max(lastEnd, e.start + 1);
        const map: Record<string, unknown> = {};
        while (events[pos]?.type !== EVENT_ID.POP) {
          const key = mapKey();
          // Only a candidate's `items` can hold further resources (List wrappers).
          const value = node(candidate && key === "items");
          // A key seen before (a duplicate, reported by the positioned path) or one that an
          // object inherits (`__proto__`, `toString`): leave both to the positioned path.
          if (map[key] !== undefined) throw BAIL;
          map[key] = value;
        }
        pos++;
        if (e.style === COLLECTION_STYLE.FLOW) {
          lastEnd = flowEnd(source, lastEnd, "}");
          trailingEmpty = false;
        }
        if (candidate) {
          if (trailingEmpty) throw BAIL;
          spans.set(map, { start: e.start, end: lastEnd });
        }
        return map;
      }
      default:
        // An alias, or an event that cannot start a node.
        throw BAIL;
    }
  };

  /** A key as `eventsToNodes`'s `mapKey` reads it, for the keys that need no diagnostic. */
  const mapKey = (): string => {
    const e = events[pos++];
    if (e?.type !== EVENT_ID.SCALAR || e.anchorStart !== -1 || e.tagStart !== -1 || e.valueStart === -1) throw BAIL;
    trailingEmpty = false;
    const text = e.fast ? source.slice(e.valueStart, e.valueEnd) : getScalarValue(source, e);
    switch (e.style) {
      case SCALAR_STYLE.PLAIN: {
        lastEnd = e.valueEnd;
        if (text === "<<") throw BAIL;
        const key = plainKey(text);
        if (!key.ok) throw BAIL;
        return key.key;
      }
      case SCALAR_STYLE.SINGLE_QUOTED:
      case SCALAR_STYLE.DOUBLE_QUOTED:
        lastEnd = e.valueEnd + 1;
        break;
      default:
        lastEnd = e.valueEnd;
    }
    return text;
  };

  /** Skips the rest of the document whose DOCUMENT event is at `from`; returns the index after its POP. */
  const documentEnd = (from: number): number => {
    let depth = 0;
    for (let i = from; i < events.length; i++) {
      const type = events[i]?.type;
      if (type === EVENT_ID.DOCUMENT || type === EVENT_ID.SEQUENCE || type === EVENT_ID.MAPPING) depth++;
      else if (type === EVENT_ID.POP && --depth === 0) return i + 1;
    }
    return events.length;
  };

  while (pos < events.length) {
    const from = pos;
    const e = events[pos++];
    if (e?.type !== EVENT_ID.DOCUMENT) throw new Error(`internal: expected a document event, got ${e?.type}`);
    spans = new Map();
    const oddAtStart = oddities;
    try {
      if (events[pos]?.type === EVENT_ID.POP) {
        pos++;
        out.push({ ok: true, start: base, end: base, resources: [] });
        continue;
      }
      const rootEvent = events[pos];
      const root = node(true);
      pos++;
      const resources = unwrapRoot(root, spans, base, oddAtStart);
      const rootStart = rootEvent !== undefined && "start" in rootEvent ? rootEvent.start : 0;
      out.push({ ok: true, start: base + rootStart, end: base + lastEnd, resources });
    } catch (thrown) {
      if (thrown !== BAIL) throw thrown;
      const to = documentEnd(from);
      pos = to;
      out.push({ ok: false, from, to });
    }
  }
  return out;

  /** `plainResources`, bailing where it finds none. */
  function unwrapRoot(root: unknown, rootSpans: Map<object, { start: number; end: number }>, offset: number, oddStart: number): PlainResource[] {
    // Nulls are counted over the whole document (special keys bail), so a document with none
    // has no exotic resource; otherwise each resource is checked on its own.
    const resources = plainResources(root, rootSpans, offset, oddities > oddStart);
    if (resources === undefined) throw BAIL;
    return resources;
  }
}

/**
 * The resources of a plain document root, as `loadDocuments`'s `addRoot` takes them: a mapping
 * (a List unwrapped into its items), or the mapping items of a top-level sequence. Null roots and
 * null List items are skipped. Undefined when the positioned path must read the document: it
 * reports a root or item that is not a mapping, and a resource without a recorded span (`spans`,
 * offsets from `offset`) is one the fast path did not build. `anyOdd`: the document holds a null
 * somewhere, so each resource is checked for one.
 */
export function plainResources(root: unknown, spans: ReadonlyMap<object, { start: number; end: number }>, offset: number, anyOdd: boolean): PlainResource[] | undefined {
  // The common document, one resource that is no list: without the walk's closure.
  if (isMap(root) && listItems(root) === undefined) {
    const span = spans.get(root);
    return span === undefined ? undefined : [{ value: root, start: offset + span.start, end: offset + span.end, path: [], exotic: anyOdd && hasOddity(root) }];
  }
  const resources: PlainResource[] = [];
  const add = (value: unknown, path: ResourceStep[]): boolean => {
    if (value === null) return true;
    if (!isMap(value)) return false;
    const items = listItems(value);
    if (items === undefined) {
      const span = spans.get(value);
      if (span === undefined) return false;
      resources.push({ value, start: offset + span.start, end: offset + span.end, path, exotic: anyOdd && hasOddity(value) });
      return true;
    }
    return items.every((item, i) => add(item, [...path, "items", i]));
  };
  // An item of a top-level sequence that is not a mapping (null included) is reported.
  const ok = Array.isArray(root) ? root.every((item, i) => isMap(item) && add(item, [i])) : add(root, []);
  return ok ? resources : undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `loadDocuments`'s `listItems` on a plain mapping. */
export function listItems(map: Record<string, unknown>): readonly unknown[] | undefined {
  const kind = map.kind;
  if (typeof kind !== "string" || !kind.endsWith("List")) return undefined;
  const items = map.items;
  if (items === undefined || items === null) return [];
  return Array.isArray(items) ? items : undefined;
}

/** Whether a plain value holds a null or a `__proto__` key anywhere. */
export function hasOddity(value: unknown): boolean {
  if (value === null) return true;
  if (typeof value !== "object") return false;
  if (Array.isArray(value)) return value.some(hasOddity);
  // for-in over own keys rather than Object.keys, which makes an array of keys per object (this
  // reads every value an agent lists): 0.6 KB less garbage per endpoint of bench shape L.
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key === "__proto__" || hasOddity((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}
