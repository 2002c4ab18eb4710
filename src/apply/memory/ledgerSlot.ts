/**
 * One backend's ledger in the network namespace the tools run in. The namespace is read once
 * (it keys the ledger). Writing and clearing are best effort: a ledger that cannot be written
 * only costs the next apply a whole read of the kernel, so the problem becomes a note in the
 * report, never a failure of an apply whose changes are already in the kernel.
 *
 * A ledger may keep bulky parts (the members of a set) apart from its main text, each under its
 * own key and headed by the digest it was written for, so that an apply reads and writes only
 * the parts of what changes. A part is read only when its header carries the digest the main
 * text records, so a part left newer or older than the main text (a run that stopped between
 * writes) reads as missing, never as wrong.
 */
import type { Exec } from "../execution/exec.js";
import { readNetnsId } from "../kernel/kernelProbes.js";
import type { LedgerStore } from "./ledgerStore.js";
import { ledgerKey } from "./ledgerStore.js";

/** A part to write: its name, the digest it is headed by, and its text. */
export interface LedgerPart {
  readonly name: string;
  readonly digest: string;
  readonly text: string;
}

/** What a ledger write changes besides the main text: parts to write, parts no longer used. */
export interface LedgerParts {
  readonly write: readonly LedgerPart[];
  readonly drop: readonly string[];
}

export interface LedgerSlot {
  /** The namespace's id (`net:[4026531840]`); undefined without a store or when unreadable. */
  namespace(): Promise<string | undefined>;
  /** The ledger's text; undefined when there is none (or no store). */
  load(): Promise<string | undefined>;
  /** The text of part `name` if it was written for `digest`; undefined otherwise. */
  loadPart(name: string, digest: string): Promise<string | undefined>;
  /**
   * Writes `text`, or clears the ledger when it is undefined (a state no ledger can describe).
   * The parts are written before the main text (a failure clears the ledger) and dropped after.
   */
  keep(text: string | undefined, parts?: LedgerParts): Promise<void>;
  /** Clears the ledger (after a rollback, which put back what it describes but moved the kernel on), and the parts named. */
  forget(parts?: readonly string[]): Promise<void>;
}

/** A bulky thing a ledger keeps in a part: the part's name, the digest heading it, how many lines it holds. */
export interface PartRecord {
  readonly name: string;
  readonly digest: string;
  readonly count: number;
}

/**
 * The lines (a set's members, one a line) of the part `record` names, through `loadPart`
 * (`LedgerSlot.loadPart`); undefined when the part is missing, headed by another digest, or
 * does not hold `record.count` lines (both backends' ledgers read their sets' parts this way).
 */
export async function loadLines(loadPart: LedgerSlot["loadPart"], record: PartRecord): Promise<string[] | undefined> {
  const text = await loadPart(record.name, record.digest);
  if (text === undefined) return undefined;
  const lines = text === "" ? [] : text.split("\n");
  return lines.length === record.count ? lines : undefined;
}

/**
 * What a new ledger writes and drops besides its main text: a part for each of `parts` whose
 * lines are given (`lines` undefined: the part the ledger read holds it already, under the same
 * digest), and the parts `previous` named (the ledger found at the start, trusted or not) that
 * the new one no longer names.
 */
export function partsAfter(parts: readonly { readonly name: string; readonly digest: string; readonly lines?: readonly string[] }[], previous: readonly string[]): LedgerParts {
  const kept = new Set(parts.map((p) => p.name));
  return {
    write: parts.flatMap((p) => (p.lines === undefined ? [] : [{ name: p.name, digest: p.digest, text: p.lines.join("\n") }])),
    drop: previous.filter((name) => !kept.has(name)),
  };
}

/** The store key of part `name` of the ledger under `key`. */
export function partKey(key: string, name: string): string {
  return `${key} part ${name}`;
}

export function ledgerSlot(store: LedgerStore | undefined, exec: Exec, backend: "iptables" | "nftables", notes: string[]): LedgerSlot {
  let netns: Promise<string | undefined> | undefined;
  const namespace = (): Promise<string | undefined> => (netns ??= store === undefined ? Promise.resolve(undefined) : readNetnsId(exec));
  const key = async (): Promise<string | undefined> => {
    const id = await namespace();
    return store === undefined || id === undefined ? undefined : ledgerKey(backend, id);
  };
  const clearParts = async (k: string, names: readonly string[]): Promise<void> => {
    await Promise.all(names.map((name) => store!.clear(partKey(k, name)))).catch((e: unknown) => notes.push(`ledger part not cleared: ${(e as Error).message}`));
  };
  return {
    namespace,
    async load() {
      const k = await key();
      return k === undefined ? undefined : store!.load(k);
    },
    async loadPart(name, digest) {
      const k = await key();
      const text = k === undefined ? undefined : await store!.load(partKey(k, name));
      const head = `${digest}\n`;
      return text?.startsWith(head) === true ? text.slice(head.length) : undefined;
    },
    async keep(text, parts) {
      const k = await key();
      if (k === undefined) return;
      try {
        if (text === undefined) await store!.clear(k);
        else {
          await Promise.all((parts?.write ?? []).map((part) => store!.save(partKey(k, part.name), `${part.digest}\n${part.text}`)));
          await store!.save(k, text);
        }
      } catch (e) {
        notes.push(`ledger not written: ${(e as Error).message}`);
        // A main text may now refer to parts that were not written: none is better.
        if (text !== undefined) await store!.clear(k).catch(() => undefined);
        return;
      }
      await clearParts(k, parts?.drop ?? []);
    },
    async forget(parts = []) {
      const k = await key();
      if (k === undefined) return;
      await store!.clear(k).catch((e: unknown) => notes.push(`ledger not cleared: ${(e as Error).message}`));
      await clearParts(k, parts);
    },
  };
}
