/**
 * `policyc agent`: Felix's loop for one node. It lists every Calico resource under the etcd prefix
 * at one revision, compiles and applies that complete snapshot (never a partial one), then watches
 * from the next revision:
 *
 * - a change is compiled incrementally and applied at once; at most one apply starts per
 *   `coalesceMs`, so the changes of a burst that arrive while one is applied, or within the
 *   window after it started, are applied together by the next;
 * - a failed apply is retried with exponential backoff (the last good state stays in the kernel);
 * - every `resyncMs` the kernel is read again and drift repaired (a rule deleted by hand returns);
 * - a lost etcd keeps the last good state and reconnects with backoff; a watch that fell behind
 *   compaction re-lists and resyncs; a bad resource is reported with its key and left out;
 * - nothing is applied before the first complete listing: an agent started while etcd is away
 *   leaves the kernel as the previous agent left it;
 * - `stop()` (SIGTERM) ends cleanly and leaves the rules in place.
 *
 * Everything with an effect is injected (etcd, apply, clock, log), so the loop is tested with
 * fakes and run for real against etcd and the kernel.
 */
import type { Diagnostic } from "../diagnostics/diagnostic.js";
import type { HostInterfaces } from "../calico/index.js";
import type { IrDelta } from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import type { Resource } from "../model/types.js";
import type { KeyValue, RangeResult, Watch, WatchMessage } from "../datastore/etcd.js";
import { resourcesPrefix } from "../datastore/keys.js";
import { EtcdModel } from "./etcdModel.js";
import type { Logger } from "./logger.js";
import { Metrics } from "./metrics.js";

/** What the agent needs of etcd. */
export interface AgentEtcd {
  /**
   * The listing at one revision. With `onPage`, pages may be handed over as they arrive instead of
   * in `kvs` (the agent reads both), so that the raw listing is never held whole.
   */
  rangePrefix(prefix: string, options?: { revision?: number; onPage?: (kvs: readonly KeyValue[]) => void }): Promise<RangeResult>;
  watchPrefix(prefix: string, startRevision: number, onMessage: (m: WatchMessage) => void): Watch;
}

/** The agent's store as a compiler reads it: valid resources by etcd key. */
export interface AgentStore {
  get(key: string): Resource | undefined;
  /** Every valid resource, in key order. */
  resources(): Resource[];
}

/** A compiler that follows the store. */
export interface AgentCompiler {
  /**
   * Compiles the store, given the etcd keys changed (put, deleted, or now invalid) since the last
   * call; the delta is against the IR the previous call returned.
   */
  compile(store: AgentStore, changed: ReadonlySet<string>): { ir: Ir; delta: IrDelta; diagnostics: readonly Diagnostic[] };
  /** Whether the last compile's model has a host endpoint of the node bound by address only. */
  needsHostInterfaces?(): boolean;
  /** The node's interfaces for the compiles from now on (src/calico/hostEndpointBinding.ts). */
  setHostInterfaces?(interfaces: HostInterfaces): void;
}

/** What the agent needs of the applier. */
export interface AgentApplier {
  /** Brings the kernel to `ir`; `delta` names what changed since the last successful apply. */
  apply(ir: Ir, delta: IrDelta | undefined): Promise<{ ok: boolean; changed: boolean; error?: string; notes: readonly string[] }>;
  /** Forget any remembered kernel state, so the next apply reads the kernel (a resync). */
  invalidate(reason: string): void;
  /** Lets go of what the applier holds between applies (the lock), when the agent stops. */
  close?(): Promise<void>;
}

export interface AgentClock {
  now(): number;
  setTimeout(f: () => void, ms: number): unknown;
  clearTimeout(t: unknown): void;
}

export interface AgentOptions {
  readonly node: string;
  /** The etcd key prefix (`/calico`). */
  readonly prefix: string;
  /**
   * At most one apply starts per this window (default 20 ms): a change after a quiet spell is
   * applied at once, and changes arriving within the window after an apply started are applied
   * together when it ends. Felix's dataplane loop applies as soon as it is told of a change, and
   * throttles applies with a token bucket (felix/dataplane/linux/int_dataplane.go
   * `applyThrottle`); this is that bucket with one token, refilled every `coalesceMs`.
   */
  readonly coalesceMs?: number;
  /** Re-read the kernel and repair drift this often (default 90 s). */
  readonly resyncMs?: number;
  /** Backoff for retries, from `initial` doubling to `max` (default 200 ms to 10 s). */
  readonly backoffInitialMs?: number;
  readonly backoffMaxMs?: number;
  /** Sync once and stop (cron-style use); a failed listing of etcd ends it too. */
  readonly once?: boolean;
}

