/**
 * A small etcd v3 client: range reads over etcd's gRPC API, everything else over its JSON gateway.
 *
 * Why not the npm `etcd3` client: it brings @grpc/grpc-js and protobufjs (about 16 MB of
 * dependencies), has had no upstream commit since 2023, and decodes each KeyValue into objects
 * of its own; a node agent needs only range (paged, at a revision), put, delete, a few
 * transactions and one watch.
 *
 * Range reads (`rangePrefix`, `get`) go over gRPC, `etcdserverpb.KV/Range`, with node:http2 and
 * hand-written protobuf (grpc.ts, etcdProto.ts): the listing at start-up is most of what the
 * agent reads, and through the gateway etcd marshals each KeyValue to JSON with base64 by
 * reflection and the client undoes it. On shape L (bench:agent), etcd's CPU during the agent's
 * start-up went from 25.7 s to 13.0 s, and the client's own listing CPU (bench/agentStartup.ts,
 * floor) from 5.1-6.3 s to 3.2-4.0 s. etcd 3.4
 * serves gRPC on the client port beside the gateway: plaintext as h2c with prior knowledge (cmux
 * sends HTTP/2 connections to the gRPC server: embed/serve.go), and over TLS to clients that
 * offer ALPN `h2` (grpcHandlerFunc there), with the same CA and client certificate. One HTTP/2
 * session per endpoint, opened on first use, opened again once closed, referenced only while a
 * call is in flight (an idle client does not hold the process open), closed by `close()`.
 *
 * Writes, transactions, compaction and the watch stay on the JSON gateway (grpc-gateway;
 * Documentation/dev-guide/api_grpc_gateway.md), with node:http and node:https: they are few and
 * small, and the watch's HTTP/1.1 stream is simple to end by closing it.
 *
 * Gateway shapes (checked against etcd 3.4.23): keys and values are base64; int64s come back as
 * strings; zero values are omitted (no `kvs` when empty, no `more` when false). A watch is a POST
 * whose response is newline-delimited JSON, one `{"result": WatchResponse}` per line. Over HTTP/1.1
 * the gateway reads the whole request before it answers, so a watch is fixed when sent and
 * cancelled by closing the connection. A watch from a compacted revision answers `created`, then
 * `canceled` with `compact_revision`, and keeps the stream open: the client ends it.
 *
 * Errors: an etcd answer that is an error (gRPC status, or the gateway's `code`, which is the same
 * gRPC code) is an `EtcdError` with that code and is final; a failed connection or a timeout moves
 * on to the next endpoint.
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { connect as http2Connect, type ClientHttp2Session } from "node:http2";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";
import { decodeRangeResponse, encodeRangeRequest, ProtoError, utf8Text, type RangeResponse } from "./etcdProto.js";
import { GRPC_INTERNAL, GRPC_UNAVAILABLE, GrpcStatusError, unaryCall } from "./grpc.js";

export interface EtcdTls {
  readonly ca?: string;
  readonly cert?: string;
  readonly key?: string;
}

export interface EtcdOptions {
  /** `http://127.0.0.1:2379` or `https://...`; tried in order, the next on a connection error. */
  readonly endpoints: readonly string[];
  readonly tls?: EtcdTls;
  /** Per request, except watches (default 10 s). */
  readonly timeoutMs?: number;
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRevision: number;
  readonly createRevision: number;
}

export interface RangeResult {
  /** The revision the whole read saw. */
  readonly revision: number;
  readonly kvs: readonly KeyValue[];
}

export type WatchEvent =
  | { readonly type: "put"; readonly kv: KeyValue }
  | { readonly type: "delete"; readonly key: string; readonly modRevision: number; readonly prev?: KeyValue };

export type WatchMessage =
  /** Events at one revision (a transaction's events arrive together). */
  | { readonly kind: "events"; readonly revision: number; readonly events: readonly WatchEvent[] }
  /** Nothing changed up to `revision` (a progress notification). */
  | { readonly kind: "progress"; readonly revision: number }
  /** The start revision was compacted away: read everything again. */
  | { readonly kind: "compacted"; readonly compactRevision: number }
  /** The stream ended or failed; `error` says why (undefined when closed on purpose). */
  | { readonly kind: "closed"; readonly error?: string };

