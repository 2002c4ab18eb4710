import { describe, expect, it } from "vitest";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import type { Ir } from "../../compiler/ir/types.js";
import { loadModel } from "../../model/loadModel.js";
import { apply } from "../apply.js";
import { canonicalDump, fakeKernel } from "../testing/fakeKernel.js";
import { FOREIGN_IPSET, FOREIGN_V4 } from "../testing/foreignState.js";
import type { Exec } from "./exec.js";
import type { Lock } from "./lock.js";
import { noLock } from "./lock.js";
import { withHugePages } from "./hugePages.js";
import { readsLockFileVariable, withLockFiles } from "./xtablesLock.js";

function compile(fixture: string): Ir {
  const read = readInputs([`fixtures/cases/${fixture}`]);
  return compileModel(loadModel(read.files).model, { node: "node-1" }).ir;
}

describe("readsLockFileVariable", () => {
  it("is true for iptables-legacy 1.8.6 and later, false for older, nf_tables or unreadable output", () => {
    expect(readsLockFileVariable("iptables-restore v1.8.9 (legacy)\n")).toBe(true);
    expect(readsLockFileVariable("ip6tables-restore v1.8.6 (legacy)\n")).toBe(true);
    expect(readsLockFileVariable("iptables-restore v1.10.0 (legacy)\n")).toBe(true);
    expect(readsLockFileVariable("iptables-restore v1.8.5 (legacy)\n")).toBe(false);
    expect(readsLockFileVariable("iptables-restore v1.6.2\n")).toBe(false);
    expect(readsLockFileVariable("iptables-restore v1.8.9 (nf_tables)\n")).toBe(false);
    expect(readsLockFileVariable("")).toBe(false);
  });
});

describe("withLockFiles", () => {
  it("runs the named programs through env with their lock file, others as they are", async () => {
    const seen: string[] = [];
    const inner: Exec = {
      run(argv) {
        seen.push(argv.join(" "));
        return Promise.resolve({ code: 0, stdout: "", stderr: "" });
      },
    };
    const exec = withLockFiles(inner, new Map([["iptables-legacy-restore", "/run/x4.lock"]]));
    await exec.run(["iptables-legacy-restore", "--noflush", "-w", "10"], "*filter\nCOMMIT\n");
    await exec.run(["iptables-legacy-save"]);
    // Through another wrapper's env: the assignments add up.
    await exec.run(["env", "A=1", "iptables-legacy-restore", "--noflush"]);
    expect(seen).toEqual(["env XTABLES_LOCKFILE=/run/x4.lock iptables-legacy-restore --noflush -w 10", "iptables-legacy-save", "env XTABLES_LOCKFILE=/run/x4.lock A=1 iptables-legacy-restore --noflush"]);
  });
});

describe("withHugePages", () => {
  it("runs iptables-legacy's save and restore with malloc's huge pages, added to an inherited GLIBC_TUNABLES unless that sets them; nothing else", async () => {
    const seen: string[] = [];
    const inner: Exec = {
      run(argv) {
        seen.push(argv.join(" "));
        return Promise.resolve({ code: 0, stdout: "", stderr: "" });
      },
    };
    for (const argv of [["iptables-legacy-save"], ["ip6tables-legacy-restore", "--noflush"], ["iptables-nft-save"], ["iptables-legacy", "-S"], ["ipset", "save"]]) await withHugePages(inner, undefined).run(argv);
    await withHugePages(inner, "glibc.malloc.arena_max=2").run(["iptables-legacy-save"]);
    await withHugePages(inner, "glibc.malloc.hugetlb=0").run(["iptables-legacy-save"]);
    expect(seen).toEqual([
      "env GLIBC_TUNABLES=glibc.malloc.hugetlb=1 iptables-legacy-save",
      "env GLIBC_TUNABLES=glibc.malloc.hugetlb=1 ip6tables-legacy-restore --noflush",
      "iptables-nft-save",
      "iptables-legacy -S",
      "ipset save",
      "env GLIBC_TUNABLES=glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1 iptables-legacy-save",
      "iptables-legacy-save",
    ]);
  });
});

