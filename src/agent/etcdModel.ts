/**
 * The model as etcd holds it: a store of Calico v3 resources by etcd key, each validated on its
 * own so that a bad resource (invalid JSON, an invalid selector) is reported with its key and
 * left out while the rest still applies, as Felix does.
 */
import { hash } from "node:crypto";
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { Span } from "../diagnostics/span.js";
import { error, warning } from "../diagnostics/diagnostic.js";
import { parseResourceKey } from "../datastore/keys.js";
import { plainDocument } from "../model/load/index.js";
import type { Labels, Origin, Resource, WorkloadEndpoint } from "../model/types.js";
import { fromCrdV1 } from "../model/validate/crdV1.js";
import { sharedBuildState, validateAlone, type SharedBuildState } from "../model/validate/index.js";

export interface StoredEntry {
  /**
   * A digest of the value, to tell an unchanged value (a re-list, or a put of the same bytes)
   * from a change without keeping every raw value: on a large cluster the raw JSON is as big as
   * everything else the store holds. libcalico-go's watcher cache keeps only each key's revision
   * for the same purpose (libcalico-go/lib/backend/watchersyncer/watchercache.go
   * `handleAddedOrModifiedUpdate`); a digest of the bytes also holds when a value is written
   * again unchanged, and does not depend on the revisions of a restored etcd.
   */
  readonly digest: string;
  /** The validated resource, unless the value is bad (then `diagnostics` says why). */
  readonly resource?: Resource;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * One etcd value as a resource. The policy name is read as libcalico-go reads it
 * (libcalico-go/lib/backend/model/keys.go `determinePolicyName`): the `projectcalico.org/metadata`
 * annotation's name, else the stored name without an old `default.` prefix. Diagnostics point at
 * the key (`span.file`).
 */
export function parseEntry(key: string, value: string, prefix: string, shared: SharedBuildState = sharedBuildState(), interner?: Interner, digest: string = digestOf(value)): StoredEntry {
  const at = { file: key, start: 0, end: 0 };
  const parsed = parseResourceKey(key, prefix);
  if (!parsed) return { digest, diagnostics: NONE };
  const diagnostics: Diagnostic[] = [];
  let plain: unknown;
  try {
    plain = JSON.parse(value);
  } catch (e) {
    return { digest, diagnostics: [error("yaml-syntax", `the value is not JSON: ${e instanceof Error ? e.message : String(e)}`, at)] };
  }
  const named = keyedAs(plain, fromCrdV1(plain), parsed, diagnostics, at);
  if (shared.selectors.size > MAX_SHARED_SELECTORS) shared.selectors.clear();
  // The origin without its tree (reading `node` would build it): the key is all a report needs.
  // Given to the build (plainDocument's `origin`), so no lazy origin is made only to be replaced.
  const origin: Origin = { file: key, document: 0, span: at };
  const result = validateAlone(plainDocument(key, 0, named, at, origin), shared);
  const resource = result.resource;
  if (resource) {
    // A value that is not a mapping is built from its positioned tree, with an origin of its own:
    // set in place, as the resource was built for this entry alone.
    if (resource.origin !== origin) (resource as { origin: Origin }).origin = origin;
    if (interner && resource.kind === "WorkloadEndpoint") shareParts(resource, interner);
  }
  const all = diagnostics.length + result.diagnostics.length === 0 ? NONE : [...diagnostics, ...result.diagnostics];
  return { digest, ...(resource ? { resource } : {}), diagnostics: all };
}

/**
 * Equal parts of the store's resources, held once. A cluster's endpoints repeat the same few
 * profiles, named ports and empty lists across hundreds of thousands of endpoints; the resources
 * are readonly, so endpoints can share them. Bounded like the shared selectors.
 */
export class Interner {
  /** Held parts by their JSON, each with its form for `recent` (read once, when first held). */
  private readonly parts = new Map<string, { readonly part: unknown; readonly flat: FlatPart | undefined }>();
  /**
   * The parts shared last, tried first without writing any JSON: consecutive endpoints (the store
   * is filled in key order, by namespace) mostly share them. In bench shape L every endpoint has
   * the same named ports.
   */
  private readonly recent: FlatPart[] = [];
  private next = 0;

