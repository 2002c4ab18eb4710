import { describe, expect, it } from "vitest";
import type { Exec } from "../execution/exec.js";
import { ledgerSlot } from "./ledgerSlot.js";
import type { LedgerStore } from "./ledgerStore.js";
import { memoryLedgerStore } from "./ledgerStore.js";

/** A kernel whose namespace is `net:[1]`; counts how often it is asked. */
function namespaceExec(): Exec & { calls: number } {
  const exec = {
    calls: 0,
    run(argv: readonly string[]) {
      exec.calls++;
      expect(argv).toEqual(["readlink", "/proc/self/ns/net"]);
      return Promise.resolve({ code: 0, stdout: "net:[1]\n", stderr: "" });
    },
  };
  return exec;
}

describe("ledgerSlot", () => {
  it("keys the ledger by backend and namespace, read once", async () => {
    const store = memoryLedgerStore();
    const exec = namespaceExec();
    const notes: string[] = [];
    const slot = ledgerSlot(store, exec, "nftables", notes);
    await slot.keep("{}");
    expect([...store.texts.keys()]).toEqual(["nftables-net:[1]"]);
    expect(await slot.load()).toBe("{}");
    await slot.keep(undefined);
    expect(store.texts.size).toBe(0);
    expect(exec.calls).toBe(1);
    expect(notes).toEqual([]);
  });

  it("turns a store that fails into notes, never a failure", async () => {
    const failing: LedgerStore = {
      load: () => Promise.resolve(undefined),
      save: () => Promise.reject(new Error("read-only file system")),
      clear: () => Promise.reject(new Error("permission denied")),
    };
    const notes: string[] = [];
    const slot = ledgerSlot(failing, namespaceExec(), "iptables", notes);
    await slot.keep("{}");
    await slot.forget();
    expect(notes).toEqual(["ledger not written: read-only file system", "ledger not cleared: permission denied"]);
  });

  it("does nothing without a store, not even read the namespace", async () => {
    const exec = namespaceExec();
    const slot = ledgerSlot(undefined, exec, "iptables", []);
    expect(await slot.namespace()).toBeUndefined();
    expect(await slot.load()).toBeUndefined();
    await slot.keep("{}");
    await slot.forget();
    expect(exec.calls).toBe(0);
  });
});