describe("iptables-legacy commits under one hold of the xtables lock (fake kernel)", () => {
  const A = compile("k8s-named-ports");
  const B = compile("demo-shop");

  /** A lock that records when it is taken and released, in the order of `events`. */
  function recordingLock(events: string[]): Lock {
    return () => {
      events.push("lock");
      return Promise.resolve(() => {
        events.push("unlock");
        return Promise.resolve();
      });
    };
  }

  /** The fake kernel behind an Exec that records when each restore starts and ends, and lets each take a turn of the event loop. */
  function timed(kernel: ReturnType<typeof fakeKernel>, events: string[]): Exec {
    return {
      async run(argv, stdin) {
        const restore = argv.some((w) => /-restore$/.test(w)) && !argv.includes("--version");
        const name = argv.find((w) => /tables-legacy-restore$/.test(w)) ?? "";
        if (restore) events.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const result = await kernel.run(argv, stdin);
        if (restore) events.push(`end ${name}`);
        return result;
      },
    };
  }

  it("with tools that read XTABLES_LOCKFILE: both families start before either ends, inside the lock, each with its own lock file", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET }, "legacy", { version: "v1.8.9" });
    const events: string[] = [];
    const result = await apply(A, { backendMode: "legacy", lock: noLock, xtablesLock: recordingLock(events), exec: timed(kernel, events) });
    expect(result.error).toBeUndefined();
    expect(result.notes.join("\n")).toMatch(/2 tables committed at once, under one hold of \/run\/xtables\.lock/);
    expect(events).toEqual(["lock", "start iptables-legacy-restore", "start ip6tables-legacy-restore", "end iptables-legacy-restore", "end ip6tables-legacy-restore", "unlock"]);
    // (With malloc's huge pages as well, hugePages.ts, tested below.)
    const restores = kernel.calls.map((c) => c.argv.join(" ").replace(/ GLIBC_TUNABLES=\S+/, "")).filter((c) => c.includes("--noflush"));
    expect(restores).toEqual(["env XTABLES_LOCKFILE=/run/policyc-xtables-4.lock iptables-legacy-restore --noflush -w 10", "env XTABLES_LOCKFILE=/run/policyc-xtables-6.lock ip6tables-legacy-restore --noflush -w 10"]);
    // The same result as one commit after the other.
    const sequential = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET }, "legacy");
    expect((await apply(A, { backendMode: "legacy", lock: noLock, exec: sequential })).error).toBeUndefined();
    expect(canonicalDump(kernel.save(4) + kernel.save(6))).toBe(canonicalDump(sequential.save(4) + sequential.save(6)));
  });

  it("a failed IPv6 commit: IPv4's is rolled back too, still under the lock, and the lock is released", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET }, "legacy", { version: "v1.8.9" });
    expect((await apply(A, { backendMode: "legacy", lock: noLock, xtablesLock: noLock, exec: kernel })).error).toBeUndefined();
    const before = canonicalDump(kernel.save(4) + kernel.save(6) + kernel.ipsetSave());
    const events: string[] = [];
    kernel.failNext(/^env .*XTABLES_LOCKFILE=\S+ ip6tables-legacy-restore --noflush/);
    const result = await apply(B, { backendMode: "legacy", lock: noLock, xtablesLock: recordingLock(events), exec: timed(kernel, events) });
    expect(result.ok).toBe(false);
    expect(result.restored).toBe(true);
    expect(canonicalDump(kernel.save(4) + kernel.save(6) + kernel.ipsetSave())).toBe(before);
    // The rollback's restores ran inside the same hold.
    expect(events[0]).toBe("lock");
    expect(events.at(-1)).toBe("unlock");
    expect(events.filter((e) => e === "lock")).toHaveLength(1);
    expect(events.filter((e) => e.startsWith("start")).length).toBeGreaterThan(2);
  });

  it("older tools, or a lock that cannot be taken: one commit after the other, each tool locking for itself", async () => {
    for (const [version, lock] of [
      [undefined, noLock],
      ["v1.8.5", noLock],
      ["v1.8.9", (() => Promise.reject(new Error("cannot take the lock /run/xtables.lock within 10s"))) as Lock],
    ] as const) {
      const kernel = fakeKernel({ v4: FOREIGN_V4 }, "legacy", version === undefined ? {} : { version });
      const events: string[] = [];
      const result = await apply(A, { backendMode: "legacy", lock: noLock, xtablesLock: lock, exec: timed(kernel, events) });
      expect(result.error).toBeUndefined();
      expect(events).toEqual(["start iptables-legacy-restore", "end iptables-legacy-restore", "start ip6tables-legacy-restore", "end ip6tables-legacy-restore"]);
      expect(kernel.calls.some((c) => c.argv.some((w) => w.startsWith("XTABLES_LOCKFILE=")))).toBe(false);
      if (version === "v1.8.9") expect(result.notes.join("\n")).toMatch(/tables committed one after the other: cannot take the lock/);
    }
  });
});
