/**
 * The iptables + ipset backend of the applier (applyBackend.ts): reads `iptables-save` of both
 * families and `ipset save`, or recalls them from the agent's cache or the ledger; plans
 * `ipset restore` and one `iptables-restore --noflush` per changed table; commits with a
 * rollback to the state read at the start.
 */
import type { ApplyBackend, BackendContext } from "./applyBackend.js";
import type { Exec } from "./execution/exec.js";
import type { ExecuteFailure } from "./execution/execute.js";
import { executePlan } from "./execution/execute.js";
import type { Lock } from "./execution/lock.js";
import { fileLock } from "./execution/lock.js";
import { withHugePages } from "./execution/hugePages.js";
import { privateLockPath, readsLockFileVariable, withLockFiles, XTABLES_LOCK_PATH } from "./execution/xtablesLock.js";
import { detectIptablesMode, readIptablesState } from "./kernel/readIptablesState.js";
import { readNftGeneration } from "./kernel/kernelProbes.js";
import { cachedBuild, cachedView, usableDelta } from "./memory/cache.js";
import type { IptablesLedger } from "./memory/ledger.js";
import { ledgerAfter, ledgerReuse, parseLedger } from "./memory/ledger.js";
import { ledgerSlot } from "./memory/ledgerSlot.js";
import { iptablesLedgerView, readLedgerChanges, startProbes } from "./memory/iptablesLedgerView.js";
import type { IrDigests } from "./state/digestIr.js";
import { digestIr } from "./state/digestIr.js";
import type { Ir } from "../compiler/ir/types.js";
import { planIptables } from "./planning/planIptables.js";
import { buildDesiredIptables, desiredIptablesState } from "./state/desiredIptables.js";
import type { DesiredIptablesState, IptablesKernel, IptablesMode } from "./state/iptablesState.js";
import { variantTools } from "./state/iptablesState.js";
import type { KernelView } from "./state/kernelView.js";
import type { Plan } from "./planning/plan.js";
import { snapshotAsDesired, stateAfter } from "./state/snapshot.js";

export interface IptablesBackendOptions {
  /** The iptables variant given (`--backend-mode`); detected, Felix's way, when absent. */
  readonly mode?: IptablesMode;
  /** Seconds iptables-restore waits for the xtables lock (`-w`). */
  readonly waitSeconds: number;
  /**
   * The xtables lock held while both legacy families commit at once (execution/xtablesLock.ts);
   * default flock(1) on /run/xtables.lock, waiting `waitSeconds`.
   */
  readonly xtablesLock?: Lock;
}

