import { COLLECTION_STYLE, EVENT_ID, getScalarValue, SCALAR_STYLE, type Event, type ScalarEvent } from "js-yaml";
import { error, warning, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { ScalarStyle, YMap, YMapEntry, YNode, YScalar, YSeq } from "../yamlTree.js";
import { expandTag, plainKey, resolveScalar } from "./resolveScalar.js";

/** Where the events came from: `source` is the parsed text, which starts at `base` in `file`. */
export interface EventSource {
  readonly file: string;
  readonly source: string;
  readonly base: number;
}

/** One document of an event stream: its root node, or null when the document is empty. */
export type DocumentRoot = YNode | null;

/**
 * Builds positioned trees from js-yaml parser events, one root per document. Every node and map
 * key gets a span (offsets shifted by `base`). Aliases resolve to the anchored node itself (trees
 * are immutable, so sharing is a copy that keeps the anchor's spans). Merge keys (`<<`) are applied
 * as go-yaml v2 applies them (see `EntryList`); merged entries share the anchor's nodes and record
 * where they were merged (`YMapEntry.mergedAt`). Duplicate keys, unknown aliases, non-scalar keys,
 * bad merges and unsupported tags are reported into `diagnostics`. Work is linear in
 * the number of events; the text is only looked at near each event. `range` limits the work to
 * some whole documents of `events` (the loader's fast path hands back the ones it cannot build).
 */
export function eventsToNodes(
  events: readonly Event[],
  where: EventSource,
  diagnostics: Diagnostic[],
  range: { readonly from: number; readonly to: number } = { from: 0, to: events.length },
): DocumentRoot[] {
  const { file, source, base } = where;
  const roots: DocumentRoot[] = [];
  let pos = range.from;
  // The furthest source offset consumed so far (relative to `source`): collections have no end
  // offset in the event stream, so their end is derived from what their children consumed.
  let lastEnd = 0;
  let anchors = new Map<string, YNode>();

  const spanOf = (start: number, end: number): Span => ({ file, start: base + start, end: base + end });
  const report: Report = (message, at, code = "yaml-syntax", notes) => {
    diagnostics.push(code === "yaml-merge-override" ? warning(code, message, at, notes) : error(code, message, at, notes));
  };
  const next = (): Event => {
    const event = events[pos++];
    if (event === undefined) throw new Error("internal: the YAML event stream ended early");
    return event;
  };
  const peekIsPop = (): boolean => events[pos]?.type === EVENT_ID.POP;

  const tagOf = (e: { tagStart: number; tagEnd: number }): string | undefined =>
    e.tagStart === -1 ? undefined : source.slice(e.tagStart, e.tagEnd);
  const consumeProperties = (e: { tagEnd: number; anchorEnd: number }): void => {
    lastEnd = Math.max(lastEnd, e.tagEnd, e.anchorEnd);
  };
  const register = (e: { anchorStart: number; anchorEnd: number }, node: YNode): YNode => {
    if (e.anchorStart !== -1) anchors.set(source.slice(e.anchorStart, e.anchorEnd), node);
    return node;
  };

  const scalar = (e: ScalarEvent): YScalar => {
    consumeProperties(e);
    const tag = tagOf(e);
    let style: ScalarStyle;
    let span: Span;
    let text: string;
    if (e.valueStart === -1) {
      // An empty node (`key:` with nothing after it): a zero-width span after the `:` if any.
      let at = lastEnd;
      while (source[at] === " " || source[at] === "\t") at++;
      at = source[at] === ":" ? at + 1 : lastEnd;
      style = "plain";
      span = spanOf(at, at);
      text = "";
    } else {
      style = styleName(e.style);
      text = e.fast ? source.slice(e.valueStart, e.valueEnd) : getScalarValue(source, e);
      if (style === "single" || style === "double") {
        span = spanOf(e.valueStart - 1, e.valueEnd + 1);
      } else if (style === "plain") {
        span = spanOf(e.valueStart, e.valueEnd);
      } else {
        span = spanOf(blockIndicator(source, Math.max(lastEnd, 0), e.valueStart), e.valueEnd);
      }
      lastEnd = span.end - base;
    }
    const resolved = resolveScalar(text, style === "plain", tag);
    if (!resolved.ok) report(resolved.message, spanOf(e.tagStart, e.tagEnd));
    const value = resolved.value;
    if (style === "plain" && tag === undefined && typeof value !== "string" && text !== "" && String(value) !== text) {
      return { kind: "scalar", value, style, span, written: text };
    }
    return { kind: "scalar", value, style, span };
  };

  const checkCollectionTag = (e: { tagStart: number; tagEnd: number }, expected: string): void => {
    const tag = tagOf(e);
    if (tag !== undefined && tag !== "!" && expandTag(tag) !== `tag:yaml.org,2002:${expected}`) {
      report(`unsupported tag ${tag} on a ${expected === "map" ? "mapping" : "sequence"}`, spanOf(e.tagStart, e.tagEnd));
    }
  };

  const node = (): YNode => {
    const e = next();
    switch (e.type) {
      case EVENT_ID.SCALAR:
        return register(e, scalar(e));
      case EVENT_ID.ALIAS: {
        const name = source.slice(e.anchorStart, e.anchorEnd);
        lastEnd = Math.max(lastEnd, e.anchorEnd);
        const target = anchors.get(name);
        if (target !== undefined) return target;
        const at = spanOf(e.anchorStart - 1, e.anchorEnd);
        report(`unknown alias *${name} (no earlier anchor &${name} in this document)`, at);
        return { kind: "scalar", value: null, style: "plain", span: at };
      }
      case EVENT_ID.SEQUENCE: {
        consumeProperties(e);
        checkCollectionTag(e, "seq");
        lastEnd = Math.max(lastEnd, e.start + 1);
        const items: YNode[] = [];
        while (!peekIsPop()) items.push(node());
        next();
        const end = e.style === COLLECTION_STYLE.FLOW ? flowEnd(source, lastEnd, "]") : lastEnd;
        lastEnd = end;
        const seq: YSeq = { kind: "seq", items, span: spanOf(e.start, end) };
        return register(e, seq);
      }
      case EVENT_ID.MAPPING: {
        consumeProperties(e);
        checkCollectionTag(e, "map");
        // A block mapping starts at its first key, so nothing is consumed yet; a flow one at `{`.
        // An empty first key starts (and is placed) at the mapping's `:`, not wherever the text
        // before it ended: that may be another document, read in the same stream or not.
        if (e.style === COLLECTION_STYLE.FLOW) lastEnd = Math.max(lastEnd, e.start + 1);
        else lastEnd = Math.max(lastEnd, e.start);
        const entries = new EntryList();
        while (!peekIsPop()) {
          const key = mapKey();
          if (key?.merge) {
            entries.merge(mergeSources(key.keySpan), report);
            continue;
          }
          const value = node();
          if (key === undefined) continue;
          entries.put({ key: key.key, keySpan: key.keySpan, value }, report);
        }
        next();
        const end = e.style === COLLECTION_STYLE.FLOW ? flowEnd(source, lastEnd, "}") : lastEnd;
        lastEnd = end;
        const map: YMap = { kind: "map", entries: entries.list, span: spanOf(e.start, end) };
        return register(e, map);
      }
      default:
        throw new Error(`internal: unexpected YAML event ${e.type} inside a document`);
    }
  };

  /**
   * A plain key as Kubernetes reads it: resolved like any plain scalar, then made a string again
   * by sigs.k8s.io/yaml (`yes:` is the key "true", `0x10:` is "16"; see `plainKey`). A key that has
   * no string form there (null) is reported and kept as its text.
   */
  const plainMapKey = (text: string, keySpan: Span): { key: string; keySpan: Span } => {
    const resolved = plainKey(text);
    if (!resolved.ok) report(resolved.message, keySpan);
    return { key: resolved.key, keySpan };
  };

  /**
   * Reads a key node; keys are scalars, kept as the JSON key Kubernetes makes of them: quoted keys
   * as their text, plain ones as `plainMapKey` says (`80:` is the key "80", `y:` is "true"). `merge` marks
   * a merge key: a plain `<<`, or one tagged `!!merge` (go-yaml v2 decode.go `isMerge`: a quoted
   * "<<" without the tag is an ordinary key).
   */
  const mapKey = (): { key: string; keySpan: Span; merge?: true } | undefined => {
    const e = events[pos];
    if (e?.type === EVENT_ID.SCALAR) {
      pos++;
      const tag = tagOf(e);
      if (tag !== undefined && expandTag(tag) === mergeTag && e.valueStart !== -1) {
        const style = styleName(e.style);
        const text = e.fast ? source.slice(e.valueStart, e.valueEnd) : getScalarValue(source, e);
        if (text === "<<" && style !== "literal" && style !== "folded") {
          consumeProperties(e);
          const quoted = style === "plain" ? 0 : 1;
          lastEnd = e.valueEnd + quoted;
          return { key: text, keySpan: spanOf(e.valueStart - quoted, lastEnd), merge: true };
        }
      }
      if (e.anchorStart !== -1 || e.tagStart !== -1 || e.valueStart === -1) {
        const built = scalar(e);
        register(e, built);
        if (built.style === "plain" && e.tagStart === -1) {
          const text = typeof built.value === "string" ? built.value : (built.written ?? (built.value === null ? "" : String(built.value)));
          return plainMapKey(text, built.span);
        }
        return { key: built.value === null ? "" : String(built.value), keySpan: built.span };
      }
      // The common case: no scalar node is built for a key, only its text and span.
      const style = styleName(e.style);
      const quoted = style === "single" || style === "double" ? 1 : 0;
      const start = style === "literal" || style === "folded" ? blockIndicator(source, lastEnd, e.valueStart) : e.valueStart - quoted;
      lastEnd = e.valueEnd + quoted;
      const text = e.fast ? source.slice(e.valueStart, e.valueEnd) : getScalarValue(source, e);
      const keySpan = spanOf(start, lastEnd);
      if (style !== "plain") return { key: text, keySpan };
      return text === "<<" ? { key: text, keySpan, merge: true } : plainMapKey(text, keySpan);
    }
    const start = pos;
    const key = node();
    if (key.kind === "scalar" && events[start]?.type === EVENT_ID.ALIAS) {
      return { key: String(key.value), keySpan: key.span };
    }
    report("a mapping key must be a scalar; this entry is ignored", key.span);
    return undefined;
  };

  /**
   * Reads the value of a merge key and returns the mappings to merge, in the order go-yaml v2
   * applies them (decode.go `merge`): one mapping (inline or through an alias), or the items of a
   * sequence from last to first, so that where two of them share a key the earlier one wins. Each
   * comes with the span diagnostics point at: the alias that names it, or the `<<` key for a
   * mapping written inline. Anything else is an error (go-yaml v2: "map merge requires map or
   * sequence of maps as the value"); so is an alias that names a sequence, even of mappings.
   */
  const mergeSources = (keySpan: Span): { map: YMap; at: Span }[] => {
    const start = pos;
    const value = node();
    const first = events[start];
    const aliasSpan = (i: number): Span | undefined => {
      const ev = events[i];
      return ev?.type === EVENT_ID.ALIAS ? spanOf(ev.anchorStart - 1, ev.anchorEnd) : undefined;
    };
    const refuse = (at: Span): [] => {
      report("a merge key (<<) needs a mapping or a sequence of mappings; go-yaml v2 rejects this document", at);
      return [];
    };
    if (value.kind === "map") return [{ map: value, at: aliasSpan(start) ?? keySpan }];
    if (value.kind !== "seq" || first?.type !== EVENT_ID.SEQUENCE) return refuse(aliasSpan(start) ?? value.span);
    // Pair each item with the event it starts at, to know whether it was written as an alias.
    const itemStarts: number[] = [];
    let depth = 0;
    for (let i = start + 1; i < pos - 1; i++) {
      const ev = events[i];
      if (depth === 0) itemStarts.push(i);
      if (ev?.type === EVENT_ID.SEQUENCE || ev?.type === EVENT_ID.MAPPING) depth++;
      else if (ev?.type === EVENT_ID.POP) depth--;
    }
    const sources: { map: YMap; at: Span }[] = [];
    value.items.forEach((item, i) => {
      const itemStart = itemStarts[i];
      const alias = itemStart === undefined ? undefined : aliasSpan(itemStart);
      if (item.kind === "map") sources.push({ map: item, at: alias ?? keySpan });
      else refuse(alias ?? item.span);
    });
    return sources.reverse();
  };

  // The documents of `range` (whole documents: from a DOCUMENT event to its POP). `lastEnd` carries
  // over from one document to the next, but nothing in a document looks back before its own
  // first event (a block scalar's indicator is searched from its own line, a collection starts at
  // its own offset), so a range that starts at a later document builds the same trees.
  while (pos < range.to) {
    const e = next();
    if (e.type !== EVENT_ID.DOCUMENT) throw new Error(`internal: expected a document event, got ${e.type}`);
    anchors = new Map();
    roots.push(peekIsPop() ? null : node());
    next();
  }
  return roots;
}

function styleName(style: number): ScalarStyle {
  switch (style) {
    case SCALAR_STYLE.SINGLE_QUOTED:
      return "single";
    case SCALAR_STYLE.DOUBLE_QUOTED:
      return "double";
    case SCALAR_STYLE.LITERAL_BLOCK:
      return "literal";
    case SCALAR_STYLE.FOLDED_BLOCK:
      return "folded";
    default:
      return "plain";
  }
}

/**
 * The offset of a block scalar's `|` or `>`: the first one after `from` (the end of whatever came
 * before: key, `-`, tag or anchor) on the header line, which ends right before `contentStart`.
 */
function blockIndicator(source: string, from: number, contentStart: number): number {
  const lineStart = source.lastIndexOf("\n", contentStart - 2) + 1;
  for (let i = Math.max(from, lineStart); i < contentStart; i++) {
    const c = source[i];
    if (c === "|" || c === ">") return i;
    if (c === "#") break;
  }
  // Not found (should not happen): fall back to the start of the content.
  return contentStart;
}

/**
 * The end (after the bracket) of a flow collection whose last child ended at `from`: skips white
 * space, line breaks, commas and comments up to `close`. Falls back to `from` on anything else.
 */
export function flowEnd(source: string, from: number, close: "]" | "}"): number {
  let i = from;
  while (i < source.length) {
    const c = source[i];
    if (c === close) return i + 1;
    if (c === "#") {
      while (i < source.length && source[i] !== "\n") i++;
    } else if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === ",") {
      i++;
    } else {
      return from;
    }
  }
  return from;
}