  /** The held part equal to `value` (by its JSON), holding `value` when it is the first. */
  share<T>(value: T): T {
    for (const r of this.recent) if (r.sameAs(value)) return r.part as T;
    // Most parts are empty lists or maps: their JSON is known without writing it.
    const key = Array.isArray(value) && value.length === 0 ? "[]" : isObject(value) && isEmpty(value) ? "{}" : JSON.stringify(value);
    let held = this.parts.get(key);
    if (held === undefined) {
      if (this.parts.size >= MAX_SHARED_PARTS) this.parts.clear();
      held = { part: value, flat: FlatPart.of(value) };
      this.parts.set(key, held);
    }
    if (held.flat !== undefined) {
      this.recent[this.next] = held.flat;
      this.next = (this.next + 1) % RECENT_PARTS;
    }
    return held.part as T;
  }
}

/** How many recently shared parts `Interner.share` compares a part with before its JSON. */
const RECENT_PARTS = 4;

/**
 * A held part that is a list of primitives or of plain objects with primitive values (named
 * ports, profiles), with each object's keys read once, so that a new part is compared with it
 * without allocating.
 */
class FlatPart {
  private constructor(
    readonly part: readonly unknown[],
    private readonly keys: readonly (readonly string[] | undefined)[],
  ) {}

  static of(part: unknown): FlatPart | undefined {
    if (!Array.isArray(part)) return undefined;
    const keys: (string[] | undefined)[] = [];
    for (const item of part as unknown[]) {
      if (typeof item !== "object" || item === null) keys.push(undefined);
      else if (isPlain(item) && Object.values(item).every((v) => typeof v !== "object" || v === null)) keys.push(Object.keys(item));
      else return undefined;
    }
    return new FlatPart(part, keys);
  }