export function iptablesBackend(context: BackendContext, options: IptablesBackendOptions): ApplyBackend<IptablesKernel, DesiredIptablesState> {
  const { clock, cache } = context;
  // iptables-legacy's save and restore with malloc's huge pages (execution/hugePages.ts).
  const exec = withHugePages(context.exec);
  const notes: string[] = [];
  /** The variant, once known, and how it came to be known (for the report). */
  let mode: { readonly mode: IptablesMode; readonly how: string } | undefined = options.mode === undefined ? undefined : { mode: options.mode, how: "--backend-mode" };
  /** The ledger recalled from, and what its probes checked (a ledger view only). */
  let ledger: { readonly ledger: IptablesLedger; readonly checked: string } | undefined;
  /** The ledger found at the start, trusted or not: its parts are what the next ledger replaces. */
  let found: IptablesLedger | undefined;
  const slot = ledgerSlot(context.ledger?.store, exec, "iptables", notes);
  const settleMode = async (): Promise<IptablesMode> => {
    mode ??= { mode: await detectIptablesMode(exec), how: "detected" };
    return mode.mode;
  };
  const distrust = (problem: string): undefined => {
    notes.push(`ledger not used: ${problem}`);
    ledger = undefined;
    // A variant taken from the ledger is detected again.
    if (options.mode === undefined) mode = undefined;
    return undefined;
  };

  /**
   * Whether a legacy restore binary reads XTABLES_LOCKFILE (`--version`, asked once per binary,
   * started with the reads so that the commit need not wait for it).
   */
  const lockFileVariable = new Map<string, Promise<boolean>>();
  const readsLockFile = (binary: string): Promise<boolean> => {
    let known = lockFileVariable.get(binary);
    if (known === undefined) {
      known = exec.run([binary, "--version"]).then(
        (r) => r.code === 0 && readsLockFileVariable(r.stdout),
        () => false,
      );
      lockFileVariable.set(binary, known);
    }
    return known;
  };
  const probeLegacyTools = (): void => {
    if (mode?.mode !== "legacy") return;
    const tools = variantTools("legacy", options.waitSeconds);
    void readsLockFile(tools.restore4);
    void readsLockFile(tools.restore6);
  };

  /**
   * Runs `plan` (and, on a failure, the rollback to `view`), with the tables' commits at once
   * when there are two or more:
   * - iptables-nft: each restore is its own nf_tables transaction (ip and ip6 tables), and the
   *   kernel orders concurrent transactions by its generation count, which iptables-nft checks
   *   and retries on (nft.c `nft_action`). Most of a commit is the tool's own parsing and
   *   batching, so on two cores the families overlap: shape L's first apply (90k and 89k rule
   *   lines, inputs from bench/agentStartup.ts `BENCH_DUMP_PLAN`) committed in 4.2–4.6 s at once
   *   against 5.9–6.8 s one after the other, on a fresh network namespace.
   * - iptables-legacy, with tools that read XTABLES_LOCKFILE: at once under one hold of the
   *   xtables lock (execution/xtablesLock.ts); with older tools, one after the other, each
   *   taking the lock itself.
   * A failed commit waits for the others, then the rollback puts back every table it finds
   * changed (`executePlan`), so the outcome is the same either way.
   */
  const run = async (plan: Plan, view: KernelView<IptablesKernel>): Promise<ExecuteFailure | undefined> => {
    const { tools } = view.kernel;
    const execute = (through: Exec, together: boolean): Promise<ExecuteFailure | undefined> =>
      executePlan(
        plan,
        through,
        async () => {
          const now = await readIptablesState(exec, tools.mode, options.waitSeconds);
          // Under the held lock, the restores must be the binaries given their own lock files.
          const backTools = together ? { ...now.tools, restore4: tools.restore4, restore6: tools.restore6 } : now.tools;
          const back = planIptables(snapshotAsDesired(view.kernel.state, now.state), now.state, backTools);
          const failure = await executePlan(back, through, () => Promise.resolve(), { commitsTogether: together });
          if (failure !== undefined) throw failure.error;
        },
        { commitsTogether: together },
      );
    const tables = plan.steps.filter((s) => s.phase === "rules").length;
    if (tables < 2) return execute(exec, false);
    if (tools.mode !== "legacy") return execute(exec, true);
    const [four, six] = await Promise.all([readsLockFile(tools.restore4), readsLockFile(tools.restore6)]);
    if (!four || !six) return execute(exec, false);
    let release: () => Promise<void>;
    try {
      release = await (options.xtablesLock ?? fileLock(XTABLES_LOCK_PATH, tools.waitSeconds))();
    } catch (e) {
      notes.push(`tables committed one after the other: ${e instanceof Error ? e.message : String(e)}`);
      return execute(exec, false);
    }
    try {
      notes.push(`${tables} tables committed at once, under one hold of ${XTABLES_LOCK_PATH}`);
      const lockFiles = new Map([
        [tools.restore4, privateLockPath(4)],
        [tools.restore6, privateLockPath(6)],
      ]);
      return await execute(withLockFiles(exec, lockFiles), true);
    } finally {
      await release();
    }
  };

  /** The IR's digests, worked out while the ledger's probes ran (`recallLedger`). */
  let digests: IrDigests | undefined;

  const recallLedger = async (ir: Ir): Promise<KernelView<IptablesKernel> | undefined> => {
    if (context.ledger === undefined) return undefined;
    // The probes, the namespace and the ledger are read by other processes and the file system
    // while this one digests the IR (a few hundred ms of CPU on shape L): on two cores, the
    // reads cost no time of their own.
    const probes = startProbes(exec, mode?.mode);
    const loading = slot.namespace().then(async (id) => (id === undefined ? undefined : { id, text: await slot.load() }));
    loading.catch(() => undefined);
    digests = digestIr(ir);
    const loaded = await loading;
    if (loaded === undefined) return undefined;
    const recorded = loaded.text === undefined ? undefined : parseLedger(loaded.text);
    if (recorded === undefined) return undefined;
    found = recorded;
    mode ??= { mode: recorded.tools.mode, how: "from the ledger" };
    const through = await iptablesLedgerView(recorded, { exec, mode: mode.mode, waitSeconds: options.waitSeconds, netns: loaded.id, maxAgeMs: context.ledger.maxAgeMs, now: clock.now() }, probes);
    if ("problem" in through) return distrust(through.problem);
    ledger = { ledger: recorded, checked: through.checked };
    return through.view;
  };

  return {
    name: "iptables",

    async read() {
      probeLegacyTools();
      const reading = await readIptablesState(exec, await settleMode(), options.waitSeconds);
      return { source: "read", kernel: { state: reading.state, tools: reading.tools }, readAt: clock.now() };
    },

    empty() {
      // On a node without legacy tables, detection finds nft (kernel/readIptablesState.ts).
      const tools = variantTools(options.mode ?? "nft", options.waitSeconds);
      return { source: "empty", kernel: { state: { v4: [], v6: [], sets: [] }, tools }, readAt: clock.now() };
    },

    async recall(ir) {
      probeLegacyTools();
      const cached = cachedView(cache, "iptables", clock.now());
      if (cached !== undefined && (mode === undefined || mode.mode === cached.kernel.tools.mode)) {
        mode ??= { mode: cached.kernel.tools.mode, how: "cached" };
        notes.push("kernel state from the agent's cache");
        return cached;
      }
      return recallLedger(ir);
    },

    desire(ir, view) {
      const fingerprints = context.ledger !== undefined;
      if (view.source === "ledger" && ledger !== undefined) {
        return desiredIptablesState(ir, { fingerprints, reuse: ledgerReuse(ledger.ledger, view.kernel.state), ...(digests === undefined ? {} : { digests }) });
      }
      const previous = cachedBuild(cache, "iptables");
      const change = previous === undefined ? {} : usableDelta(previous, context.change);
      // Digests for a ledger only. An agent's next build without a delta takes from this one by
      // digest all the same, working out this one's digests then (desiredIptables.ts `byDigest`):
      // on shape L, digesting every chain and set cost about 0.25 s of CPU at each start-up, for
      // a build that follows only a failed apply.
      const build = buildDesiredIptables(ir, {
        fingerprints,
        ...(previous === undefined ? {} : { from: { build: previous, ...change } }),
      });
      if (cache !== undefined) cache.build = { backend: "iptables", build };
      return build.desired;
    },

    async readChanges(view, desired) {
      if (view.source !== "ledger") return view;
      if (ledger === undefined) return undefined;
      const read = await readLedgerChanges(view, ledger.ledger, desired, exec, slot.loadPart);
      if ("problem" in read) return distrust(read.problem);
      notes.push(`kernel state from the ledger (${ledger?.checked ?? ""}; ${read.read})`);
      return read.view;
    },

    plan(desired, view) {
      return planIptables(desired, view.kernel.state, view.kernel.tools);
    },

    commit(plan, view) {
      return run(plan, view);
    },

    async verify(desired, view) {
      const { state, tools } = view.kernel;
      if (cache !== undefined) cache.entry = { backend: "iptables", kernel: { state: stateAfter(desired, state), tools }, readAt: view.readAt };
      const id = await slot.namespace();
      if (context.ledger === undefined || id === undefined) return;
      const generation = tools.mode === "nft" ? await readNftGeneration(exec) : undefined;
      const next = ledgerAfter(desired, state, { netns: id, tools, writtenAt: view.readAt, ...(generation === undefined ? {} : { generation }) }, found);
      if (next === undefined || (tools.mode === "nft" && generation === undefined)) await slot.forget(found?.sets.map((s) => s.name));
      else await slot.keep(JSON.stringify(next.ledger), next.parts);
    },

    async forget() {
      if (cache !== undefined) cache.entry = undefined;
      // The rollback put back what the ledger describes, but moved the generation.
      await slot.forget(found?.sets.map((s) => s.name));
    },

    report() {
      return [...(mode === undefined ? [] : [`iptables mode ${mode.mode} (${mode.how})`]), ...notes];
    },
  };
}
