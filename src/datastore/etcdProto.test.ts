import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeRangeRequest, decodeRangeResponse, decodeVarint, encodeRangeRequest, encodeRangeResponse, encodeVarint, ProtoError, type KeyValueOut } from "./etcdProto.js";
import { grpcFrame, grpcUnframe } from "./grpc.js";

/**
 * Fields no message here defines, one of each wire type the decoder must skip (protobuf encoding
 * guide): field 9 varint 150, field 10 fixed64, field 11 three bytes, field 12 fixed32.
 */
const UNKNOWN = Buffer.from([0x48, 0x96, 0x01, 0x51, 1, 2, 3, 4, 5, 6, 7, 8, 0x5a, 3, 0xff, 0xfe, 0xfd, 0x65, 1, 2, 3, 4]);

const bytes = fc.uint8Array({ maxLength: 40 }).map((a) => Buffer.from(a));
const int64 = fc.oneof(fc.maxSafeNat(), fc.integer({ min: 2 ** 31, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 1, 127, 128, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53 - 1));

describe("protobuf varints", () => {
  it("match the encoding guide's example and sizes", () => {
    expect([...encodeVarint(150)]).toEqual([0x96, 0x01]);
    expect([...encodeVarint(300)]).toEqual([0xac, 0x02]);
    expect(encodeVarint(2 ** 31)).toHaveLength(5);
    expect(encodeVarint(2 ** 53 - 1)).toHaveLength(8);
  });

  it("round-trip every non-negative safe integer, including those at and beyond 2^31", () => {
    fc.assert(fc.property(int64, (n) => decodeVarint(encodeVarint(n)) === n));
  });

  it("read a negative int64's ten bytes as the unsigned value, and refuse to write one", () => {
    // -1 as int64: ten bytes, 0xff x 9 then 0x01 (two's complement, 64 bits).
    expect(decodeVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe(2 ** 64 - 1);
    expect(() => encodeVarint(-1)).toThrow(ProtoError);
    expect(() => encodeVarint(2 ** 53)).toThrow(ProtoError);
  });

  it("refuse a truncated varint and one longer than ten bytes", () => {
    expect(() => decodeVarint(Buffer.from([0x96]))).toThrow(ProtoError);
    expect(() => decodeVarint(Buffer.alloc(11, 0x80))).toThrow(ProtoError);
  });
});

describe("RangeRequest", () => {
  it("round-trips, with zero fields left out", () => {
    const request = fc.record({ key: bytes, rangeEnd: bytes, limit: int64, revision: int64 });
    fc.assert(
      fc.property(request, (r) => {
        const wire = encodeRangeRequest(r);
        const back = decodeRangeRequest(Buffer.concat([wire, UNKNOWN]));
        expect(back).toEqual(r);
      }),
    );
    expect(encodeRangeRequest({ key: Buffer.alloc(0) })).toHaveLength(0);
    // key "a" (field 1, length 1), limit 5 (field 3): the bytes protoc would write.
    expect([...encodeRangeRequest({ key: Buffer.from("a"), limit: 5 })]).toEqual([0x0a, 1, 0x61, 0x18, 5]);
  });
});

describe("RangeResponse", () => {
  const kv = fc.record({ key: bytes, value: bytes, createRevision: int64, modRevision: int64, version: int64, lease: int64 });

  it("decodes what it encodes: revisions, more, count, and keys and values as UTF-8 text (invalid bytes as U+FFFD, as Buffer's UTF-8 reading does)", () => {
    fc.assert(
      fc.property(fc.array(kv, { maxLength: 8 }), int64, fc.boolean(), int64, (kvs, revision, more, count) => {
        const res = decodeRangeResponse(encodeRangeResponse({ revision, kvs, more, count }));
        expect(res.revision).toBe(revision);
        expect(res.more).toBe(more);
        expect(res.count).toBe(count);
        expect(res.kvs).toEqual(kvs.map((k) => ({ key: k.key.toString("utf8"), value: k.value.toString("utf8"), createRevision: k.createRevision, modRevision: k.modRevision })));
        expect(res.lastKey).toEqual(kvs.length > 0 ? kvs[kvs.length - 1]!.key : undefined);
      }),
    );
  });

  it("decodes values as they are read with lazyValues: the same keys, values and revisions as decoded at once, read any number of times", () => {
    fc.assert(
      fc.property(fc.array(kv, { maxLength: 8 }), int64, fc.boolean(), int64, fc.nat(3), (kvs, revision, more, count, pad) => {
        // The response inside a larger buffer, as a view of it (start and end given).
        const wire = encodeRangeResponse({ revision, kvs, more, count });
        const buf = Buffer.concat([Buffer.alloc(pad, 0xff), wire, Buffer.alloc(pad, 0xff)]);
        const eager = decodeRangeResponse(buf, pad, pad + wire.length);
        const lazy = decodeRangeResponse(buf, pad, pad + wire.length, true);
        expect({ ...lazy, kvs: undefined }).toEqual({ ...eager, kvs: undefined });
        const plain = (k: { key: string; value: string; createRevision: number; modRevision: number }): unknown => ({ key: k.key, value: k.value, createRevision: k.createRevision, modRevision: k.modRevision });
        expect(lazy.kvs.map(plain)).toEqual(eager.kvs);
        expect(lazy.kvs.map(plain)).toEqual(eager.kvs);
      }),
    );
  });

  it("keeps any text exactly, ASCII or not", () => {
    const textKv = fc.record({ key: fc.string({ unit: "grapheme" }), value: fc.string({ unit: "grapheme", maxLength: 200 }) });
    fc.assert(
      fc.property(fc.array(textKv, { maxLength: 6 }), (kvs) => {
        const out: KeyValueOut[] = kvs.map((k, i) => ({ ...k, createRevision: i + 1, modRevision: i + 1, version: 1 }));
        expect(decodeRangeResponse(encodeRangeResponse({ revision: 9, kvs: out, more: false, count: kvs.length })).kvs.map((k) => [k.key, k.value])).toEqual(kvs.map((k) => [k.key, k.value]));
      }),
    );
    const res = decodeRangeResponse(encodeRangeResponse({ revision: 1, kvs: [{ key: "/k/é", value: '{"note":"héllo ✓"}', createRevision: 1, modRevision: 1, version: 1 }], more: false, count: 1 }));
    expect(res.kvs[0]).toEqual({ key: "/k/é", value: '{"note":"héllo ✓"}', createRevision: 1, modRevision: 1 });
  });

  it("skips fields it does not know, of every wire type, in the response, its header and its KeyValues", () => {
    fc.assert(
      fc.property(fc.array(kv, { maxLength: 4 }), int64, (kvs, revision) => {
        const plain = encodeRangeResponse({ revision, kvs, more: true, count: kvs.length });
        // Concatenated messages merge (encoding guide, "Last One Wins"), so unknown fields may
        // be put before and after; in a KeyValue and in the header they go inside.
        const withKv = kvs.map((k) => encodeRangeResponse({ revision: 0, kvs: [k], more: false, count: 0 }));
        const noisyKvs = withKv.map((w) => {
          const inner = decodeField2(w);
          return Buffer.concat([Buffer.from([0x12]), encodeVarint(inner.length + UNKNOWN.length), UNKNOWN, inner]);
        });
        const header = Buffer.concat([UNKNOWN, Buffer.from([0x18]), encodeVarint(revision)]);
        const noisy = Buffer.concat([UNKNOWN, Buffer.from([0x0a]), encodeVarint(header.length), header, ...noisyKvs, Buffer.from([0x18, 1, 0x20]), encodeVarint(kvs.length), UNKNOWN]);
        const a = decodeRangeResponse(plain);
        const b = decodeRangeResponse(noisy);
        expect({ ...b, lastKey: b.lastKey && Buffer.from(b.lastKey) }).toEqual({ ...a, lastKey: a.lastKey && Buffer.from(a.lastKey) });
      }),
    );
  });

  it("refuses a truncated answer", () => {
    const wire = encodeRangeResponse({ revision: 5, kvs: [{ key: "/a", value: "xyz", createRevision: 2, modRevision: 3, version: 1 }], more: false, count: 0 });
    // The KeyValue is last (no more, no count): two bytes off cut its value short.
    expect(() => decodeRangeResponse(wire.subarray(0, wire.length - 2))).toThrow(ProtoError);
    expect(() => decodeRangeResponse(Buffer.from([0x0b]))).toThrow(/wire type 3/);
  });
});

/** The payload of the one length-delimited field 2 (a KeyValue) in an encoded RangeResponse that holds only it and an empty header. */
function decodeField2(wire: Buffer): Buffer {
  // Header: 0x0a 0x00 (field 1, empty). Then 0x12, a varint length, the KeyValue.
  let pos = 2;
  expect(wire[pos]).toBe(0x12);
  pos++;
  let length = 0;
  let scale = 1;
  for (;;) {
    const b = wire[pos++]!;
    length += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) break;
  }
  return wire.subarray(pos, pos + length);
}

describe("gRPC message framing", () => {
  it("prefixes a flag byte and a big-endian length, and takes exactly one message back", () => {
    fc.assert(fc.property(bytes, (m) => grpcUnframe(grpcFrame(m))!.equals(m)));
    expect([...grpcFrame(Buffer.from([7, 8]))]).toEqual([0, 0, 0, 0, 2, 7, 8]);
    expect(grpcUnframe(Buffer.alloc(0))).toBeUndefined();
    expect(() => grpcUnframe(Buffer.from([1, 0, 0, 0, 0]))).toThrow(/compressed/);
    expect(() => grpcUnframe(Buffer.from([0, 0, 0, 0, 3, 1]))).toThrow(/message of 3 bytes/);
  });
});
