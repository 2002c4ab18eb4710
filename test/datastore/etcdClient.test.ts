/** The etcd client against a real etcd (Debian's etcd-server 3.4), plaintext and with TLS. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EtcdClient, EtcdError, prefixEnd, type KeyValue, type WatchMessage } from "../../src/datastore/etcd.js";
import { etcdAvailable, startEtcd, warnIfEtcdUnavailable, type TestEtcd } from "../helpers/etcd.js";

const SUITE = "etcd client against a real etcd (test/datastore/etcdClient.test.ts)";
warnIfEtcdUnavailable(SUITE);

function collect(): { messages: WatchMessage[]; next: (pred: (m: WatchMessage) => boolean) => Promise<WatchMessage>; on: (m: WatchMessage) => void } {
  const messages: WatchMessage[] = [];
  const waiters: { pred: (m: WatchMessage) => boolean; resolve: (m: WatchMessage) => void }[] = [];
  return {
    messages,
    on: (m) => {
      messages.push(m);
      for (const w of [...waiters]) {
        if (!w.pred(m)) continue;
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    },
    next: (pred) =>
      new Promise((resolve, reject) => {
        const found = messages.find(pred);
        if (found) return resolve(found);
        waiters.push({ pred, resolve });
        setTimeout(() => reject(new Error(`no such watch message; got ${JSON.stringify(messages)}`)), 10_000);
      }),
  };
}

/** etcd's JSON gateway's `/v3/kv/range` for every key under `prefix` at `revision`, in one answer. */
async function gatewayListing(endpoint: string, prefix: string, revision?: number): Promise<{ revision: number; kvs: KeyValue[]; code?: number }> {
  const b64 = (s: string): string => Buffer.from(s, "utf8").toString("base64");
  const text = (s: string | undefined): string => Buffer.from(s ?? "", "base64").toString("utf8");
  const res = await fetch(`${endpoint}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: b64(prefix), range_end: prefixEnd(prefix), ...(revision ? { revision } : {}) }) });
  const json = (await res.json()) as { code?: number; header?: { revision?: string }; kvs?: { key?: string; value?: string; mod_revision?: string; create_revision?: string }[] };
  return {
    revision: Number(json.header?.revision ?? 0),
    kvs: (json.kvs ?? []).map((k) => ({ key: text(k.key), value: text(k.value), modRevision: Number(k.mod_revision), createRevision: Number(k.create_revision) })),
    ...(json.code !== undefined ? { code: json.code } : {}),
  };
}

describe.skipIf(!etcdAvailable())(SUITE, () => {
  let etcd: TestEtcd;
  let client: EtcdClient;
  beforeAll(async () => {
    etcd = await startEtcd();
    client = new EtcdClient({ endpoints: [etcd.endpoint] });
  }, 30_000);
  afterAll(async () => {
    client?.close();
    await etcd?.stop();
  });

  it("puts, gets, reads a prefix in pages at one revision, and deletes", async () => {
    for (let i = 0; i < 25; i++) await client.put(`/t/a/${String(i).padStart(2, "0")}`, `v${i}`);
    await client.put("/t/b", "outside");
    const all = await client.rangePrefix("/t/a/", { pageSize: 7 });
    expect(all.kvs.map((k) => k.value)).toEqual(Array.from({ length: 25 }, (_, i) => `v${i}`));
    const rev = all.revision;
    await client.put("/t/a/99", "later");
    expect((await client.rangePrefix("/t/a/", { revision: rev, pageSize: 4 })).kvs).toHaveLength(25);
    // Page by page, handed over as they arrive and not kept.
    const pages: string[][] = [];
    const paged = await client.rangePrefix("/t/a/", { revision: rev, pageSize: 10, onPage: (kvs) => pages.push(kvs.map((k) => k.value)) });
    expect(paged).toEqual({ revision: rev, kvs: [] });
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(all.kvs.map((k) => k.value));
    expect((await client.get("/t/b"))?.value).toBe("outside");
    // Text beyond ASCII, in keys and values (read as UTF-8), beside ASCII (read as latin1), and
    // a value longer than the decoding buffer starts.
    const long = "x".repeat(100_000);
    await client.put("/t/b/é", '{"note":"héllo ✓"}');
    await client.put("/t/b/long", long);
    expect((await client.rangePrefix("/t/b/")).kvs.map((k) => [k.key, k.value])).toEqual([
      ["/t/b/long", long],
      ["/t/b/é", '{"note":"héllo ✓"}'],
    ]);
    expect(await client.deletePrefix("/t/b/")).toBe(2);
    expect(await client.delete("/t/b")).toBe(true);
    expect(await client.get("/t/b")).toBeUndefined();
    expect(await client.deletePrefix("/t/a/")).toBe(26);
  });

  it("writes only if the key is where the caller last saw it", async () => {
    expect(await client.putIf("/c/x", "1", 0)).toBe(true);
    expect(await client.putIf("/c/x", "2", 0)).toBe(false);
    const seen = (await client.get("/c/x"))!;
    expect(await client.putIf("/c/x", "2", seen.modRevision)).toBe(true);
    expect(await client.putIf("/c/x", "3", seen.modRevision)).toBe(false);
  });

  it("watches a prefix from a revision: puts, deletes with the previous value, in order", async () => {
    const start = (await client.rangePrefix("/w/")).revision + 1;
    const c = collect();
    const watch = client.watchPrefix("/w/", start, c.on);
    await client.put("/w/1", "a");
    await client.put("/w/1", "b");
    await client.delete("/w/1");
    const del = await c.next((m) => m.kind === "events" && m.events.some((e) => e.type === "delete"));
    watch.close();
    const events = c.messages.flatMap((m) => (m.kind === "events" ? m.events : []));
    expect(events.map((e) => (e.type === "put" ? `put ${e.kv.value}` : `delete ${e.prev?.value}`))).toEqual(["put a", "put b", "delete b"]);
    expect(del.kind).toBe("events");
  });

  it("says when the start revision was compacted away", async () => {
    await client.put("/k/1", "a");
    const old = (await client.rangePrefix("/k/")).revision;
    await client.put("/k/1", "b");
    const now = await client.put("/k/1", "c");
    await client.compact(now);
    const c = collect();
    client.watchPrefix("/k/", old, c.on);
    expect(await c.next((m) => m.kind === "compacted")).toEqual({ kind: "compacted", compactRevision: now });
    await expect(client.rangePrefix("/k/", { revision: old })).rejects.toBeInstanceOf(EtcdError);
    // Over gRPC, the code the gateway gives (11, OUT_OF_RANGE: etcd's ErrCompacted).
    expect((await gatewayListing(etcd.endpoint, "/k/", old)).code).toBe(11);
    await expect(client.rangePrefix("/k/", { revision: old })).rejects.toMatchObject({ grpcCode: 11, message: expect.stringMatching(/compacted/) });
  });

  it("lists over gRPC exactly what the gateway lists: keys, values, revisions, in order, at one revision", async () => {
    const values = ['{"note":"héllo ✓"}', "plain", "", "x".repeat(70_000), "\u0000 and ✓✓"];
    for (let i = 0; i < 30; i++) await client.put(`/g/${String(i).padStart(2, "0")}${i % 4 === 0 ? "-é" : ""}`, values[i % values.length]!);
    await client.put("/g/🙂", "emoji key");
    await client.put("/g0", "outside the prefix");
    const grpc = await client.rangePrefix("/g/", { pageSize: 4 });
    await client.put("/g/00-é", "changed after the listing");
    const gateway = await gatewayListing(etcd.endpoint, "/g/", grpc.revision);
    expect(gateway.kvs).toHaveLength(31);
    expect(grpc.kvs).toEqual(gateway.kvs);
    const one = await client.get("/g/🙂");
    expect(one).toEqual(gateway.kvs.find((k) => k.key === "/g/🙂"));
    expect(await client.deletePrefix("/g/")).toBe(31);
  });

  it("reports a connection failure, and moves to the next endpoint", async () => {
    const dead = new EtcdClient({ endpoints: ["http://127.0.0.1:9"], timeoutMs: 1000 });
    await expect(dead.get("/x")).rejects.toThrow(/no endpoint answered/);
    const failover = new EtcdClient({ endpoints: ["http://127.0.0.1:9", etcd.endpoint] });
    await client.put("/f", "ok");
    expect((await failover.get("/f"))?.value).toBe("ok");
    // A paged listing too; and the client stays on the endpoint that answered.
    await client.put("/f/1", "a");
    await client.put("/f/2", "b");
    expect((await failover.rangePrefix("/f/", { pageSize: 1 })).kvs.map((k) => k.value)).toEqual(["a", "b"]);
    await expect(dead.rangePrefix("/f/")).rejects.toMatchObject({ grpcCode: 14, message: expect.stringMatching(/no endpoint answered/) });
    dead.close();
    failover.close();
  });

  it("opens a new session when etcd closed the one it kept (etcd restarted)", async () => {
    await client.put("/r/1", "before");
    expect((await client.get("/r/1"))?.value).toBe("before");
    await etcd.restart();
    expect((await client.get("/r/1"))?.value).toBe("before");
    expect((await client.rangePrefix("/r/")).kvs).toHaveLength(1);
  }, 30_000);
});

describe.skipIf(!etcdAvailable())(`${SUITE}, TLS`, () => {
  let etcd: TestEtcd;
  beforeAll(async () => {
    etcd = await startEtcd({ tls: true });
  }, 30_000);
  afterAll(async () => {
    await etcd?.stop();
  });

  it("talks TLS with a client certificate, and is refused without one or with a stranger's", async () => {
    const tls = etcd.tls!;
    const good = new EtcdClient({ endpoints: [etcd.endpoint], tls: { ca: tls.ca, cert: tls.cert, key: tls.key } });
    await good.put("/tls/a", "secret");
    await good.put("/tls/b", "sécret");
    expect((await good.get("/tls/a"))?.value).toBe("secret");
    // Ranges go over gRPC (HTTP/2 with ALPN h2 on the same port), writes over the gateway.
    expect((await good.rangePrefix("/tls/", { pageSize: 1 })).kvs.map((k) => k.value)).toEqual(["secret", "sécret"]);
    const c = collect();
    const w = good.watchPrefix("/tls/", 1, c.on);
    expect(await c.next((m) => m.kind === "events")).toMatchObject({ kind: "events" });
    w.close();
    good.close();
    for (const tlsOptions of [{ ca: tls.ca }, { ca: tls.ca, cert: tls.strangerCert, key: tls.strangerKey }]) {
      const bad = new EtcdClient({ endpoints: [etcd.endpoint], tls: tlsOptions, timeoutMs: 3000 });
      await expect(bad.get("/tls/a")).rejects.toThrow();
      await expect(bad.rangePrefix("/tls/")).rejects.toThrow(/no endpoint answered/);
      bad.close();
    }
  });
});
