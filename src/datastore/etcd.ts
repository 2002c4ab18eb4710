/**
 * A small etcd v3 client over etcd's JSON gateway (grpc-gateway; etcd 3.4 serves it on the client
 * port: Documentation/dev-guide/api_grpc_gateway.md), with node:http and node:https.
 *
 * Why not the npm `etcd3` client: it brings gRPC and protobuf (about 16 MB of dependencies) and
 * has had no upstream commit since 2023; a node agent needs only range (paged, at a revision),
 * put, delete, a few transactions and one watch, which the gateway serves as plain JSON.
 *
 * Shapes (checked against etcd 3.4.23): keys and values are base64; int64s come back as strings;
 * zero values are omitted (no `kvs` when empty, no `more` when false). A watch is a POST whose
 * response is newline-delimited JSON, one `{"result": WatchResponse}` per line. Over HTTP/1.1 the
 * gateway reads the whole request before it answers, so a watch is fixed when sent and cancelled
 * by closing the connection. A watch from a compacted revision answers `created`, then
 * `canceled` with `compact_revision`, and keeps the stream open: the client ends it.
 */
import { isAscii } from "node:buffer";
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from "node:http";
import { Agent as HttpsAgent, request as httpsRequest } from "node:https";

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

/** A request failed on a kept-alive connection that the server had closed (see `call`). */
class StaleSocket extends Error {
  constructor(override readonly cause: Error) {
    super(cause.message);
  }
}

const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
/**
 * UTF-8 bytes as text. Bytes that are all ASCII (every gateway response, being JSON of base64,
 * and most values) are read as latin1, the same text: Node 20's UTF-8 decoder took 1.3 s of CPU
 * for shape L's 53 listing pages, against 0.1 s this way.
 */
function utf8Text(bytes: Buffer, end: number = bytes.length): string {
  return bytes.toString(isAscii(end === bytes.length ? bytes : bytes.subarray(0, end)) ? "latin1" : "utf8", 0, end);
}

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
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, "utf8");
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i] = end[i]! + 1;
      return end.toString("base64");
    }
  }
  return Buffer.from([0]).toString("base64");
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

  constructor(private readonly options: EtcdOptions) {
    if (options.endpoints.length === 0) throw new Error("etcd: no endpoints");
    this.endpoints = options.endpoints.map((e) => new URL(e));
    const tls = options.tls ?? {};
    this.agents = {
      http: new HttpAgent({ keepAlive: true }),
      https: new HttpsAgent({ keepAlive: true, ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}) }),
    };
  }

  /** Closes the keep-alive connections. */
  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
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
    let retriedStale = false;
    for (let attempt = 0; attempt < this.endpoints.length; attempt++) {
      const endpoint = this.endpoints[(this.current + attempt) % this.endpoints.length]!;
      try {
        const result = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const req = this.open(path, body, this.options.timeoutMs ?? 10_000, endpoint);
          req.on("timeout", () => req.destroy(new Error(`etcd ${endpoint.origin}: timed out`)));
          req.on("error", (e: NodeJS.ErrnoException) => reject(req.reusedSocket && e.code === "ECONNRESET" ? new StaleSocket(e) : e));
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
        // A kept-alive connection the server closed while idle (its idle timeout passed while this
        // process was busy) fails the request sent on it before any answer: send it once more, on a
        // new connection, as Node's documentation advises (http `request.reusedSocket`). Only
        // reads are sent again: a write might have been applied before the connection broke.
        if (e instanceof StaleSocket && path === "/v3/kv/range" && !retriedStale) {
          retriedStale = true;
          attempt--;
          continue;
        }
        lastError = e instanceof StaleSocket ? e.cause : e;
      }
    }
    throw new EtcdError(`etcd: no endpoint answered (${lastError instanceof Error ? lastError.message : String(lastError)})`, 14);
  }

  /**
   * Every key under `prefix` at one revision (the latest, or `revision`), read in pages of
   * `pageSize` keys, each page at the revision of the first so the whole read is one snapshot.
   *
   * With `onPage`, each page is handed over as it arrives and not kept (`kvs` is then empty), so
   * that a caller that folds pages into its own store never holds the raw listing whole.
   */
  async rangePrefix(prefix: string, options: { revision?: number; pageSize?: number; onPage?: (kvs: readonly KeyValue[]) => void } = {}): Promise<RangeResult> {
    const end = prefixEnd(prefix);
    const limit = options.pageSize ?? 5000;
    const kvs: KeyValue[] = [];
    const onPage = options.onPage ?? ((page: readonly KeyValue[]) => void kvs.push(...page));
    let revision = options.revision;
    const read = (from: string): Promise<Record<string, unknown>> => this.call("/v3/kv/range", { key: from, range_end: end, limit, ...(revision !== undefined ? { revision } : {}) });
    let next = read(b64(prefix));
    for (;;) {
      const res = await next;
      revision ??= int((res.header as { revision?: string } | undefined)?.revision);
      const raw = (res.kvs as RawKv[] | undefined) ?? [];
      const more = res.more === true && raw.length > 0;
      // The next page (from just after this page's last key, at the first page's revision) is
      // asked for before this one is handed over, so etcd serves it while this one is read.
      if (more) {
        next = read(Buffer.concat([Buffer.from(raw[raw.length - 1]!.key ?? "", "base64"), Buffer.from([0])]).toString("base64"));
        // Let the request go out (a request takes its socket on a later tick) before the page's
        // reading holds the thread.
        await new Promise((resolve) => setImmediate(resolve));
      }
      try {
        onPage(raw.map(kvOf));
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
    const res = await this.call("/v3/kv/range", { key: b64(key) });
    const raw = (res.kvs as RawKv[] | undefined)?.[0];
    return raw ? kvOf(raw) : undefined;
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