const mergeTag = "tag:yaml.org,2002:merge";

type Report = (message: string, at: Span, code?: "yaml-syntax" | "yaml-duplicate-key" | "yaml-merge-override", notes?: Diagnostic["notes"]) => void;

/**
 * The entries of a mapping being built, in the order go-yaml v2 writes them into a Go map
 * (decode.go `mapping`): keys in document order, a merge key's entries at its place. So a key
 * written after `<<` replaces the merged one silently, and a merged key replaces one written
 * before `<<` (reported as a warning, since the YAML merge spec and most other tools keep the
 * written key there). A key written twice is a duplicate: the first one is kept.
 */
class EntryList {
  readonly list: YMapEntry[] = [];
  // Resource mappings are small, so a linear scan beats a hash map until a mapping grows.
  private index: Map<string, number> | undefined;

  private find(key: string): number | undefined {
    if (this.index === undefined && this.list.length >= 16) this.index = new Map(this.list.map((x, i) => [x.key, i]));
    if (this.index) return this.index.get(key);
    const i = this.list.findIndex((x) => x.key === key);
    return i < 0 ? undefined : i;
  }

  /** Adds an entry written in the mapping itself. */
  put(entry: YMapEntry, report: Report): void {
    const at = this.find(entry.key);
    if (at === undefined) {
      this.index?.set(entry.key, this.list.length);
      this.list.push(entry);
      return;
    }
    const old = this.list[at];
    if (old === undefined) return;
    if (old.mergedAt === undefined) {
      report(`duplicate key ${JSON.stringify(entry.key)} (the first one is kept)`, entry.keySpan, "yaml-duplicate-key", [
        { message: "first defined here", span: old.keySpan },
      ]);
      return;
    }
    this.list[at] = entry;
  }

