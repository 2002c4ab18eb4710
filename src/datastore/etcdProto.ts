/**
 * The few etcd v3 protobuf messages the client reads over gRPC, encoded and decoded by hand.
 *
 * Wire format (protobuf's "Encoding" guide, protobuf.dev/programming-guides/encoding): a message
 * is a sequence of fields, each a tag varint `(field number << 3) | wire type` and a payload:
 * wire type 0 a varint, 1 eight bytes, 2 a varint length then that many bytes, 5 four bytes
 * (3 and 4, the deprecated groups, never occur in etcd's messages and are refused). Proto3 omits
 * fields at their zero value, and a decoder skips fields it does not know, so a newer etcd's
 * additions pass unnoticed.
 *
 * Messages and field numbers, as in etcd 3.4 (etcdserver/etcdserverpb/rpc.proto and
 * mvcc/mvccpb/kv.proto; api/etcdserverpb and api/mvccpb from 3.5 on, unchanged):
 * - RangeRequest: key = 1 (bytes), range_end = 2 (bytes), limit = 3 (int64), revision = 4 (int64).
 * - RangeResponse: header = 1 (ResponseHeader), kvs = 2 (repeated KeyValue), more = 3 (bool),
 *   count = 4 (int64).
 * - ResponseHeader: revision = 3 (int64); cluster_id = 1, member_id = 2, raft_term = 4 skipped.
 * - KeyValue: key = 1 (bytes), create_revision = 2, mod_revision = 3, version = 4 (int64s),
 *   value = 5 (bytes), lease = 6 (int64).
 *
 * int64s here are revisions, counts, versions and lease ids: never negative in etcd, and read as
 * JavaScript numbers (exact below 2^53; etcd's revisions would take 285 years at a million writes
 * a second to pass it). A negative int64 is ten bytes on the wire; the decoder reads it as the
 * unsigned value, rounded, and the encoder refuses one.
 *
 * The encoders of responses and the decoder of requests serve the bench's stand-in etcd
 * (bench/agentStartup.ts) and the tests.
 */
import { isAscii } from "node:buffer";
import type { KeyValue } from "./etcd.js";

/** Wire types (protobuf encoding guide, "Message Structure"). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

/** A protobuf message that cannot be read: truncated, or with a field of an unknown wire type. */
export class ProtoError extends Error {
  override readonly name = "ProtoError";
}

/** A cursor over `buf` from `pos` to `end`. */
class Reader {
  constructor(
    readonly buf: Buffer,
    public pos: number,
    readonly end: number,
  ) {}

