/**
 * JSON input (`kubectl get -o json`, a List of every resource) on the fast path: `JSON.parse`,
 * which is many times faster than any YAML parser, instead of reading the JSON as YAML.
 *
 * The YAML path reads JSON as a YAML flow collection, and for almost every JSON text the two agree
 * value for value. Where they do not, this path declines the file and the YAML path reads it:
 * - duplicate keys (YAML reports them and keeps the first; JSON.parse keeps the last): found by
 *   counting members. Every `:` of a JSON text outside its strings separates a member, and inside
 *   strings each `:` is itself (unless written `\u003a`, which declines the file), so the text
 *   has duplicates exactly when its colons, less those in the parsed strings, outnumber the
 *   parsed keys;
 * - numbers YAML 1.1 reads otherwise: `-0` (YAML's integer 0), integers beyond 2^53 (YAML keeps
 *   their text) and numbers out of range (YAML keeps `1e400` as a string);
 * - nesting deep enough for js-yaml's depth limit (100), and a root that is not a mapping or a
 *   sequence of mappings (the YAML path reports those).
 * js-yaml checks for non-printable characters only in plain and block scalars, never in quoted
 * ones, so JSON's strings need no such check; its other tokens are ASCII.
 *
 * A resource's offsets are found only when its position is first needed (`jsonPlaces`): one scan
 * of the text finds every resource, and `lazyTree.ts` parses the one asked for.
 */
import type { ResourceStep } from "./eventsToPlain.js";
import type { ResourcePlace } from "./lazyTree.js";

/** A resource of a JSON file read on the fast path. */
export interface JsonResource {
  readonly value: Record<string, unknown>;
  readonly path: readonly ResourceStep[];
  readonly exotic: boolean;
}

/** Deeper than this, js-yaml's limit (100 levels) is near: leave the file to the YAML path. */
const MAX_DEPTH = 90;

/**
 * The resources of `text` when it is JSON that the fast path reads exactly as the YAML path
 * would; undefined otherwise (the caller reads it as YAML).
 */
export function jsonResources(text: string): JsonResource[] | undefined {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const first = firstNonSpace(body);
  if (first !== 0x7b && first !== 0x5b) return undefined;
  // A `\u003a` in a string is a colon the member count below cannot see.
  const escape = body.indexOf("\\u003");
  if (escape >= 0 && /\\u003[aA]/.test(body)) return undefined;
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch {
    return undefined;
  }
  const counts = new Counts();
  const resources: JsonResource[] = [];
  // `depth` counts collections from the root (1), as js-yaml does.
  const add = (value: unknown, path: ResourceStep[], depth: number): boolean => {
    if (value === null) return true;
    if (!isMap(value)) return false;
    const items = listItems(value);
    if (items === undefined) {
      const nulls = counts.nulls;
      if (!counts.walk(value, depth)) return false;
      resources.push({ value, path, exotic: counts.nulls > nulls });
      return true;
    }
    // The List's own members, then its items.
    for (const key of Object.keys(value)) {
      counts.key(key);
      if (key !== "items" && !counts.walk(value[key], depth + 1)) return false;
    }
    return items.every((item, i) => add(item, [...path, "items", i], depth + 2));
  };
  const ok = Array.isArray(root) ? root.every((item, i) => isMap(item) && add(item, [i], 2)) : add(root, [], 1);
  if (!ok) return undefined;
  if (countColons(body) - counts.colons !== counts.keys) return undefined;
  return resources;
}

function firstNonSpace(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return c;
  }
  return -1;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `loadDocuments`'s `listItems` on a plain mapping. */
function listItems(map: Record<string, unknown>): readonly unknown[] | undefined {
  const kind = map.kind;
  if (typeof kind !== "string" || !kind.endsWith("List")) return undefined;
  const items = map.items;
  if (items === undefined || items === null) return [];
  return Array.isArray(items) ? items : undefined;
}

/** Keys, colons inside strings and nulls of the parsed value; refuses what YAML reads otherwise. */
class Counts {
  keys = 0;
  colons = 0;
  nulls = 0;

  key(key: string): void {
    this.keys++;
    if (key.includes(":")) this.colons += colonsIn(key);
    if (key === "__proto__") this.nulls++;
  }