  /**
   * Adds the entries of one merge key's mappings, in the order `mergeSources` gives them; each is
   * merged through its `at` (the alias, or the `<<` key itself).
   */
  merge(sources: readonly { readonly map: YMap; readonly at: Span }[], report: Report): void {
    // Keys written before this merge key that it replaces: reported once each, at the end, with
    // the merged entry that won.
    const replaced = new Map<string, YMapEntry>();
    for (const { map, at } of sources) {
      for (const e of map.entries) {
        const entry: YMapEntry = { key: e.key, keySpan: e.keySpan, value: e.value, mergedAt: at };
        const i = this.find(e.key);
        if (i === undefined) {
          this.index?.set(e.key, this.list.length);
          this.list.push(entry);
          continue;
        }
        const old = this.list[i];
        if (old !== undefined && old.mergedAt === undefined) replaced.set(e.key, old);
        this.list[i] = entry;
      }
    }
    for (const [key, old] of replaced) {
      const winner = this.list[this.find(key) ?? -1];
      if (winner?.mergedAt === undefined) continue;
      report(
        `${JSON.stringify(key)} is written before this merge key, so the merged value replaces it (go-yaml v2, and so Kubernetes, applies << where it stands); write the key after <<`,
        winner.mergedAt,
        "yaml-merge-override",
        [
          { message: "written here", span: old.keySpan },
          { message: "merged from here", span: winner.keySpan },
        ],
      );
    }
  }
}