  /** An unsigned varint of up to ten bytes, as a number (exact below 2^53). */
  varint(): number {
    const { buf, end } = this;
    if (this.pos >= end) throw new ProtoError("truncated varint");
    let b = buf[this.pos++]!;
    if (b < 0x80) return b;
    let value = b & 0x7f;
    let scale = 0x80;
    for (let i = 1; i < 10; i++) {
      if (this.pos >= end) throw new ProtoError("truncated varint");
      b = buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw new ProtoError("varint longer than ten bytes");
  }

  /** A length-delimited payload's bounds; the cursor moves past it. */
  bytes(): { start: number; end: number } {
    const length = this.varint();
    const start = this.pos;
    if (length > this.end - start) throw new ProtoError("truncated length-delimited field");
    this.pos = start + length;
    return { start, end: this.pos };
  }

  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case I64:
        this.advance(8);
        return;
      case LEN:
        this.bytes();
        return;
      case I32:
        this.advance(4);
        return;
      default:
        throw new ProtoError(`unknown wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw new ProtoError("truncated fixed-width field");
    this.pos += n;
  }
}

/**
 * UTF-8 bytes `buf[start, end)` as text. Bytes that are all ASCII (most keys and values, and
 * every gateway response, being JSON of base64) are read as latin1, the same text: Node 20's
 * UTF-8 decoder took 1.3 s of CPU for shape L's 53 listing pages, against 0.1 s this way.
 */
export function utf8Text(buf: Buffer, end: number = buf.length, start = 0): string {
  return buf.toString(isAscii(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) ? "latin1" : "utf8", start, end);
}

/** Bytes a varint of `value` takes. */
function varintSize(value: number): number {
  let n = 1;
  while (value >= 0x80) {
    value = Math.floor(value / 0x80);
    n++;
  }
  return n;
}

/** Writes `value` (a non-negative safe integer) as a varint at `pos`; returns the next position. */
function writeVarint(out: Buffer, pos: number, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new ProtoError(`not a non-negative safe integer: ${value}`);
  while (value >= 0x80) {
    out[pos++] = (value % 0x80) | 0x80;
    value = Math.floor(value / 0x80);
  }
  out[pos++] = value;
  return pos;
}

/** A varint alone (for the tests' round trips). */
export function encodeVarint(value: number): Buffer {
  const out = Buffer.allocUnsafe(varintSize(value));
  writeVarint(out, 0, value);
  return out;
}

export function decodeVarint(buf: Buffer): number {
  const r = new Reader(buf, 0, buf.length);
  const v = r.varint();
  if (r.pos !== buf.length) throw new ProtoError("bytes after the varint");
  return v;
}

/** A message under construction: fields appended in order, proto3 zero values left out. */
class Writer {
  private readonly parts: Buffer[] = [];
  private length = 0;

  varintField(field: number, value: number): this {
    if (value === 0) return this;
    const head = Buffer.allocUnsafe(varintSize(field << 3) + varintSize(value));
    writeVarint(head, writeVarint(head, 0, (field << 3) | VARINT), value);
    return this.push(head);
  }

  bytesField(field: number, bytes: Buffer): this {
    if (bytes.length === 0) return this;
    const head = Buffer.allocUnsafe(varintSize(field << 3) + varintSize(bytes.length));
    writeVarint(head, writeVarint(head, 0, (field << 3) | LEN), bytes.length);
    return this.push(head).push(bytes);
  }

  /** An embedded message (always written, even when empty: it is present). */
  messageField(field: number, message: Buffer): this {
    const head = Buffer.allocUnsafe(varintSize(field << 3) + varintSize(message.length));
    writeVarint(head, writeVarint(head, 0, (field << 3) | LEN), message.length);
    return this.push(head).push(message);
  }

  finish(): Buffer {
    return Buffer.concat(this.parts, this.length);
  }

  private push(b: Buffer): this {
    this.parts.push(b);
    this.length += b.length;
    return this;
  }
}

const bytesOf = (b: Buffer | string): Buffer => (typeof b === "string" ? Buffer.from(b, "utf8") : b);

export interface RangeRequest {
  readonly key: Buffer;
  /** Empty: the key alone. */
  readonly rangeEnd?: Buffer;
  /** 0: no limit. */
  readonly limit?: number;
  /** 0: the latest. */
  readonly revision?: number;
}

export function encodeRangeRequest(req: RangeRequest): Buffer {
  return new Writer()
    .bytesField(1, req.key)
    .bytesField(2, req.rangeEnd ?? Buffer.alloc(0))
    .varintField(3, req.limit ?? 0)
    .varintField(4, req.revision ?? 0)
    .finish();
}

/** Fields this client never sends (sorting, serializable, keys_only...) are skipped. */
export function decodeRangeRequest(buf: Buffer): { key: Buffer; rangeEnd: Buffer; limit: number; revision: number } {
  const r = new Reader(buf, 0, buf.length);
  let key: Buffer = Buffer.alloc(0);
  let rangeEnd: Buffer = Buffer.alloc(0);
  let limit = 0;
  let revision = 0;
  while (r.pos < r.end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === LEN) {
      const b = r.bytes();
      key = buf.subarray(b.start, b.end);
    } else if (field === 2 && wire === LEN) {
      const b = r.bytes();
      rangeEnd = buf.subarray(b.start, b.end);
    } else if (field === 3 && wire === VARINT) limit = r.varint();
    else if (field === 4 && wire === VARINT) revision = r.varint();
    else r.skip(wire);
  }
  return { key, rangeEnd, limit, revision };
}

/** A KeyValue as encoded by `encodeRangeResponse`: key and value as bytes or UTF-8 text. */
export interface KeyValueOut {
  readonly key: Buffer | string;
  readonly value: Buffer | string;
  readonly createRevision: number;
  readonly modRevision: number;
  readonly version: number;
  readonly lease?: number;
}

export function encodeKeyValue(kv: KeyValueOut): Buffer {
  return new Writer()
    .bytesField(1, bytesOf(kv.key))
    .varintField(2, kv.createRevision)
    .varintField(3, kv.modRevision)
    .varintField(4, kv.version)
    .bytesField(5, bytesOf(kv.value))
    .varintField(6, kv.lease ?? 0)
    .finish();
}

export function encodeRangeResponse(res: { revision: number; kvs: readonly (KeyValueOut | Buffer)[]; more: boolean; count: number }): Buffer {
  const w = new Writer().messageField(1, new Writer().varintField(3, res.revision).finish());
  for (const kv of res.kvs) w.messageField(2, Buffer.isBuffer(kv) ? kv : encodeKeyValue(kv));
  return w
    .varintField(3, res.more ? 1 : 0)
    .varintField(4, res.count)
    .finish();
}

export interface RangeResponse {
  readonly revision: number;
  readonly kvs: KeyValue[];
  readonly more: boolean;
  readonly count: number;
  /** The last KeyValue's key as bytes (a view into the response), where the next page starts after. */
  readonly lastKey?: Buffer;
}

function decodeKeyValue(buf: Buffer, start: number, end: number, lazy: boolean): { kv: KeyValue; keyStart: number; keyEnd: number } {
  const r = new Reader(buf, start, end);
  let keyStart = start;
  let keyEnd = start;
  let valueStart = start;
  let valueEnd = start;
  let createRevision = 0;
  let modRevision = 0;
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === LEN) ({ start: keyStart, end: keyEnd } = r.bytes());
    else if (field === 5 && wire === LEN) ({ start: valueStart, end: valueEnd } = r.bytes());
    else if (field === 2 && wire === VARINT) createRevision = r.varint();
    else if (field === 3 && wire === VARINT) modRevision = r.varint();
    // version (4) and lease (6): varints the client does not keep.
    else r.skip(wire);
  }
  const key = utf8Text(buf, keyEnd, keyStart);
  const kv = lazy ? new LazyKeyValue(key, buf, valueStart, valueEnd, modRevision, createRevision) : { key, value: utf8Text(buf, valueEnd, valueStart), modRevision, createRevision };
  return { kv, keyStart, keyEnd };
}

/**
 * A KeyValue of a RangeResponse whose value is decoded from the response each time it is read,
 * not when the response is (`decodeRangeResponse` with `lazyValues`). A listing page of shape L
 * holds 10,000 values (about 10 MB of text); decoded all at once, they lived while the agent
 * parsed the page value by value, long enough for V8's young-generation collections to copy them
 * and move them to the old generation, where they then died (a quarter of a gigabyte over the
 * listing). Read when the reader reaches them, each is garbage by the next collection: on shape
 * L (bench/agent.ts) the agent's CPU time to start up fell from 18.3-18.9 s to 15.5-16.5 s, and
 * its peak RSS (reached while the first apply's inputs are built) was 1,171-1,246 MiB against
 * 1,169-1,175 MiB before (not explained yet). The response's bytes are the Buffer the call
 * returned, never reused, so a value reads the same whenever it is read.
 */
class LazyKeyValue implements KeyValue {
  constructor(
    readonly key: string,
    private readonly buf: Buffer,
    private readonly valueStart: number,
    private readonly valueEnd: number,
    readonly modRevision: number,
    readonly createRevision: number,
  ) {}

  get value(): string {
    return utf8Text(this.buf, this.valueEnd, this.valueStart);
  }
}

function decodeHeaderRevision(buf: Buffer, start: number, end: number): number {
  const r = new Reader(buf, start, end);
  let revision = 0;
  while (r.pos < end) {
    const tag = r.varint();
    if (tag === ((3 << 3) | VARINT)) revision = r.varint();
    else r.skip(tag & 7);
  }
  return revision;
}

/**
 * A RangeResponse read straight from `buf[start, end)`: keys and values decoded from it, no copies
 * of their bytes. With `lazyValues`, each value is decoded when it is read (`LazyKeyValue`: for a
 * reader that reads each once, in order, and then drops it), and `buf` must stay as it is.
 */
export function decodeRangeResponse(buf: Buffer, start = 0, end = buf.length, lazyValues = false): RangeResponse {
  const r = new Reader(buf, start, end);
  let revision = 0;
  let more = false;
  let count = 0;
  const kvs: KeyValue[] = [];
  let lastKey: { start: number; end: number } | undefined;
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 2 && wire === LEN) {
      const b = r.bytes();
      const d = decodeKeyValue(buf, b.start, b.end, lazyValues);
      kvs.push(d.kv);
      lastKey = { start: d.keyStart, end: d.keyEnd };
    } else if (field === 1 && wire === LEN) {
      const b = r.bytes();
      revision = decodeHeaderRevision(buf, b.start, b.end);
    } else if (field === 3 && wire === VARINT) more = r.varint() !== 0;
    else if (field === 4 && wire === VARINT) count = r.varint();
    else r.skip(wire);
  }
  return { revision, kvs, more, count, ...(lastKey ? { lastKey: buf.subarray(lastKey.start, lastKey.end) } : {}) };
}
