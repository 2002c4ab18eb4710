/** The agent's loop against fakes: an in-memory etcd, a recording applier, a manual clock. */
import { describe, expect, it } from "vitest";
import type { IrDelta } from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import type { KeyValue, RangeResult, Watch, WatchMessage } from "../datastore/etcd.js";
import { resourceKey, resourcesPrefix } from "../datastore/keys.js";
import type { HostInterfaces } from "../calico/index.js";
import { printIr } from "../compiler/ir/print.js";
import { startAgent, type AgentApplier, type AgentClock, type AgentEtcd } from "./agent.js";
import { fullCompiler, incrementalCompiler } from "./compilers.js";
import { createLogger } from "./logger.js";

class FakeEtcd implements AgentEtcd {
  revision = 1;
  readonly kv = new Map<string, { value: string; mod: number }>();
  readonly watchers = new Set<{ prefix: string; on: (m: WatchMessage) => void }>();
  compacted = 0;
  down = false;
  lists = 0;

  put(key: string, value: string): void {
    this.revision++;
    this.kv.set(key, { value, mod: this.revision });
    for (const w of this.watchers) if (key.startsWith(w.prefix)) w.on({ kind: "events", revision: this.revision, events: [{ type: "put", kv: { key, value, modRevision: this.revision, createRevision: this.revision } }] });
  }
  del(key: string): void {
    this.revision++;
    this.kv.delete(key);
    for (const w of this.watchers) if (key.startsWith(w.prefix)) w.on({ kind: "events", revision: this.revision, events: [{ type: "delete", key, modRevision: this.revision }] });
  }
  /** Listings fail after handing over this many pages (of two keys). */
  failAfterPages: number | undefined;

  /** Pages of two keys through `onPage` when the caller takes pages, as the real client does. */
  async rangePrefix(prefix: string, options: { onPage?: (kvs: readonly KeyValue[]) => void } = {}): Promise<RangeResult> {
    this.lists++;
    if (this.down) throw new Error("connection refused");
    const kvs = [...this.kv].filter(([k]) => k.startsWith(prefix)).map(([key, v]) => ({ key, value: v.value, modRevision: v.mod, createRevision: v.mod }));
    if (!options.onPage) return { revision: this.revision, kvs };
    for (let i = 0; i < kvs.length; i += 2) {
      if (this.failAfterPages !== undefined && i / 2 >= this.failAfterPages) throw new Error("connection reset during the listing");
      options.onPage(kvs.slice(i, i + 2));
    }
    return { revision: this.revision, kvs: [] };
  }
  watchPrefix(prefix: string, start: number, on: (m: WatchMessage) => void): Watch {
    const w = { prefix, on };
    if (this.down) {
      queueMicrotask(() => on({ kind: "closed", error: "connection refused" }));
      return { close: () => {} };
    }
    if (start <= this.compacted) {
      queueMicrotask(() => on({ kind: "compacted", compactRevision: this.compacted }));
      return { close: () => {} };
    }
    this.watchers.add(w);
    return { close: () => void this.watchers.delete(w) };
  }
  /** etcd goes away: every watch closes. */
  crash(): void {
    this.down = true;
    for (const w of [...this.watchers]) w.on({ kind: "closed", error: "connection reset" });
    this.watchers.clear();
  }
}

