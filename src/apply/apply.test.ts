import { describe, expect, it } from "vitest";
import { readInputs } from "../cli/readInputs.js";
import { compileModel } from "../compiler/compile.js";
import type { Ir } from "../compiler/ir/types.js";
import { loadModel } from "../model/loadModel.js";
import { apply } from "./apply.js";
import { createApplyCache } from "./memory/cache.js";
import { memoryLedgerStore } from "./memory/ledgerStore.js";
import { fakeExec } from "./testing/fakeExec.js";
import { noLock } from "./execution/lock.js";
import { detectIptablesMode } from "./kernel/readIptablesState.js";
import { canonicalDump, fakeKernel } from "./testing/fakeKernel.js";
import { FOREIGN_IPSET, FOREIGN_V4 } from "./testing/foreignState.js";

function compile(fixture: string): Ir {
  const read = readInputs([`fixtures/cases/${fixture}`]);
  return compileModel(loadModel(read.files).model, { node: "node-1" }).ir;
}

const A = compile("k8s-named-ports");
const B = compile("demo-shop");


const options = { backendMode: "nft" as const, lock: noLock };

function foreign(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/cali[-:46]/.test(l))
    .join("\n");
}

describe("apply (iptables, fake kernel)", () => {
  it("A, B, A: reaches each state, keeps foreign rules and sets, and a repeat writes nothing", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    const before = { v4: kernel.save(4), v6: kernel.save(6), ipset: kernel.ipsetSave() };
    const states: string[] = [];
    for (const ir of [A, B, A]) {
      const result = await apply(ir, { ...options, exec: kernel });
      expect(result.error).toBeUndefined();
      expect(result.changed).toBe(true);
      expect(foreign(kernel.save(4))).toBe(foreign(before.v4));
      expect(foreign(kernel.ipsetSave())).toBe(foreign(before.ipset));
      states.push(canonicalDump(kernel.save(4) + kernel.save(6) + kernel.ipsetSave()));
      const writes = kernel.calls.length;
      const again = await apply(ir, { ...options, exec: kernel });
      expect(again.changed).toBe(false);
      expect(again.plan?.steps).toEqual([]);
      // Only reads the second time: one iptables-save per family and one ipset save.
      expect(kernel.calls.slice(writes).map((c) => c.argv.join(" "))).toEqual(["iptables-nft-save", "ip6tables-nft-save", "ipset save"]);
    }
    expect(states[2]).toBe(states[0]);
  });

  it("runs sets first, validates every table before committing any, destroys sets last", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    await apply(A, { ...options, exec: kernel });
    const start = kernel.calls.length;
    await apply(B, { ...options, exec: kernel });
    const steps = kernel.calls.slice(start + 3).map((c) => c.argv.join(" "));
    expect(steps).toEqual([
      "ipset restore",
      "iptables-nft-restore --test --noflush -w 10",
      "ip6tables-nft-restore --test --noflush -w 10",
      "iptables-nft-restore --noflush -w 10",
      "ip6tables-nft-restore --noflush -w 10",
      "ipset restore",
    ]);
    const cleanup = kernel.calls.at(-1)?.stdin ?? "";
    expect(cleanup.split("\n").every((l) => l === "" || l.startsWith("destroy "))).toBe(true);
  });

  it("with iptables-nft, starts both families' commits at once, once both are validated", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    await apply(A, { ...options, exec: kernel });
    const events: string[] = [];
    const exec = {
      calls: kernel.calls,
      async run(argv: readonly string[], stdin?: string) {
        const commit = /^ip6?tables-nft-restore --noflush/.test(argv.join(" "));
        if (commit) events.push(`start ${argv[0]}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        const result = await kernel.run(argv, stdin);
        if (commit) events.push(`end ${argv[0]}`);
        return result;
      },
    };
    expect((await apply(B, { ...options, exec })).ok).toBe(true);
    expect(events.slice(0, 2)).toEqual(["start iptables-nft-restore", "start ip6tables-nft-restore"]);
    expect(events).toHaveLength(4);
  });

  it.each([
    ["the v6 commit (beside the v4 one)", /^ip6tables-nft-restore --noflush/],
    ["the v4 validation", /^iptables-nft-restore --test/],
    ["the set cleanup", /^ipset restore$/, 2],
    ["the set creation", /^ipset restore$/, 1],
  ] as const)("a failure in %s leaves tables and sets exactly as before", async (_what, match, nth = 1) => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    await apply(A, { ...options, exec: kernel });
    const dump = () => ({ v4: canonicalDump(kernel.save(4)), v6: canonicalDump(kernel.save(6)), ipset: canonicalDump(kernel.ipsetSave()) });
    const before = dump();
    const foreignBefore = foreign(kernel.save(4));
    // Fail the nth matching call: let earlier matches through by failing only once they are used up.
    let seen = 0;
    const exec = {
      calls: kernel.calls,
      run(argv: readonly string[], stdin?: string) {
        if (match.test(argv.join(" ")) && ++seen === nth) return Promise.resolve({ code: 1, stdout: "", stderr: "Error occurred at line: 2\n" });
        return kernel.run(argv, stdin);
      },
    };
    const result = await apply(B, { ...options, exec });
    expect(result.ok).toBe(false);
    expect(result.restored).toBe(true);
    expect(result.error).toMatch(/failed \(exit 1\) at line 2 of its input: /);
    expect(dump()).toEqual(before);
    // Foreign rules byte for byte, in place.
    expect(foreign(kernel.save(4))).toBe(foreignBefore);
  });

  it("dry run reads and plans but writes nothing", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    const result = await apply(A, { ...options, exec: kernel, dryRun: true });
    expect(result.plan?.steps.length).toBeGreaterThan(0);
    expect(result.changed).toBe(false);
    expect(kernel.calls.every((c) => /-save$/.test(c.argv[0] ?? "") || c.argv.join(" ") === "ipset save")).toBe(true);
  });

  it("falls back to plain binary names when the variant-specific ones are missing", async () => {
    const exec = fakeExec().on(/^ipset save/, { stdout: "" }).on(/-nft-/, { code: 127 });
    const result = await apply(A, { ...options, exec, dryRun: true });
    expect(result.plan?.steps.find((s) => s.phase === "rules")?.argv[0]).toBe("iptables-restore");
  });

  it("reports a failing read without a plan (exit 3 material)", async () => {
    const exec = fakeExec().on(/save/, { code: 4, stderr: "iptables-save: permission denied (you must be root)\n" });
    const result = await apply(A, { ...options, exec });
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/permission denied/);
  });
});

describe("apply with an agent's cache", () => {
  it("plans from the remembered state exactly as from a fresh read, without reading", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    const cache = createApplyCache();
    await apply(A, { ...options, exec: kernel, cache });
    const start = kernel.calls.length;
    const cached = await apply(B, { ...options, exec: kernel, dryRun: true, cache });
    expect(kernel.calls.length).toBe(start);
    const fresh = await apply(B, { ...options, exec: kernel, dryRun: true });
    expect(cached.plan?.steps).toEqual(fresh.plan?.steps);
    await apply(B, { ...options, exec: kernel, cache });
    expect((await apply(B, { ...options, exec: kernel })).changed).toBe(false);
    expect((await apply(B, { ...options, exec: kernel, cache })).changed).toBe(false);
  });

  it("re-reads when the cache is too old, and retries with a fresh read when a cached plan fails", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    const stale = createApplyCache(-1);
    await apply(A, { ...options, exec: kernel, cache: stale });
    const start = kernel.calls.length;
    await apply(A, { ...options, exec: kernel, cache: stale });
    expect(kernel.calls.slice(start).map((c) => c.argv[0])).toContain("iptables-nft-save");

    const cache = createApplyCache();
    await apply(A, { ...options, exec: kernel, cache });
    // Someone removes one of our sets behind the agent's back: the cached plan's delta fails.
    await kernel.run(["ipset", "restore"], `destroy ${/^create (cali40n:\S+)/m.exec(kernel.ipsetSave())?.[1]}\n`);
    const result = await apply(B, { ...options, exec: kernel, cache });
    expect(result.ok).toBe(true);
    expect((await apply(B, { ...options, exec: kernel })).changed).toBe(false);
  });
});

describe("apply's clock", () => {
  /** A clock the test moves. */
  const manual = (): { now: () => number; at: number } => {
    const clock = { at: 1_000_000, now: () => clock.at };
    return clock;
  };

  it("is the one that says whether the cache and the ledger are still fresh", async () => {
    const clock = manual();
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    const cache = createApplyCache(1000);
    const ledger = memoryLedgerStore();
    await apply(A, { ...options, exec: kernel, clock, cache, ledger, ledgerMaxAgeMs: 5000 });
    clock.at += 999;
    expect((await apply(A, { ...options, exec: kernel, clock, cache, ledger, ledgerMaxAgeMs: 5000 })).notes).toContain("kernel state from the agent's cache");
    clock.at += 2;
    const throughLedger = await apply(A, { ...options, exec: kernel, clock, cache, ledger, ledgerMaxAgeMs: 5000 });
    expect(throughLedger.notes.join("\n")).toMatch(/kernel state from the ledger/);
    // The ledger keeps the time of the last whole read: 6 s after it, it is too old.
    clock.at += 5000;
    const old = await apply(A, { ...options, exec: kernel, clock, ledger, ledgerMaxAgeMs: 5000 });
    expect(old.notes.join("\n")).toMatch(/ledger not used: it is 6 s old \(trusted for 5 s\)/);
  });
});

describe("detectIptablesMode", () => {
  it("prefers kube's hint chain on the nft side, then on the legacy side, then rule counts (legacy on a tie, nft without legacy tables)", async () => {
    const hint = "*mangle\n:KUBE-IPTABLES-HINT - [0:0]\nCOMMIT\n";
    expect(await detectIptablesMode(fakeExec().on("iptables-nft-save -t mangle", { stdout: hint }))).toBe("nft");
    const legacyUsed = (): ReturnType<typeof fakeExec> => fakeExec().on("cat /proc/net/ip_tables_names", { stdout: "mangle\nfilter\n" });
    expect(await detectIptablesMode(legacyUsed().on("iptables-legacy-save -t mangle", { stdout: hint }))).toBe("legacy");
    expect(await detectIptablesMode(legacyUsed().on("iptables-nft-save", { stdout: "-A INPUT -j ACCEPT\n" }))).toBe("nft");
    expect(await detectIptablesMode(legacyUsed())).toBe("legacy");
    // Without a legacy table, the legacy side is never asked (asking creates its tables), and
    // choosing it would create them too: nft.
    for (const names of [{ code: 1 }, { stdout: "" }]) {
      const noLegacy = fakeExec().on("cat /proc/net/ip_tables_names", names).on("cat /proc/net/ip6_tables_names", names);
      expect(await detectIptablesMode(noLegacy)).toBe("nft");
      expect(noLegacy.calls.some((c) => c.argv[0]?.startsWith("iptables-legacy") || c.argv[0]?.startsWith("ip6tables-legacy"))).toBe(false);
    }
  });
});