  /**
   * Whether `value` is a list of the same primitives, or of plain objects with the same keys in
   * the same order and the same primitive values. Stricter than equal JSON (anything else is
   * simply not the same here), so a part found this way is one `share` would find by its JSON.
   */
  sameAs(value: unknown): boolean {
    if (!Array.isArray(value) || value.length !== this.part.length) return false;
    for (let i = 0; i < value.length; i++) {
      const x: unknown = value[i];
      const keys = this.keys[i];
      if (keys === undefined) {
        if (x !== this.part[i] || (typeof x === "object" && x !== null)) return false;
        continue;
      }
      if (typeof x !== "object" || x === null || !isPlain(x)) return false;
      const y = this.part[i] as Record<string, unknown>;
      let k = 0;
      for (const key in x) {
        if (!Object.hasOwn(x, key)) return false;
        const v = (x as Record<string, unknown>)[key];
        if (key !== keys[k] || v !== y[key] || (typeof v === "object" && v !== null)) return false;
        k++;
      }
      if (k !== keys.length) return false;
    }
    return true;
  }
}

/** An object whose prototype is Object's (as JSON.parse and object literals make). */
function isPlain(x: object): boolean {
  return !Array.isArray(x) && Object.getPrototypeOf(x) === Object.prototype;
}

/** Past this many distinct parts, the interner starts again (see MAX_SHARED_SELECTORS). */
const MAX_SHARED_PARTS = 50_000;

/** An endpoint's repeated parts replaced by shared equal ones, in place (see `Interner`). */
function shareParts(r: WorkloadEndpoint, interner: Interner): void {
  const w = r as { -readonly [K in keyof WorkloadEndpoint]: WorkloadEndpoint[K] };
  w.profiles = interner.share(r.profiles);
  w.ports = interner.share(r.ports);
  w.allowSpoofedSourcePrefixes = interner.share(r.allowSpoofedSourcePrefixes);
  if (Object.keys(r.metadata.annotations).length === 0) (r.metadata as { annotations: Labels }).annotations = interner.share(r.metadata.annotations);
}

/** No diagnostics, shared by the (many) entries that have none. */
const NONE: readonly Diagnostic[] = Object.freeze([]);

/** The digest `StoredEntry.digest` holds: SHA-256 of the value's UTF-8 bytes, in base64. */
export function digestOf(value: string): string {
  return hash("sha256", value, "base64");
}

/**
 * The value with the identity its key gives it. Felix keys every resource by its etcd key (the
 * KVPair key libcalico-go/lib/backend/etcdv3/conversion.go `etcdToKVPair` builds from the path)
 * and names policies by that key (libcalico-go/lib/backend/syncersv1/updateprocessors/
 * networkpolicyprocessor.go uses `v3key.Name`), so a value that says otherwise is read as its
 * key says, with a warning. Two keys then never hold one resource.
 */
function keyedAs(raw: unknown, plain: unknown, key: KeyIdentity, diagnostics: Diagnostic[], at: Span): unknown {
  if (!isObject(plain)) return plain;
  // As written, or as renamed from an old `default.` name or the CRD annotation (fromCrdV1).
  if (!namesKey(raw, key) && !namesKey(plain, key)) {
    const is = keyIdentity(key);
    diagnostics.push(warning("key-mismatch", `the value names ${identityOf(raw)} but is stored at the key of ${is}; read as ${is}`, at));
  }
  // Already as its key says (every value calicoctl or policyc writes): the copy below would be
  // equal to it, key for key and in the same order, so the value is read as it is.
  const m = plain.metadata;
  if (plain.kind === key.kind && isObject(m) && m.name === key.name && (key.namespace === undefined ? !Object.hasOwn(m, "namespace") : m.namespace === key.namespace)) return plain;
  const metadata: Record<string, unknown> = { ...(isObject(plain.metadata) ? plain.metadata : {}), name: key.name };
  if (key.namespace === undefined) delete metadata.namespace;
  else metadata.namespace = key.namespace;
  return { ...plain, kind: key.kind, metadata };
}

/** What an etcd key says a resource is (keys.ts `parseResourceKey`). */
type KeyIdentity = { readonly kind: string; readonly namespace?: string; readonly name: string };

/** `kind namespace/name` as a value names itself, for comparison and the warning. */
function identityOf(doc: unknown): string {
  const d = isObject(doc) ? doc : {};
  const m = isObject(d.metadata) ? d.metadata : {};
  return `${String(d.kind)} ${m.namespace === undefined ? "" : `${String(m.namespace)}/`}${String(m.name)}`;
}

function keyIdentity(key: KeyIdentity): string {
  return `${key.kind} ${key.namespace === undefined ? "" : `${key.namespace}/`}${key.name}`;
}

/** Whether `doc` names what `key` does: the same fields compared first, without making the strings. */
function namesKey(doc: unknown, key: KeyIdentity): boolean {
  const m = isObject(doc) ? doc.metadata : undefined;
  if (isObject(doc) && doc.kind === key.kind && isObject(m) && m.name === key.name && m.namespace === key.namespace) return true;
  return identityOf(doc) === keyIdentity(key);
}

function isEmpty(x: object): boolean {
  for (const _ in x) return false;
  return true;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/**
 * Parsed selectors shared between entries are dropped past this many, so that a long-lived store
 * with policy churn does not keep every selector it ever saw.
 */
const MAX_SHARED_SELECTORS = 50_000;

/** A full listing being read into the store (`EtcdModel.beginListing`). */
export interface ListingLoad {
  put(key: string, value: string): void;
  /** Replaces the store's contents with what was put; returns the keys that changed, were added or removed. */
  finish(): { changed: string[]; removed: string[] };
}

/** The keyed store. */
export class EtcdModel {
  private entries = new Map<string, StoredEntry>();
  private readonly shared = sharedBuildState();
  private readonly interner = new Interner();
  /**
   * Valid resources by kind and error diagnostics of the stored values, kept as entries come and
   * go: the agent reads them for its gauges after every apply, and a count over every entry would
   * cost each change as much as the cluster is large.
   */
  private readonly kinds = new Map<string, number>();
  private errors = 0;

  constructor(private readonly prefix: string) {}

  /** Sets `key` to `entry` (or removes it), keeping the counts. */
  private setEntry(key: string, entry: StoredEntry | undefined): void {
    const old = this.entries.get(key);
    if (old !== undefined) this.count(old, -1);
    if (entry === undefined) this.entries.delete(key);
    else {
      this.entries.set(key, entry);
      this.count(entry, 1);
    }
  }

  private count(entry: StoredEntry, sign: 1 | -1): void {
    if (entry.resource) this.kinds.set(entry.resource.kind, (this.kinds.get(entry.resource.kind) ?? 0) + sign);
    for (const d of entry.diagnostics) if (d.severity === "error") this.errors += sign;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Sets a key; returns the entry, or undefined when the value did not change. */
  put(key: string, value: string): StoredEntry | undefined {
    const old = this.entries.get(key);
    const digest = digestOf(value);
    if (old !== undefined && old.digest === digest) return undefined;
    const entry = parseEntry(key, value, this.prefix, this.shared, this.interner, digest);
    this.setEntry(key, entry);
    return entry;
  }

  /** The valid resource at `key`. */
  get(key: string): Resource | undefined {
    return this.entries.get(key)?.resource;
  }

  delete(key: string): boolean {
    if (!this.entries.has(key)) return false;
    this.setEntry(key, undefined);
    return true;
  }

  /**
   * Starts reading a full listing, page by page: each value is parsed and validated as it comes
   * (so the caller can drop the raw page), while the store keeps its current contents until
   * `finish` replaces them all at once. A listing that fails halfway is simply dropped, and the
   * store is as before, never a mix of two revisions.
   */
  beginListing(): ListingLoad {
    const staged = new Map<string, StoredEntry>();
    const changed = new Set<string>();
    let finished = false;
    return {
      put: (key, value) => {
        if (finished) throw new Error("internal error: a put after the listing finished");
        const old = staged.get(key) ?? this.entries.get(key);
        const digest = digestOf(value);
        if (old !== undefined && old.digest === digest) {
          staged.set(key, old);
          return;
        }
        changed.add(key);
        staged.set(key, parseEntry(key, value, this.prefix, this.shared, this.interner, digest));
      },
      finish: () => {
        finished = true;
        const removed: string[] = [];
        for (const k of this.entries.keys()) if (!staged.has(k)) removed.push(k);
        // The staged entries become the store, in the same order, without copying them one by one.
        this.entries = staged;
        this.kinds.clear();
        this.errors = 0;
        for (const e of staged.values()) this.count(e, 1);
        return { changed: [...changed], removed };
      },
    };
  }

  /** Replaces everything with a full listing; returns the keys that changed, were added or removed. */
  replaceAll(kvs: readonly { readonly key: string; readonly value: string }[]): { changed: string[]; removed: string[] } {
    const load = this.beginListing();
    for (const kv of kvs) load.put(kv.key, kv.value);
    return load.finish();
  }

  /** Every valid resource, in key order (so a compile does not depend on arrival order). */
  resources(): Resource[] {
    return [...this.entries.keys()]
      .sort()
      .map((k) => this.entries.get(k)!.resource)
      .filter((r): r is Resource => r !== undefined);
  }

  /** The diagnostics of every stored value. */
  diagnostics(): Diagnostic[] {
    return [...this.entries.values()].flatMap((e) => e.diagnostics);
  }

  /** Resources by kind, for the metrics. */
  countsByKind(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [kind, n] of [...this.kinds].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) if (n > 0) out[kind] = n;
    return out;
  }

  /** The error diagnostics of every stored value (what `diagnostics()` holds of severity error), counted. */
  errorCount(): number {
    return this.errors;
  }
}