class ManualClock implements AgentClock {
  t = 0;
  private timers: { at: number; f: () => void; id: number }[] = [];
  private next = 1;
  now(): number {
    return this.t;
  }
  setTimeout(f: () => void, ms: number): unknown {
    const id = this.next++;
    this.timers.push({ at: this.t + ms, f, id });
    return id;
  }
  clearTimeout(id: unknown): void {
    this.timers = this.timers.filter((x) => x.id !== id);
  }
  /** Moves time on, firing due timers in order, letting the loop's promises settle in between. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      const due = this.timers.filter((x) => x.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.timers = this.timers.filter((x) => x !== due);
      this.t = due.at;
      due.f();
    }
    this.t = end;
    await settle();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
}

function recordingApplier(): AgentApplier & { irs: Ir[]; deltas: (IrDelta | undefined)[]; failNext: number; invalidations: string[] } {
  const a = {
    irs: [] as Ir[],
    failNext: 0,
    invalidations: [] as string[],
    deltas: [] as (IrDelta | undefined)[],
    async apply(ir: Ir, delta: IrDelta | undefined) {
      a.deltas.push(delta);
      if (a.failNext > 0) {
        a.failNext--;
        return { ok: false, changed: false, notes: [], error: "iptables-restore: line 3 failed" };
      }
      a.irs.push(ir);
      return { ok: true, changed: true, notes: [] };
    },
    invalidate(reason: string) {
      a.invalidations.push(reason);
    },
  };
  return a;
}

const P = "/calico";
const wep = (name: string, ip: string, labels: Record<string, string>): [string, string] => [
  resourceKey("WorkloadEndpoint", name, "shop", P),
  JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "WorkloadEndpoint", metadata: { name, namespace: "shop", labels }, spec: { node: "node-1", interfaceName: `cali${name}`, ipNetworks: [`${ip}/32`] } }),
];
const gnp = (name: string, selector: string, source: string): [string, string] => [
  resourceKey("GlobalNetworkPolicy", name, undefined, P),
  JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicy", metadata: { name }, spec: { selector, ingress: [{ action: "Allow", source: { selector: source } }] } }),
];

function setup() {
  const etcd = new FakeEtcd();
  const clock = new ManualClock();
  const applier = recordingApplier();
  const logs: string[] = [];
  const logger = createLogger("json", (l) => logs.push(l), () => new Date(0), "debug");
  return { etcd, clock, applier, logs, logger };
}

describe.each([
  ["incremental", incrementalCompiler],
  ["full", fullCompiler],
] as const)("the agent (%s compile)", (_name, compilerFor) => {
  it("applies a complete snapshot first, then changes at once, coalescing those within the window after an apply", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    etcd.put(...wep("b", "10.0.0.2", { app: "db" }));
    etcd.put(...gnp("db", "app == 'db'", "app == 'web'"));
    const agent = startAgent({ node: "node-1", prefix: P, coalesceMs: 20 }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    expect(applier.irs).toHaveLength(1);
    expect(agent.status()).toMatchObject({ ready: true, revision: 4 });
    // A change after a quiet spell: applied at once, without waiting for the window.
    etcd.put(...wep("c", "10.0.0.3", { app: "web" }));
    await clock.advance(0);
    expect(applier.irs).toHaveLength(2);
    expect(agent.status().revision).toBe(5);
    // Three changes within the window after that apply started: one apply, when it ends.
    await clock.advance(5);
    etcd.put(...wep("d", "10.0.0.4", { app: "web" }));
    etcd.put(...wep("e", "10.0.0.6", { app: "web" }));
    etcd.del(resourceKey("WorkloadEndpoint", "a", "shop", P));
    await clock.advance(10);
    expect(applier.irs).toHaveLength(2);
    await clock.advance(5);
    expect(applier.irs).toHaveLength(3);
    expect(agent.status().revision).toBe(8);
    const set = applier.irs[2]!.v4.sets.find((s) => s.members.includes("10.0.0.3/32"));
    expect(set?.members).toEqual(["10.0.0.3/32", "10.0.0.4/32", "10.0.0.6/32"]);
    expect(agent.metrics.render()).toMatch(/^policyc_applies_total 3$/m);
    await agent.stop();
  });

  it("retries a failed apply with backoff and keeps the changes", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    applier.failNext = 2;
    const agent = startAgent({ node: "node-1", prefix: P, backoffInitialMs: 100, backoffMaxMs: 1000 }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    expect(applier.irs).toHaveLength(0);
    expect(agent.status().ready).toBe(false);
    await clock.advance(100);
    expect(applier.irs).toHaveLength(0);
    await clock.advance(200);
    expect(applier.irs).toHaveLength(1);
    expect(agent.metrics.render()).toMatch(/^policyc_apply_failures_total 2$/m);
    // The retries plan from the whole IR: the kernel never received the first delta.
    expect(applier.deltas.slice(1)).toEqual([undefined, undefined]);
    await agent.stop();
  });

  it("reports a bad resource with its key and applies the rest", async () => {
    const { etcd, clock, applier, logger, logs } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    etcd.put(resourceKey("GlobalNetworkPolicy", "broken", undefined, P), "{not json");
    etcd.put(...gnp("bad-selector", "app = 'web'", "all()"));
    const agent = startAgent({ node: "node-1", prefix: P }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    expect(applier.irs).toHaveLength(1);
    expect(logs.some((l) => l.includes(`"key":"${resourceKey("GlobalNetworkPolicy", "broken", undefined, P)}"`))).toBe(true);
    expect(logs.some((l) => l.includes("globalnetworkpolicies/bad-selector") && l.includes("selector-syntax"))).toBe(true);
    expect(agent.metrics.render()).toMatch(/^policyc_invalid_resources 2$/m);
    await agent.stop();
  });

  it("keeps the last good state when etcd goes away, and re-lists when it is back", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    const agent = startAgent({ node: "node-1", prefix: P, backoffInitialMs: 100 }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    etcd.crash();
    await clock.advance(1000);
    expect(applier.irs).toHaveLength(1);
    expect(agent.status().ready).toBe(true);
    // While it was away, something changed.
    etcd.down = false;
    etcd.kv.set(resourceKey("WorkloadEndpoint", "z", "shop", P), { value: wep("z", "10.0.0.9", { app: "web" })[1], mod: ++etcd.revision });
    await clock.advance(2000);
    expect(applier.irs.length).toBeGreaterThanOrEqual(2);
    expect(agent.status().revision).toBe(etcd.revision);
    await agent.stop();
  });

  it("started while etcd is away, writes nothing until it has listed a complete snapshot", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    etcd.down = true;
    // The kernel still holds what the agent before this one applied: an empty store must not replace it.
    const agent = startAgent({ node: "node-1", prefix: P, resyncMs: 1000, backoffInitialMs: 100, backoffMaxMs: 400 }, { etcd, compiler: fullCompiler("node-1"), applier, clock, logger });
    await clock.advance(3500);
    expect(etcd.lists).toBeGreaterThan(2);
    expect(applier.irs).toHaveLength(0);
    expect(agent.status().ready).toBe(false);
    etcd.down = false;
    await clock.advance(500);
    expect(applier.irs.length).toBeGreaterThanOrEqual(1);
    expect(applier.irs.every((ir) => ir.v4.tables.some((t) => t.chains.some((c) => c.name.includes("calia"))))).toBe(true);
    expect(agent.status().ready).toBe(true);
    await agent.stop();
  });

  it("logs a lasting warning of the compiler once, not at every change and resync", async () => {
    const { etcd, clock, applier, logger, logs } = setup();
    // No endpoint on node-1: the compiler warns at every compile.
    const other = wep("a", "10.0.0.1", { app: "web" });
    etcd.put(other[0], other[1].replace("node-1", "node-2"));
    const agent = startAgent({ node: "node-1", prefix: P, resyncMs: 1000 }, { etcd, compiler: fullCompiler("node-1"), applier, clock, logger });
    await clock.advance(0);
    etcd.put(...gnp("x", "all()", "all()"));
    await clock.advance(3500);
    expect(applier.irs.length).toBeGreaterThanOrEqual(4);
    const warned = () => logs.filter((l) => l.includes("no-local-endpoints")).length;
    expect(warned()).toBe(1);
    // Gone, then back: said again.
    etcd.put(...wep("b", "10.0.0.2", { app: "web" }));
    await clock.advance(100);
    etcd.del(resourceKey("WorkloadEndpoint", "b", "shop", P));
    await clock.advance(100);
    expect(warned()).toBe(2);
    await agent.stop();
  });

  it("keeps the store as it was when a re-list fails halfway, and applies every change once a listing completes", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    etcd.put(...wep("b", "10.0.0.2", { app: "db" }));
    etcd.put(...gnp("db", "app == 'db'", "app == 'web'"));
    const agent = startAgent({ node: "node-1", prefix: P, resyncMs: 1000, backoffInitialMs: 300, backoffMaxMs: 300 }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    const holds = (ip: string): boolean => JSON.stringify(applier.irs[applier.irs.length - 1]).includes(ip);
    expect(holds("10.0.0.1")).toBe(true);
    // The watch is lost; meanwhile `a` moves, and every listing breaks after its first page (which holds `a`).
    etcd.crash();
    etcd.down = false;
    etcd.kv.set(wep("a", "10.0.0.7", { app: "web" })[0], { value: wep("a", "10.0.0.7", { app: "web" })[1], mod: ++etcd.revision });
    etcd.failAfterPages = 1;
    const applied = applier.irs.length;
    await clock.advance(2500);
    expect(etcd.lists).toBeGreaterThan(3);
    // The resyncs re-applied the last complete snapshot, never half of the new one.
    expect(applier.irs.length).toBeGreaterThan(applied);
    expect(holds("10.0.0.1")).toBe(true);
    expect(holds("10.0.0.7")).toBe(false);
    etcd.failAfterPages = undefined;
    await clock.advance(400);
    expect(holds("10.0.0.7")).toBe(true);
    expect(holds("10.0.0.1")).toBe(false);
    await agent.stop();
  });

  it("re-lists when its watch fell behind compaction", async () => {
    const { etcd, clock, applier, logger, logs } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    const agent = startAgent({ node: "node-1", prefix: P }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    const lists = etcd.lists;
    // Others wrote and etcd compacted past our watch's revision.
    etcd.revision += 5;
    etcd.compacted = etcd.revision;
    for (const w of [...etcd.watchers]) w.on({ kind: "compacted", compactRevision: etcd.compacted });
    await clock.advance(0);
    expect(etcd.lists).toBe(lists + 1);
    expect(logs.some((l) => l.includes("compaction"))).toBe(true);
    await agent.stop();
  });

  it("reads the kernel whole at every resync, and stops cleanly", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    const agent = startAgent({ node: "node-1", prefix: P, resyncMs: 1000 }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    await clock.advance(2500);
    expect(applier.invalidations.filter((r) => r.includes("resync"))).toHaveLength(2);
    expect(applier.irs).toHaveLength(3);
    await agent.stop();
    expect(agent.status().live).toBe(false);
    etcd.put(...wep("b", "10.0.0.2", { app: "web" }));
    await clock.advance(5000);
    expect(applier.irs).toHaveLength(3);
  });

  it("counts the resync period from the last whole read, so a slow start-up is not read again at once", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    let slow = true;
    const slowApplier: AgentApplier = {
      async apply(ir, delta) {
        // The start-up apply takes 1.5 periods (a big cluster); later ones are instant.
        if (slow) {
          slow = false;
          await new Promise<void>((resolve) => clock.setTimeout(resolve, 1500));
        }
        return applier.apply(ir, delta);
      },
      invalidate: (why) => applier.invalidate(why),
    };
    const agent = startAgent({ node: "node-1", prefix: P, resyncMs: 1000 }, { etcd, compiler: compilerFor("node-1"), applier: slowApplier, clock, logger });
    await clock.advance(0);
    await clock.advance(1500); // in sync at t=1500; the timer that fired at t=1000 waits
    await clock.advance(900); // t=2400: less than a period since the listing's read
    expect(applier.invalidations.filter((r) => r.includes("resync"))).toHaveLength(0);
    await clock.advance(200); // t=2600: a period after it
    expect(applier.invalidations.filter((r) => r.includes("resync"))).toHaveLength(1);
    await agent.stop();
  });

  it("binds a host endpoint by expectedIPs to the interfaces it reads, and follows them", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(
      resourceKey("HostEndpoint", "by-ip", undefined, P),
      JSON.stringify({ apiVersion: "projectcalico.org/v3", kind: "HostEndpoint", metadata: { name: "by-ip" }, spec: { node: "node-1", expectedIPs: ["192.0.2.1"] } }),
    );
    let interfaces: HostInterfaces = { lo: ["127.0.0.1"], eth0: ["192.0.2.1"] };
    let reads = 0;
    const readHostInterfaces = (): Promise<HostInterfaces> => {
      reads++;
      return Promise.resolve(interfaces);
    };
    const agent = startAgent({ node: "node-1", prefix: P, coalesceMs: 20 }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger, readHostInterfaces });
    await clock.advance(0);
    expect(reads).toBe(1);
    expect(printIr(applier.irs.at(-1)!)).toContain("cali-th-eth0");
    // The address moves to eth1; the next change (or resync) reads the interfaces again.
    interfaces = { lo: ["127.0.0.1"], eth1: ["192.0.2.1"] };
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    await clock.advance(30);
    expect(reads).toBe(2);
    const text = printIr(applier.irs.at(-1)!);
    expect(text).toContain("cali-th-eth1");
    expect(text).not.toContain("cali-th-eth0");
    // Compiled again with the new interfaces: planned from the whole IR, not a delta.
    expect(applier.deltas.at(-1)).toBeUndefined();
    await agent.stop();
  });

  it("reads no interfaces while no host endpoint is bound by address", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    let reads = 0;
    const readHostInterfaces = (): Promise<HostInterfaces> => {
      reads++;
      return Promise.resolve({});
    };
    const agent = startAgent({ node: "node-1", prefix: P, coalesceMs: 20 }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger, readHostInterfaces });
    await clock.advance(0);
    expect(applier.irs).toHaveLength(1);
    expect(reads).toBe(0);
    await agent.stop();
  });

  it("with once, syncs and ends", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    const agent = startAgent({ node: "node-1", prefix: P, once: true }, { etcd, compiler: compilerFor("node-1"), applier, clock, logger });
    await clock.advance(0);
    await agent.done;
    expect(applier.irs).toHaveLength(1);
    expect(etcd.watchers.size).toBe(0);
    expect(resourcesPrefix(P)).toBe("/calico/resources/v3/projectcalico.org/");
  });

  it("with once, ends when etcd cannot be listed, having applied nothing", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.down = true;
    const agent = startAgent({ node: "node-1", prefix: P, once: true }, { etcd, compiler: fullCompiler("node-1"), applier, clock, logger });
    await clock.advance(0);
    await agent.done;
    expect(etcd.lists).toBe(1);
    expect(applier.irs).toHaveLength(0);
    expect(agent.status()).toMatchObject({ live: false, listed: false, ready: false });
    expect(agent.status().lastError).toMatch(/^listing etcd failed/);
  });

  it("applies a change that arrived while an apply was running", async () => {
    const { etcd, clock, applier, logger } = setup();
    etcd.put(...wep("a", "10.0.0.1", { app: "web" }));
    etcd.put(...wep("z", "10.0.0.9", { app: "db" }));
    etcd.put(...gnp("db", "app == 'db'", "app == 'web'"));
    let release: () => void = () => {};
    const slow: typeof applier = Object.assign(Object.create(applier) as typeof applier, {
      async apply(ir: Ir) {
        if (applier.irs.length === 1) await new Promise<void>((r) => (release = r));
        applier.irs.push(ir);
        return { ok: true, changed: true, notes: [] };
      },
    });
    const agent = startAgent({ node: "node-1", prefix: P, coalesceMs: 10 }, { etcd, compiler: compilerFor("node-1"), applier: slow, clock, logger });
    await clock.advance(0);
    etcd.put(...wep("b", "10.0.0.2", { app: "web" }));
    await clock.advance(10); // the second apply starts and blocks
    etcd.put(...wep("c", "10.0.0.7", { app: "web" }));
    release();
    await clock.advance(10);
    expect(applier.irs).toHaveLength(3);
    expect(applier.irs[2]!.v4.sets.some((x) => x.members.includes("10.0.0.7/32"))).toBe(true);
    await agent.stop();
  });
});