export interface AgentDeps {
  readonly etcd: AgentEtcd;
  readonly compiler: AgentCompiler;
  readonly applier: AgentApplier;
  readonly clock: AgentClock;
  readonly logger: Logger;
  readonly metrics?: Metrics;
  /**
   * Reads the node's interfaces (apply's `readHostInterfaces`), for host endpoints bound by
   * expectedIPs: called before each apply while the model has one, so that an address moving to
   * another interface is followed at the next change or resync.
   */
  readonly readHostInterfaces?: () => Promise<HostInterfaces>;
}

export interface AgentStatus {
  /** The loop runs. */
  readonly live: boolean;
  /** A complete listing of etcd has been read (nothing is applied before). */
  readonly listed: boolean;
  /** The kernel holds a complete snapshot and the watch is up (or, after a loss, was). */
  readonly ready: boolean;
  readonly revision: number;
  /** When the kernel was last read whole (a resync or the first apply). */
  readonly lastResyncAt?: number;
  readonly lastError?: string;
}

export interface AgentHandle {
  status(): AgentStatus;
  /** Ends the loop, leaving the rules in place; resolves when it has ended. */
  stop(): Promise<void>;
  /** Resolves when the loop ends (after `stop()`, or after one sync with `once`). */
  readonly done: Promise<void>;
  readonly metrics: Metrics;
}