export interface Watch {
  /** Ends the watch (closes the connection). */
  close(): void;
}

/** An etcd error with the gateway's gRPC code (11: out of range, e.g. a compacted revision). */
export class EtcdError extends Error {
  override readonly name = "EtcdError";
  constructor(
    message: string,
    readonly grpcCode?: number,
  ) {
    super(message);
  }
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
/** Where keys and values are decoded (grown as needed): no buffer of its own for each of them. */
let scratch = Buffer.allocUnsafe(1 << 16);

const unb64 = (s: string | undefined): string => {
  if (s === undefined) return "";
  const most = Math.ceil(s.length / 4) * 3;
  if (scratch.length < most) scratch = Buffer.allocUnsafe(Math.max(most, scratch.length * 2));
  return utf8Text(scratch, scratch.write(s, 0, "base64"));
};
const int = (s: unknown): number => (typeof s === "string" || typeof s === "number" ? Number(s) : 0);

/** The end of the key range holding every key that starts with `prefix` (clientv3's getPrefix). */
function prefixEndBytes(prefix: string): Buffer {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = end[i]! + 1;
      return end;
    }
  }
  return Buffer.from([0]);
}

/** `prefixEndBytes` in base64, for the gateway. */
export function prefixEnd(prefix: string): string {
  return prefixEndBytes(prefix).toString("base64");
}

/**
 * HTTP/2 flow-control windows asked of etcd (RFC 9113 section 6.9; the defaults are 64 KiB): a
 * listing page of shape L is about 10 MB (LISTING_PAGE_KEYS), and with the default window etcd
 * would stop every 64 KiB until this process, busy with the previous page, sent a WINDOW_UPDATE.
 */
const STREAM_WINDOW = 16 << 20;
const SESSION_WINDOW = 32 << 20;

/**
 * Keys per page of `rangePrefix`. etcd 3.4 answers a range with a limit by first collecting the
 * revision of every key from the page's first key to the end of the range (mvcc `rangeKeys`,
 * which also reports the total count), so a listing costs it about the number of pages times
 * half the keys. On shape L (260,000 keys, 251 MB) etcd spent 2.4-3.3 s of CPU serving the
 * listing in pages of 5,000 keys, 1.4-2.3 s in pages of 10,000, 1.2 s in pages of 15,000 and
 * 1.0-1.4 s in pages of 20,000 (two runs each, a local etcd on this 2-core machine under load,
 * /proc CPU time; the client's own CPU was 2.0-2.8 s in each case). Larger pages cost the agent
 * memory: its peak RSS over the start-up on L (`bench:agent`, one run each) was 1,183 MiB in
 * pages of 10,000 and 1,351 MiB in pages of 15,000, against 1,146-1,162 MiB in pages of 5,000;
 * 10,000 takes most of etcd's saving for little memory. A page (about 10 MB on L) fits in the
 * stream's window (STREAM_WINDOW), so etcd sends it whole while the agent reads the one before.
 */
export const LISTING_PAGE_KEYS = 10_000;

/** The gRPC method of range reads (rpc.proto: service KV, rpc Range). */
const RANGE_PATH = "/etcdserverpb.KV/Range";

/** An HTTP/2 session to one endpoint and how many calls are in flight on it. */
interface Session {
  readonly http2: ClientHttp2Session;
  active: number;
}

interface RawKv {
  key?: string;
  value?: string;
  mod_revision?: string;
  create_revision?: string;
}

function kvOf(raw: RawKv): KeyValue {
  return { key: unb64(raw.key), value: unb64(raw.value), modRevision: int(raw.mod_revision), createRevision: int(raw.create_revision) };
}

