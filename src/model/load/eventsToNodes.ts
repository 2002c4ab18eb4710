import { COLLECTION_STYLE, EVENT_ID, getScalarValue, SCALAR_STYLE, type Event, type ScalarEvent } from "js-yaml";
import { error, type Diagnostic } from "../../diagnostics/diagnostic.js";
import type { Span } from "../../diagnostics/span.js";
import type { ScalarStyle, YMap, YMapEntry, YNode, YScalar, YSeq } from "../yamlTree.js";
import { expandTag, resolveScalar } from "./resolveScalar.js";

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
 * are immutable, so sharing is a copy that keeps the anchor's spans). Duplicate keys, unknown
 * aliases, non-scalar keys and unsupported tags are reported into `diagnostics`. Work is linear in
 * the number of events; the text is only looked at near each event.
 */
export function eventsToNodes(events: readonly Event[], where: EventSource, diagnostics: Diagnostic[]): DocumentRoot[] {
  const { file, source, base } = where;
  const roots: DocumentRoot[] = [];
  let pos = 0;
  // The furthest source offset consumed so far (relative to `source`): collections have no end
  // offset in the event stream, so their end is derived from what their children consumed.
  let lastEnd = 0;
  let anchors = new Map<string, YNode>();

  const spanOf = (start: number, end: number): Span => ({ file, start: base + start, end: base + end });
  const report = (message: string, at: Span, code: "yaml-syntax" | "yaml-duplicate-key" = "yaml-syntax", notes?: Diagnostic["notes"]): void => {
    diagnostics.push(error(code, message, at, notes));
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
        if (e.style === COLLECTION_STYLE.FLOW) lastEnd = Math.max(lastEnd, e.start + 1);
        const entries: YMapEntry[] = [];
        let index: Map<string, Span> | undefined;
        while (!peekIsPop()) {
          const key = mapKey();
          const value = node();
          if (key === undefined) continue;
          // Resource mappings are small, so a linear scan beats a hash map until a mapping grows.
          if (index === undefined && entries.length >= 16) index = new Map(entries.map((x) => [x.key, x.keySpan]));
          const first = index ? index.get(key.key) : entries.find((x) => x.key === key.key)?.keySpan;
          if (first !== undefined) {
            report(`duplicate key ${JSON.stringify(key.key)} (the first one is kept)`, key.keySpan, "yaml-duplicate-key", [
              { message: "first defined here", span: first },
            ]);
            continue;
          }
          entries.push({ key: key.key, keySpan: key.keySpan, value });
          index?.set(key.key, key.keySpan);
        }
        next();
        const end = e.style === COLLECTION_STYLE.FLOW ? flowEnd(source, lastEnd, "}") : lastEnd;
        lastEnd = end;
        const map: YMap = { kind: "map", entries, span: spanOf(e.start, end) };
        return register(e, map);
      }
      default:
        throw new Error(`internal: unexpected YAML event ${e.type} inside a document`);
    }
  };

  /** Reads a key node; keys are scalars, kept as their text (`80:` is the key "80"). */
  const mapKey = (): { key: string; keySpan: Span } | undefined => {
    const e = events[pos];
    if (e?.type === EVENT_ID.SCALAR) {
      pos++;
      // Keys are kept as their text, so the common case skips type resolution entirely.
      if (e.anchorStart !== -1 || e.tagStart !== -1 || e.valueStart === -1) {
        const built = scalar(e);
        register(e, built);
        return { key: built.value === null ? "" : String(built.value), keySpan: built.span };
      }
      const style = styleName(e.style);
      const quoted = style === "single" || style === "double" ? 1 : 0;
      const start = style === "literal" || style === "folded" ? blockIndicator(source, lastEnd, e.valueStart) : e.valueStart - quoted;
      lastEnd = e.valueEnd + quoted;
      const text = e.fast ? source.slice(e.valueStart, e.valueEnd) : getScalarValue(source, e);
      return { key: text, keySpan: spanOf(start, lastEnd) };
    }
    const start = pos;
    const key = node();
    if (key.kind === "scalar" && events[start]?.type === EVENT_ID.ALIAS) {
      return { key: String(key.value), keySpan: key.span };
    }
    report("a mapping key must be a scalar; this entry is ignored", key.span);
    return undefined;
  };

  while (pos < events.length) {
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
function flowEnd(source: string, from: number, close: "]" | "}"): number {
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