  /** False when the value holds a number YAML reads otherwise, or nests too deep. */
  walk(value: unknown, depth: number): boolean {
    if (typeof value === "string") {
      if (value.includes(":")) this.colons += colonsIn(value);
      return true;
    }
    if (typeof value === "number") {
      return Number.isFinite(value) && !Object.is(value, -0) && (Number.isSafeInteger(value) || !Number.isInteger(value));
    }
    if (value === null) {
      this.nulls++;
      return true;
    }
    if (typeof value !== "object") return true;
    if (depth >= MAX_DEPTH) return false;
    if (Array.isArray(value)) {
      for (const item of value) if (!this.walk(item, depth + 1)) return false;
      return true;
    }
    const map = value as Record<string, unknown>;
    for (const key of Object.keys(map)) {
      this.key(key);
      if (!this.walk(map[key], depth + 1)) return false;
    }
    return true;
  }
}

function colonsIn(s: string): number {
  let n = 0;
  for (let i = s.indexOf(":"); i >= 0; i = s.indexOf(":", i + 1)) n++;
  return n;
}

function countColons(text: string): number {
  let n = 0;
  for (let i = text.indexOf(":"); i >= 0; i = text.indexOf(":", i + 1)) n++;
  return n;
}

/**
 * The places of the resources of a JSON text that `jsonResources` accepted, in its order, found by
 * one scan: the root value, and the elements of the arrays that hold resources (the root array,
 * the `items` of the root and of List items). Offsets are those of the text, BOM included.
 */
export function jsonPlaces(text: string, resources: readonly { readonly path: readonly ResourceStep[] }[]): ResourcePlace[] {
  const scanner = new Scanner(text);
  const root = scanner.value(text.charCodeAt(0) === 0xfeff ? 1 : 0, true);
  return resources.map(({ path }) => {
    let node: Scanned | undefined = root;
    for (const step of path) node = typeof step === "number" ? node?.elements?.[step] : node?.items;
    if (node === undefined) throw new Error("internal: a JSON resource was not found again in its text");
    return { start: node.start, end: node.end, rootStart: root.start, rootEnd: root.end, path };
  });
}

/** A value the scanner found: its range, and the ranges it recorded inside it. */
interface Scanned {
  readonly start: number;
  readonly end: number;
  /** An object's `items` member. */
  readonly items?: Scanned;
  /** An array's elements (recorded for arrays that may hold resources). */
  readonly elements?: Scanned[];
}

/**
 * A JSON scanner that finds value boundaries without building values. Strings are skipped with
 * `indexOf`, so the work is about the text's structure, not its length. The text is known to be
 * valid JSON.
 */
class Scanner {
  constructor(private readonly text: string) {}

  private pos = 0;

  private skipSpace(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = t.charCodeAt(++this.pos);
  }

  /** The value at `from` (after white space); `record`: it may hold resources. */
  value(from: number, record: boolean): Scanned {
    this.pos = from;
    this.skipSpace();
    const start = this.pos;
    const c = this.text.charCodeAt(start);
    if (c === 0x7b) return this.object(start, record);
    if (c === 0x5b) return this.array(start, record);
    if (c === 0x22) {
      this.skipString();
      return { start, end: this.pos };
    }
    // A number or a literal: up to the next delimiter.
    const t = this.text;
    let d = t.charCodeAt(this.pos);
    while (this.pos < t.length && d !== 0x2c && d !== 0x7d && d !== 0x5d && d !== 0x20 && d !== 0x0a && d !== 0x0d && d !== 0x09) d = t.charCodeAt(++this.pos);
    return { start, end: this.pos };
  }

  /** Skips the string whose opening quote is at `pos`. */
  private skipString(): void {
    const t = this.text;
    let i = this.pos + 1;
    for (;;) {
      const q = t.indexOf('"', i);
      if (q < 0) throw new Error("internal: unterminated JSON string");
      let backslashes = 0;
      while (t.charCodeAt(q - 1 - backslashes) === 0x5c) backslashes++;
      i = q + 1;
      if (backslashes % 2 === 0) break;
    }
    this.pos = i;
  }

  private object(start: number, record: boolean): Scanned {
    this.pos = start + 1;
    let items: Scanned | undefined;
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) === 0x7d) break;
      const keyStart = this.pos;
      this.skipString();
      const isItems = record && this.text.slice(keyStart, this.pos) === '"items"';
      this.skipSpace();
      this.pos++; // the colon
      const value = this.value(this.pos, isItems);
      if (isItems) items = value;
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) === 0x2c) this.pos++;
    }
    this.pos++;
    return { start, end: this.pos, ...(items ? { items } : {}) };
  }

  private array(start: number, record: boolean): Scanned {
    this.pos = start + 1;
    const elements: Scanned[] = [];
    for (;;) {
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) === 0x5d) break;
      const element = this.value(this.pos, record);
      if (record) elements.push(element);
      this.skipSpace();
      if (this.text.charCodeAt(this.pos) === 0x2c) this.pos++;
    }
    this.pos++;
    return { start, end: this.pos, ...(record ? { elements } : {}) };
  }
}