export class EtcdClient {
  private readonly endpoints: readonly URL[];
  private readonly agents: { http: HttpAgent; https: HttpsAgent };
  private current = 0;
  /** By endpoint origin. */
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly options: EtcdOptions) {
    if (options.endpoints.length === 0) throw new Error("etcd: no endpoints");
    this.endpoints = options.endpoints.map((e) => new URL(e));
    const tls = options.tls ?? {};
    this.agents = {
      http: new HttpAgent({ keepAlive: true }),
      https: new HttpsAgent({ keepAlive: true, ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) }),
    };
  }

  /** Closes the keep-alive connections and the HTTP/2 sessions. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
    for (const s of this.sessions.values()) s.http2.destroy();
    this.sessions.clear();
  }

  /** The endpoint's HTTP/2 session (`kept`), or a new one when there is none or it has closed. */
  private session(endpoint: URL): { session: Session; kept: boolean } {
    const existing = this.sessions.get(endpoint.origin);
    if (existing && !existing.http2.closed && !existing.http2.destroyed) return { session: existing, kept: true };
    const tls = this.options.tls ?? {};
    const http2 = http2Connect(endpoint.origin, {
      ...(endpoint.protocol === "https:" ? { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) } : {}),
      settings: { initialWindowSize: STREAM_WINDOW },
    });
    const session: Session = { http2, active: 0 };
    // A session's failure reaches its streams, which is where calls see it; the session is then
    // forgotten, and the next call opens another.
    http2.on("error", () => {});
    http2.on("close", () => {
      if (this.sessions.get(endpoint.origin) === session) this.sessions.delete(endpoint.origin);
    });
    http2.on("connect", () => http2.setLocalWindowSize(SESSION_WINDOW));
    http2.unref();
    this.sessions.set(endpoint.origin, session);
    return { session, kept: false };
  }

  /** One Range call on `endpoint`, retried once on a new session if a kept one had gone stale. */
  private async rangeOn(endpoint: URL, request: Buffer, lazyValues: boolean): Promise<RangeResponse> {
    for (let fresh = false; ; fresh = true) {
      const { session, kept } = this.session(endpoint);
      session.active++;
      session.http2.ref();
      try {
        const answer = await unaryCall(session.http2, RANGE_PATH, request, this.options.timeoutMs ?? 10_000);
        return decodeRangeResponse(answer, 0, answer.length, lazyValues);
      } catch (e) {
        if (e instanceof GrpcStatusError) throw new EtcdError(`etcd ${endpoint.origin}${RANGE_PATH}: ${e.message}`, e.code);
        if (e instanceof ProtoError) throw new EtcdError(`etcd ${endpoint.origin}${RANGE_PATH}: an answer that is not a RangeResponse (${e.message})`, GRPC_INTERNAL);
        // A session etcd had closed while this one was idle fails the call sent on it before any
        // answer: send it once more on a new session (a read, so sending it twice is harmless).
        if (!kept || fresh) throw new Error(`etcd ${endpoint.origin}: ${(e as Error).message}`, { cause: e });
        session.http2.destroy();
      } finally {
        if (--session.active === 0 && !session.http2.destroyed) session.http2.unref();
      }
    }
  }

  /**
   * One Range call, trying each endpoint once from the current one on a connection error. With
   * `lazyValues`, values are decoded as they are read (etcdProto.ts `LazyKeyValue`).
   */
  private async range(request: Buffer, lazyValues = false): Promise<RangeResponse> {
    let lastError: unknown;
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const index = (this.current + attempt) % this.endpoints.length;
      try {
        const result = await this.rangeOn(this.endpoints[index]!, request, lazyValues);
        this.current = index;
        return result;
      } catch (e) {
        // An etcd answer is final; only a failed connection moves on to the next endpoint.
        if (e instanceof EtcdError) throw e;
        lastError = e;
      }
    }
    throw new EtcdError(`etcd: no endpoint answered (${lastError instanceof Error ? lastError.message : String(lastError)})`, GRPC_UNAVAILABLE);
  }

  private open(path: string, body: string, timeoutMs: number | undefined, endpoint: URL): ReturnType<typeof httpRequest> {
    const url = new URL(path, endpoint);
    const secure = url.protocol === "https:";
    const make = secure ? httpsRequest : httpRequest;
    const req = make(url, {
      method: "POST",
      agent: secure ? this.agents.https : this.agents.http,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      ...(timeoutMs !== undefined ? { timeout: timeoutMs } : {}),
    });
    req.end(body);
    return req;
  }

  /** One JSON call, trying each endpoint once from the current one on a connection error. */
  private async call(path: string, payload: unknown): Promise<Record<string, unknown>> {
    const body = JSON.stringify(payload);
    let lastError: unknown;
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const endpoint = this.endpoints[(this.current + attempt) % this.endpoints.length]!;
      try {
        const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const req = this.open(path, body, this.options.timeoutMs ?? 10_000, endpoint);
          req.on("timeout", () => req.destroy(new Error(`etcd ${endpoint.origin}: timed out`)));
          req.on("error", reject);
          req.on("response", (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            res.on("data", (c: Buffer) => chunks.push(c));
            res.on("error", reject);
            res.on("end", () => {
              let json: Record<string, unknown>;
              try {
                json = JSON.parse(utf8Text(Buffer.concat(chunks))) as Record<string, unknown>;
              } catch {
                reject(new EtcdError(`etcd ${endpoint.origin}${path}: HTTP ${res.statusCode}, not JSON`));
                return;
              }
              if ((res.statusCode ?? 500) >= 400 || typeof json.error === "string") {
                reject(new EtcdError(`etcd ${endpoint.origin}${path}: ${String(json.message ?? json.error ?? res.statusCode)}`, typeof json.code === "number" ? json.code : undefined));
                return;
              }
              resolve(json);
            });
          });
        });
        this.current = (this.current + attempt) % this.endpoints.length;
        return result;
      } catch (e) {
        // An etcd answer is final; only a failed connection moves on to the next endpoint.
        if (e instanceof EtcdError) throw e;
        lastError = e;
      }
    }
    throw new EtcdError(`etcd: no endpoint answered (${lastError instanceof Error ? lastError.message : String(lastError)})`, 14);
  }

  /**
   * Every key under `prefix` at one revision (the latest, or `revision`), read in pages of
   * `pageSize` keys, each page at the revision of the first so the whole read is one snapshot.
   *
   * With `onPage`, each page is handed over as it arrives and not kept (`kvs` is then empty), so
   * that a caller that folds pages into its own store never holds the raw listing whole; a page's
   * values are then decoded as they are read (etcdProto.ts `LazyKeyValue`), so read each once.
   */
  async rangePrefix(prefix: string, options: { revision?: number; pageSize?: number; onPage?: (kvs: readonly KeyValue[]) => void } = {}): Promise<RangeResult> {
    const rangeEnd = prefixEndBytes(prefix);
    const limit = options.pageSize ?? LISTING_PAGE_KEYS;
    const kvs: KeyValue[] = [];
    const onPage = options.onPage ?? ((page: readonly KeyValue[]) => void kvs.push(...page));
    let revision = options.revision;
    const read = (key: Buffer): Promise<RangeResponse> => this.range(encodeRangeRequest({ key, rangeEnd, limit, ...(revision !== undefined ? { revision } : {}) }), options.onPage !== undefined);
    let next = read(Buffer.from(prefix, "utf8"));
    for (;;) {
      const res = await next;
      revision ??= res.revision;
      const more = res.more && res.lastKey !== undefined;
      // The next page (from just after this page's last key, at the first page's revision) is
      // asked for before this one is handed over, so etcd serves it while this one is read.
      if (more) {
        next = read(Buffer.concat([res.lastKey!, Buffer.from([0])]));
        // Let the request go out (the stream's frames are written on a later tick) before the
        // page's reading holds the thread.
        await new Promise((resolve) => setImmediate(resolve));
      }
      try {
        onPage(res.kvs);
      } catch (e) {
        if (more) next.catch(() => {});
        throw e;
      }
      if (!more) break;
    }
    return { revision: revision ?? 0, kvs };
  }

  /** One key, or undefined. */
  async get(key: string): Promise<KeyValue | undefined> {
    return (await this.range(encodeRangeRequest({ key: Buffer.from(key, "utf8") }))).kvs[0];
  }

  /** Writes `value` at `key`; returns the new revision. */
  async put(key: string, value: string): Promise<number> {
    const res = await this.call("/v3/kv/put", { key: b64(key), value: b64(value) });
    return int((res.header as { revision?: string } | undefined)?.revision);
  }

  /**
   * Writes `value` at `key` only if the key's mod revision is `expected` (0: the key must not
   * exist), as calicoctl's create and update do; returns whether it was written.
   */
  async putIf(key: string, value: string, expected: number): Promise<boolean> {
    const compare = expected === 0 ? { target: "VERSION", result: "EQUAL", key: b64(key), version: "0" } : { target: "MOD", result: "EQUAL", key: b64(key), mod_revision: String(expected) };
    const res = await this.call("/v3/kv/txn", { compare: [compare], success: [{ request_put: { key: b64(key), value: b64(value) } }] });
    return res.succeeded === true;
  }

  /** Deletes `key`; returns whether it existed. */
  async delete(key: string): Promise<boolean> {
    const res = await this.call("/v3/kv/deleterange", { key: b64(key) });
    return int(res.deleted) > 0;
  }

  /** Deletes every key under `prefix`; returns how many. */
  async deletePrefix(prefix: string): Promise<number> {
    const res = await this.call("/v3/kv/deleterange", { key: b64(prefix), range_end: prefixEnd(prefix) });
    return int(res.deleted);
  }

  /** Compacts the history up to `revision` (what kube-controllers does every 10 minutes). */
  async compact(revision: number): Promise<void> {
    await this.call("/v3/kv/compaction", { revision, physical: true });
  }

  /**
   * Watches every key under `prefix` from `startRevision` (inclusive). `onMessage` gets events,
   * progress, a compaction notice (after which the watch is over), or the stream's end.
   */
  watchPrefix(prefix: string, startRevision: number, onMessage: (m: WatchMessage) => void): Watch {
    const endpoint = this.endpoints[this.current]!;
    const body = JSON.stringify({ create_request: { key: b64(prefix), range_end: prefixEnd(prefix), start_revision: startRevision, prev_kv: true, progress_notify: true } });
    let done = false;
    const finish = (m: WatchMessage): void => {
      if (done) return;
      done = true;
      onMessage(m);
      req.destroy();
    };
    const req = this.open("/v3/watch", body, undefined, endpoint);
    req.on("error", (e) => finish({ kind: "closed", error: e.message }));
    req.on("response", (res: IncomingMessage) => {
      if ((res.statusCode ?? 500) >= 400) {
        finish({ kind: "closed", error: `etcd ${endpoint.origin}/v3/watch: HTTP ${res.statusCode}` });
        return;
      }
      let buffered = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        let nl: number;
        while (!done && (nl = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line !== "") this.handleWatchLine(line, onMessage, finish);
        }
      });
      res.on("end", () => finish({ kind: "closed", error: "the watch stream ended" }));
      res.on("error", (e) => finish({ kind: "closed", error: e.message }));
    });
    return { close: () => finish({ kind: "closed" }) };
  }

  private handleWatchLine(line: string, onMessage: (m: WatchMessage) => void, finish: (m: WatchMessage) => void): void {
    let parsed: { result?: Record<string, unknown>; error?: { message?: string } };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      finish({ kind: "closed", error: "the watch stream sent something that is not JSON" });
      return;
    }
    if (parsed.error) {
      finish({ kind: "closed", error: parsed.error.message ?? "watch error" });
      return;
    }
    const r = parsed.result ?? {};
    const revision = int((r.header as { revision?: string } | undefined)?.revision);
    if (r.canceled === true) {
      if (r.compact_revision !== undefined) finish({ kind: "compacted", compactRevision: int(r.compact_revision) });
      else finish({ kind: "closed", error: `the watch was canceled${typeof r.cancel_reason === "string" ? `: ${r.cancel_reason}` : ""}` });
      return;
    }
    if (r.created === true) return;
    const raw = (r.events as { type?: string; kv?: RawKv; prev_kv?: RawKv }[] | undefined) ?? [];
    if (raw.length === 0) {
      onMessage({ kind: "progress", revision });
      return;
    }
    const events: WatchEvent[] = raw.map((e) => {
      const kv = kvOf(e.kv ?? {});
      if (e.type === "DELETE") return { type: "delete", key: kv.key, modRevision: kv.modRevision, ...(e.prev_kv ? { prev: kvOf(e.prev_kv) } : {}) };
      return { type: "put", kv };
    });
    onMessage({ kind: "events", revision, events });
  }
}