export function startAgent(options: AgentOptions, deps: AgentDeps): AgentHandle {
  const { etcd, compiler, applier, clock, logger } = deps;
  const metrics = deps.metrics ?? new Metrics();
  const latency = metrics.histogram("policyc_programming_latency_seconds", "From receiving an etcd change to the kernel holding it");
  const applies = metrics.counter("policyc_applies_total", "Applies that changed the kernel or found it right");
  const failures = metrics.counter("policyc_apply_failures_total", "Applies that failed (the kernel kept its previous state)");
  const revisionGauge = metrics.gauge("policyc_etcd_revision", "The etcd revision the kernel holds");
  const resources = metrics.gauge("policyc_resources", "Valid resources in the store, by kind");
  const invalid = metrics.gauge("policyc_invalid_resources", "Stored values that are not valid resources (left out)");
  const resyncAge = metrics.gauge("policyc_resync_age_seconds", "Seconds since the kernel was last read whole");

  const prefix = resourcesPrefix(options.prefix);
  const store = new EtcdModel(options.prefix);
  const coalesceMs = options.coalesceMs ?? 20;
  const resyncMs = options.resyncMs ?? 90_000;
  const backoffInitial = options.backoffInitialMs ?? 200;
  const backoffMax = options.backoffMaxMs ?? 10_000;

  let stopped = false;
  /** The store holds a complete listing of etcd (until then it is empty, and nothing is applied). */
  let listed = false;
  let ready = false;
  let revision = 0;
  let lastResyncAt: number | undefined;
  let lastError: string | undefined;
  let watch: Watch | undefined;
  let flushTimer: unknown;
  let retryTimer: unknown;
  let resyncTimer: unknown;
  let backoff = backoffInitial;
  let compactedInARow = 0;
  let lastApplyFailed = false;
  /** The node's interfaces as last given to the compiler (JSON), for host endpoints bound by address. */
  let lastInterfaces: string | undefined;
  /** The compile findings already logged. */
  let reported = new Set<string>();
  /** Keys changed since the last successful apply, and when the oldest change arrived. */
  let pending = new Set<string>();
  let pendingSince: number | undefined;
  let pendingRevision = 0;
  /** When the last flush started: the next may start `coalesceMs` after it. */
  let lastFlushAt: number | undefined;
  /** One step at a time: a sync or a flush runs alone. */
  let chain: Promise<void> = Promise.resolve();
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  /** The loop is over: the applier lets go of the lock, then `done` resolves. */
  const end = async (): Promise<void> => {
    try {
      await applier.close?.();
    } finally {
      resolveDone();
    }
  };

  const run = (step: () => Promise<void>): void => {
    chain = chain.then(async () => {
      if (stopped) return;
      try {
        await step();
      } catch (e) {
        lastError = e instanceof Error ? e.message : String(e);
        logger.log("error", "internal error in the agent loop", { error: lastError });
      }
    });
  };

  const report = (diagnostics: readonly Diagnostic[]): void => {
    for (const d of diagnostics) {
      if (d.severity === "note") continue;
      logger.log(d.severity === "error" ? "error" : "warn", d.message, { code: d.code, ...(d.span ? { key: d.span.file } : {}) });
    }
  };

  const updateGauges = (): void => {
    resources.reset();
    for (const [kind, n] of Object.entries(store.countsByKind())) resources.set(n, { kind });
    invalid.set(store.errorCount());
    revisionGauge.set(revision);
  };

  const scheduleRetry = (why: string): void => {
    lastError = why;
    if (stopped) return;
    const wait = backoff;
    backoff = Math.min(backoff * 2, backoffMax);
    logger.log("warn", "will retry", { in_ms: wait, reason: why });
    clock.clearTimeout(retryTimer);
    retryTimer = clock.setTimeout(() => run(flush), wait);
  };

  /** Compiles the store and applies it; on failure keeps the changes pending for a retry. */
  const compileAndApply = async (changed: ReadonlySet<string>, atRevision: number): Promise<boolean> => {
    const t0 = clock.now();
    let compiled = compiler.compile(store, changed);
    // Host endpoints bound by address: compile again when the node's interfaces changed; that
    // compile's delta is against an IR never applied, so the applier plans from the whole IR.
    let whole = false;
    if (deps.readHostInterfaces && compiler.setHostInterfaces && compiler.needsHostInterfaces?.() === true) {
      try {
        const now = await deps.readHostInterfaces();
        const text = JSON.stringify(now);
        if (text !== lastInterfaces) {
          lastInterfaces = text;
          compiler.setHostInterfaces(now);
          compiled = compiler.compile(store, new Set());
          whole = true;
          logger.log("info", "host interfaces read", { interfaces: text });
        }
      } catch (e) {
        logger.log("error", "cannot read the node's interfaces: host endpoints bound by expectedIPs keep the last ones read", { error: e instanceof Error ? e.message : String(e) });
      }
    }
    const t1 = clock.now();
    // Each finding once, when it first appears (not again on every later apply).
    const seen = new Set<string>();
    const fresh: Diagnostic[] = [];
    for (const d of compiled.diagnostics) {
      const id = `${d.code}\0${d.span?.file ?? ""}\0${d.message}`;
      seen.add(id);
      if (!reported.has(id)) fresh.push(d);
    }
    reported = seen;
    report(fresh);
    // A delta is relative to the IR compiled before it; after a failed apply the kernel holds an
    // older one, so the applier plans from the whole IR until an apply succeeds again.
    const result = await applier.apply(compiled.ir, lastApplyFailed || whole ? undefined : compiled.delta);
    for (const n of result.notes) logger.log("debug", n);
    logger.log("debug", "applied", { ok: result.ok, changed: result.changed, keys: changed.size, compile_ms: t1 - t0, apply_ms: clock.now() - t1 });
    lastApplyFailed = !result.ok;
    if (!result.ok) {
      failures.inc();
      scheduleRetry(result.error ?? "apply failed");
      return false;
    }
    applies.inc();
    backoff = backoffInitial;
    lastError = undefined;
    revision = atRevision;
    updateGauges();
    return true;
  };

  /** Lists everything and applies it; then watches from the next revision. */
  const sync = async (): Promise<void> => {
    watch?.close();
    watch = undefined;
    // Each page is parsed and validated into the store's staging as it arrives, and dropped; the
    // store takes the whole listing at once when it is complete (a failed one is dropped).
    const load = store.beginListing();
    let revisionListed: number;
    try {
      const listing = await etcd.rangePrefix(prefix, { onPage: (kvs) => kvs.forEach((kv) => load.put(kv.key, kv.value)) });
      for (const kv of listing.kvs) load.put(kv.key, kv.value);
      revisionListed = listing.revision;
    } catch (e) {
      const why = `listing etcd failed: ${e instanceof Error ? e.message : String(e)}`;
      logger.log(options.once ? "error" : "warn", why);
      lastError = why;
      // A one-shot sync that cannot list etcd is over (a cron job must not pile up waiting).
      if (options.once) {
        stopped = true;
        await end();
        return;
      }
      const wait = backoff;
      backoff = Math.min(backoff * 2, backoffMax);
      clock.clearTimeout(retryTimer);
      retryTimer = clock.setTimeout(() => run(sync), wait);
      return;
    }
    const { changed, removed } = load.finish();
    listed = true;
    report(store.diagnostics());
    logger.log("info", "listed etcd", { revision: revisionListed, resources: store.size, changed: changed.length, removed: removed.length });
    const since = pendingSince ?? clock.now();
    pending = new Set([...pending, ...changed, ...removed]);
    pendingRevision = revisionListed;
    pendingSince = since;
    // The whole snapshot, always through the kernel: a first start, or a re-list after a loss.
    applier.invalidate("a full listing of etcd");
    if (await compileAndApply(pending, revisionListed)) {
      latency.observe((clock.now() - since) / 1000);
      pending = new Set();
      pendingSince = undefined;
      lastResyncAt = clock.now();
      ready = true;
      logger.log("info", "in sync", { revision });
    }
    if (options.once) {
      stopped = true;
      await end();
      return;
    }
    startWatch(revisionListed + 1);
  };

  const startWatch = (from: number): void => {
    if (stopped) return;
    logger.log("debug", "watching", { from });
    watch = etcd.watchPrefix(prefix, from, (m) => {
      if (stopped) return;
      switch (m.kind) {
        case "events":
          compactedInARow = 0;
          for (const e of m.events) {
            if (e.type === "put") {
              const entry = store.put(e.kv.key, e.kv.value);
              if (!entry) continue;
              report(entry.diagnostics);
              pending.add(e.kv.key);
            } else if (store.delete(e.key)) pending.add(e.key);
          }
          pendingRevision = Math.max(pendingRevision, m.revision);
          if (pending.size > 0) {
            pendingSince ??= clock.now();
            scheduleFlush();
          } else if (m.revision > revision) {
            revision = m.revision;
          }
          return;
        case "progress":
          if (pending.size === 0 && m.revision > revision) revision = m.revision;
          return;
        case "compacted":
          logger.log("warn", "the watch fell behind etcd's compaction; listing again", { compact_revision: m.compactRevision });
          watch = undefined;
          // A second compaction in a row (before any event) waits for the backoff, so that a
          // store compacting faster than we list cannot spin the loop.
          if (compactedInARow++ === 0) run(sync);
          else {
            const wait = backoff;
            backoff = Math.min(backoff * 2, backoffMax);
            clock.clearTimeout(retryTimer);
            retryTimer = clock.setTimeout(() => run(sync), wait);
          }
          return;
        case "closed":
          watch = undefined;
          if (stopped) return;
          logger.log("warn", "lost the etcd watch; the kernel keeps the last good state", { error: m.error ?? "closed" });
          lastError = m.error;
          {
            const wait = backoff;
            backoff = Math.min(backoff * 2, backoffMax);
            clock.clearTimeout(retryTimer);
            retryTimer = clock.setTimeout(() => run(sync), wait);
          }
          return;
      }
    });
  };

  /**
   * A flush at once (on the next turn of the event loop, so that the events read together are
   * applied together), or when the window after the last flush's start has passed.
   */
  const scheduleFlush = (): void => {
    if (flushTimer !== undefined) return;
    const wait = lastFlushAt === undefined ? 0 : Math.max(0, lastFlushAt + coalesceMs - clock.now());
    flushTimer = clock.setTimeout(() => ((flushTimer = undefined), run(flush)), wait);
  };

  /** Applies what changed since the last successful apply. */
  const flush = async (): Promise<void> => {
    // Before the first complete listing the store is empty, not the cluster: applying it would
    // replace what the kernel holds (a previous agent's last good state) with nothing.
    if (pending.size === 0 || !listed) return;
    const since = pendingSince ?? clock.now();
    lastFlushAt = clock.now();
    // Changes that arrive while this apply runs are not in its IR: they start a new pending set.
    const changed = pending;
    pending = new Set();
    pendingSince = undefined;
    if (await compileAndApply(changed, pendingRevision)) {
      latency.observe((clock.now() - since) / 1000);
    } else {
      pending = new Set([...changed, ...pending]);
      pendingSince = since;
    }
  };

  /**
   * The periodic resync, `resyncMs` after the last whole read of the kernel (as Felix's
   * `IptablesRefreshInterval` runs from its last refresh). A full listing reads the kernel whole
   * too, so a resync that falls due during a long start-up or re-list waits its period after that
   * read instead of reading the kernel again just after it. The next one is scheduled when this
   * one has run, in the loop, so a slow read never makes resyncs pile up.
   */
  const scheduleResync = (delay: number = resyncMs): void => {
    if (options.once) return;
    resyncTimer = clock.setTimeout(() => {
      run(async () => {
        const since = lastResyncAt === undefined ? undefined : clock.now() - lastResyncAt;
        // Nothing to repair the kernel towards before the first listing (see flush).
        if (!listed || (since !== undefined && since < resyncMs)) {
          scheduleResync(since === undefined ? resyncMs : resyncMs - since);
          return;
        }
        try {
          applier.invalidate("the periodic resync");
          pending.add("<resync>");
          pendingSince ??= clock.now();
          await flush();
          lastResyncAt = clock.now();
        } finally {
          scheduleResync();
        }
      });
    }, delay);
  };

  run(sync);
  scheduleResync();

  return {
    metrics,
    done,
    status: () => {
      if (lastResyncAt !== undefined) resyncAge.set((clock.now() - lastResyncAt) / 1000);
      return { live: !stopped, listed, ready, revision, ...(lastResyncAt !== undefined ? { lastResyncAt } : {}), ...(lastError !== undefined ? { lastError } : {}) };
    },
    async stop() {
      stopped = true;
      watch?.close();
      clock.clearTimeout(flushTimer);
      clock.clearTimeout(retryTimer);
      clock.clearTimeout(resyncTimer);
      await chain;
      await end();
    },
  };
}
