/**
 * The nftables backend of the applier (applyBackend.ts): reads our two tables (`nft -j list
 * table`), or recalls them from the agent's cache or the ledger (memory/nftLedger.ts); plans one
 * transaction and runs it after `nft --check`. The transaction is atomic, so a failure leaves
 * the node untouched and there is nothing to roll back.
 */
import type { ApplyBackend, BackendContext } from "./applyBackend.js";
import { executePlan } from "./execution/execute.js";
import { readNftGeneration } from "./kernel/kernelProbes.js";
import { readNftState } from "./kernel/readNftState.js";
import { cachedBuild, cachedView, usableDelta } from "./memory/cache.js";
import { ledgerSlot } from "./memory/ledgerSlot.js";
import type { NftLedger } from "./memory/nftLedger.js";
import { nftKernelFromLedger, nftLedgerAfter, nftLedgerChanges, nftLedgerParts, nftLedgerProblem, nftReuse, parseNftLedger } from "./memory/nftLedger.js";
import { incompatible, planNftables, replacedSets } from "./planning/planNftables.js";
import { buildDesiredNft, desiredNftTables, withScripts } from "./state/desiredNftables.js";
import type { IrDigests } from "./state/digestIr.js";
import { digestIr } from "./state/digestIr.js";
import { setFingerprint } from "./state/fingerprint.js";
import type { KernelView } from "./state/kernelView.js";
import type { Ir } from "../compiler/ir/types.js";
import type { NftTable } from "./state/nftState.js";

/** Whether `want` can only be reached by creating its table anew (missing, or changed beyond `nft` in place). */
function mustCreate(want: NftTable, have: readonly NftTable[]): boolean {
  const had = have.find((t) => t.family === want.family);
  return had === undefined || incompatible(want, had) !== undefined;
}

/** Whether reaching `want` rewrites chains whatever their digest says (a set they look up is replaced). */
function replacesSets(want: NftTable, have: readonly NftTable[]): boolean {
  const had = have.find((t) => t.family === want.family);
  return had !== undefined && replacedSets(want, had).length > 0;
}

export function nftablesBackend(context: BackendContext): ApplyBackend<readonly NftTable[], readonly NftTable[]> {
  const { exec, clock, cache } = context;
  const notes: string[] = [];
  /** The ledger recalled from (a ledger view only). */
  let recalled: NftLedger | undefined;
  /** The ledger found at the start, trusted or not: its parts are what the next ledger replaces. */
  let found: NftLedger | undefined;
  const slot = ledgerSlot(context.ledger?.store, exec, "nftables", notes);

  /** The IR's digests, worked out while the ledger's probes ran (`recallLedger`). */
  let digests: IrDigests | undefined;

  const recallLedger = async (ir: Ir): Promise<KernelView<readonly NftTable[]> | undefined> => {
    if (context.ledger === undefined) return undefined;
    // The generation and the namespace are read by other processes while this one digests the
    // IR (a few hundred ms of CPU on shape L), then the ledger loads (handled: unused when there
    // is no ledger).
    const reading = readNftGeneration(exec);
    reading.catch(() => undefined);
    const naming = slot.namespace();
    digests = digestIr(ir, setFingerprint);
    const id = await naming;
    if (id === undefined) return undefined;
    const text = await slot.load();
    const ledger = text === undefined ? undefined : parseNftLedger(text);
    if (ledger === undefined) return undefined;
    found = ledger;
    const generation = await reading;
    const problem = nftLedgerProblem(ledger, { netns: id, now: clock.now(), ...(generation === undefined ? {} : { generation }) }, context.ledger.maxAgeMs);
    if (problem !== undefined) {
      notes.push(`ledger not used: ${problem}`);
      return undefined;
    }
    recalled = ledger;
    return { source: "ledger", kernel: nftKernelFromLedger(ledger), readAt: ledger.writtenAt };
  };

  return {
    name: "nftables",

    async read() {
      return { source: "read", kernel: await readNftState(exec), readAt: clock.now() };
    },

    empty() {
      return { source: "empty", kernel: [], readAt: clock.now() };
    },

    async recall(ir) {
      const cached = cachedView(cache, "nftables", clock.now());
      if (cached !== undefined) {
        notes.push("kernel state from the agent's cache");
        return cached;
      }
      return recallLedger(ir);
    },

    desire(ir, view) {
      const fingerprints = context.ledger !== undefined;
      if (view.source === "ledger") {
        // Objects the ledger vouches for are taken from it, their rules known by hash. A table
        // that must be created anew needs every object printed, and a set replaced needs the
        // rules that look it up written again: then nothing is taken.
        const desired = desiredNftTables(ir, { reuse: nftReuse(view.kernel), fingerprints, ...(digests === undefined ? {} : { digests }) });
        if (!desired.some((t) => mustCreate(t, view.kernel) || replacesSets(t, view.kernel))) return desired;
      }
      const previous = cachedBuild(cache, "nftables");
      const change = previous === undefined ? {} : usableDelta(previous, context.change);
      // Digests for a ledger, and for an agent without deltas: its next build takes by digest.
      const build = buildDesiredNft(ir, {
        fingerprints: fingerprints || (cache !== undefined && change.delta === undefined),
        ...(previous === undefined ? {} : { from: { build: previous, ...change } }),
      });
      if (cache !== undefined) cache.build = { backend: "nftables", build };
      return withScripts(build.layout, build.tables, (t) => mustCreate(t, view.kernel));
    },

    async readChanges(view, desired) {
      if (view.source !== "ledger") return view;
      if (recalled === undefined) return undefined;
      // The ledger records every rule's hash; the elements of the sets the plan compares are
      // loaded from their parts.
      const read = await nftLedgerChanges(view.kernel, recalled, desired, slot.loadPart);
      if ("problem" in read) {
        notes.push(`ledger not used: ${read.problem}`);
        recalled = undefined;
        return undefined;
      }
      notes.push(`kernel state from the ledger (nf_tables generation ${recalled.generation} unchanged; ${read.read} changing set(s) as recorded)`);
      return { ...view, kernel: read.kernel };
    },

    plan(desired, view) {
      return planNftables(desired, view.kernel);
    },

    commit(plan) {
      return executePlan(plan, exec, () => Promise.resolve());
    },

    async verify(desired, view) {
      // After a successful transaction our tables are exactly the desired ones. (Not from a
      // ledger view: sets it took as recorded have their elements in parts, not in memory.)
      if (cache !== undefined) cache.entry = view.source === "ledger" ? undefined : { backend: "nftables", kernel: desired.map(({ script: _script, ...table }) => table), readAt: view.readAt };
      const id = await slot.namespace();
      if (context.ledger === undefined || id === undefined) return;
      const generation = await readNftGeneration(exec);
      // Without a generation a ledger could not be checked later (a stale one is caught by it).
      if (generation === undefined) return slot.forget(nftLedgerParts(found));
      const next = nftLedgerAfter(desired, { netns: id, generation, writtenAt: view.readAt }, view.source === "ledger" ? recalled : undefined, found);
      await slot.keep(JSON.stringify(next.ledger), next.parts);
    },

    async forget() {
      if (cache !== undefined) cache.entry = undefined;
      await slot.forget(nftLedgerParts(found));
    },

    report() {
      return notes;
    },
  };
}
