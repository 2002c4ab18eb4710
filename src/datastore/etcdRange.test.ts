/**
 * The client's gRPC range path against a stand-in server (node:http2, h2c) that misbehaves on
 * purpose, for what a real etcd will not do on demand: a kept session that dies under a call, a
 * Trailers-Only error, an HTTP error without a gRPC status. The real etcd is in
 * test/datastore/etcdClient.test.ts.
 */
import { createServer, type Http2Server, type ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EtcdClient } from "./etcd.js";
import { encodeRangeResponse } from "./etcdProto.js";
import { grpcFrame } from "./grpc.js";

type Behaviour = (stream: ServerHttp2Stream, call: number) => void;

const ok = (stream: ServerHttp2Stream): void => {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.end(grpcFrame(encodeRangeResponse({ revision: 7, kvs: [{ key: "/a", value: "x", createRevision: 2, modRevision: 3, version: 1 }], more: false, count: 1 })));
};

let server: Http2Server | undefined;
let client: EtcdClient | undefined;
afterEach(() => {
  client?.close();
  server?.close();
});

async function serve(behaviour: Behaviour): Promise<{ endpoint: string; sessions: () => number }> {
  let calls = 0;
  let sessions = 0;
  server = createServer();
  server.on("session", () => sessions++);
  server.on("stream", (stream) => {
    stream.resume();
    stream.on("end", () => behaviour(stream, ++calls));
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, sessions: () => sessions };
}

describe("range reads over gRPC, against a stand-in server", () => {
  it("sends a call once more on a new session when the kept one dies under it", async () => {
    const s = await serve((stream, call) => (call === 2 ? stream.session?.destroy() : ok(stream)));
    client = new EtcdClient({ endpoints: [s.endpoint], timeoutMs: 2000 });
    expect((await client.get("/a"))?.value).toBe("x");
    expect((await client.get("/a"))?.value).toBe("x");
    expect(s.sessions()).toBe(2);
  });

  it("takes a Trailers-Only status as etcd's answer: final, with its code and decoded message", async () => {
    const s = await serve((stream) => {
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "11", "grpc-message": "etcdserver: mvcc: required revision has been compacted%21" }, { endStream: true });
    });
    client = new EtcdClient({ endpoints: [s.endpoint, "http://127.0.0.1:9"] });
    await expect(client.rangePrefix("/")).rejects.toMatchObject({ grpcCode: 11, message: expect.stringMatching(/compacted!$/) });
  });

  it("maps an HTTP error without a gRPC status (doc/http-grpc-status-mapping.md)", async () => {
    const s = await serve((stream) => stream.respond({ ":status": 503 }, { endStream: true }));
    client = new EtcdClient({ endpoints: [s.endpoint] });
    await expect(client.get("/a")).rejects.toMatchObject({ grpcCode: 14 });
  });

  it("gives up on a silent server after the timeout, and moves to the next endpoint", async () => {
    const silent = await serve(() => {});
    const other = createServer();
    other.on("stream", (stream) => {
      stream.resume();
      stream.on("end", () => ok(stream));
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    try {
      client = new EtcdClient({ endpoints: [silent.endpoint, `http://127.0.0.1:${(other.address() as AddressInfo).port}`], timeoutMs: 300 });
      expect((await client.get("/a"))?.value).toBe("x");
    } finally {
      other.close();
    }
  });
});
