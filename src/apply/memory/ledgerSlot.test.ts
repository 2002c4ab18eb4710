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

  it("keeps parts under their own keys, read only under the digest they were written for", async () => {
    const store = memoryLedgerStore();
    const slot = ledgerSlot(store, namespaceExec(), "iptables", []);
    await slot.keep("{}", { write: [{ name: "cali40s:a", digest: "d1", text: "10.0.0.1\n10.0.0.2" }], drop: [] });
    expect([...store.texts.keys()].sort()).toEqual(["iptables-net:[1]", "iptables-net:[1] part cali40s:a"]);
    expect(await slot.loadPart("cali40s:a", "d1")).toBe("10.0.0.1\n10.0.0.2");
    expect(await slot.loadPart("cali40s:a", "d2")).toBeUndefined();
    expect(await slot.loadPart("cali40s:b", "d1")).toBeUndefined();
    await slot.keep("{}", { write: [{ name: "cali40s:b", digest: "d3", text: "" }], drop: ["cali40s:a"] });
    expect(await slot.loadPart("cali40s:b", "d3")).toBe("");
    expect([...store.texts.keys()].sort()).toEqual(["iptables-net:[1]", "iptables-net:[1] part cali40s:b"]);
    await slot.forget(["cali40s:b"]);
    expect(store.texts.size).toBe(0);
  });

  it("a part that cannot be written leaves no ledger", async () => {
    const store = memoryLedgerStore();
    const notes: string[] = [];
    await ledgerSlot(store, namespaceExec(), "iptables", notes).keep("{}");
    const failing: LedgerStore = { ...store, save: (key, text) => (key.includes(" part ") ? Promise.reject(new Error("no space left on device")) : store.save(key, text)) };
    await ledgerSlot(failing, namespaceExec(), "iptables", notes).keep("{}", { write: [{ name: "s", digest: "d", text: "x" }], drop: [] });
    expect(notes).toEqual(["ledger not written: no space left on device"]);
    expect(store.texts.size).toBe(0);
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
