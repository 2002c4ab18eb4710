/**
 * Where ledgers (ledger.ts) are kept between runs: one file per network namespace in a state
 * directory, `/run/policyc` by default (a tmpfs, so a reboot, which empties the kernel tables,
 * also forgets the ledgers). Written to a temporary file and renamed, so a reader never sees
 * half a ledger; unreadable or missing files read as no ledger.
 */
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

export const DEFAULT_STATE_DIR = "/run/policyc";

/** Ledger texts by key (`ledgerKey`: the backend and the network namespace). */
export interface LedgerStore {
  load(key: string): Promise<string | undefined>;
  save(key: string, text: string): Promise<void>;
  clear(key: string): Promise<void>;
}

/** The key of a backend's ledger for a namespace: `iptables-net:[4026531840]`. */
export function ledgerKey(backend: "iptables" | "nftables", netns: string): string {
  return `${backend}-${netns}`;
}

/** `iptables-net:[4026531840]` → `iptables-net-4026531840.json`: only safe characters in file names. */
function fileName(key: string): string {
  return `${key.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-|-$/g, "")}.json`;
}

export function fileLedgerStore(dir: string = DEFAULT_STATE_DIR): LedgerStore {
  return {
    async load(key) {
      try {
        return await readFile(join(dir, fileName(key)), "utf8");
      } catch {
        return undefined;
      }
    },
    async save(key, text) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, fileName(key));
      const temporary = `${path}.${process.pid}.tmp`;
      await writeFile(temporary, text, { mode: 0o600 });
      await rename(temporary, path);
    },
    async clear(key) {
      await rm(join(dir, fileName(key)), { force: true });
    },
  };
}

/** A store in memory, for tests. */
export function memoryLedgerStore(): LedgerStore & { readonly texts: Map<string, string> } {
  const texts = new Map<string, string>();
  return {
    texts,
    load: (key) => Promise.resolve(texts.get(key)),
    save: (key, text) => Promise.resolve(void texts.set(key, text)),
    clear: (key) => Promise.resolve(void texts.delete(key)),
  };
}
