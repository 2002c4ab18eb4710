/**
 * One backend's ledger in the network namespace the tools run in. The namespace is read once
 * (it keys the ledger). Writing and clearing are best effort: a ledger that cannot be written
 * only costs the next apply a whole read of the kernel, so the problem becomes a note in the
 * report, never a failure of an apply whose changes are already in the kernel.
 */
import type { Exec } from "../execution/exec.js";
import { readNetnsId } from "../kernel/kernelProbes.js";
import type { LedgerStore } from "./ledgerStore.js";
import { ledgerKey } from "./ledgerStore.js";

export interface LedgerSlot {
  /** The namespace's id (`net:[4026531840]`); undefined without a store or when unreadable. */
  namespace(): Promise<string | undefined>;
  /** The ledger's text; undefined when there is none (or no store). */
  load(): Promise<string | undefined>;
  /** Writes `text`, or clears the ledger when it is undefined (a state no ledger can describe). */
  keep(text: string | undefined): Promise<void>;
  /** Clears the ledger (after a rollback, which put back what it describes but moved the kernel on). */
  forget(): Promise<void>;
}

export function ledgerSlot(store: LedgerStore | undefined, exec: Exec, backend: "iptables" | "nftables", notes: string[]): LedgerSlot {
  let netns: Promise<string | undefined> | undefined;
  const namespace = (): Promise<string | undefined> => (netns ??= store === undefined ? Promise.resolve(undefined) : readNetnsId(exec));
  const key = async (): Promise<string | undefined> => {
    const id = await namespace();
    return store === undefined || id === undefined ? undefined : ledgerKey(backend, id);
  };
  return {
    namespace,
    async load() {
      const k = await key();
      return k === undefined ? undefined : store!.load(k);
    },
    async keep(text) {
      const k = await key();
      if (k === undefined) return;
      try {
        if (text === undefined) await store!.clear(k);
        else await store!.save(k, text);
      } catch (e) {
        notes.push(`ledger not written: ${(e as Error).message}`);
      }
    },
    async forget() {
      const k = await key();
      if (k === undefined) return;
      await store!.clear(k).catch((e: unknown) => notes.push(`ledger not cleared: ${(e as Error).message}`));
    },
  };
}
