import { describe, expect, it } from "vitest";
import { compileCases, fixtureNode } from "../../test/helpers/compileCase.js";
import { renderNftables } from "../backends/nftables/index.js";
import { readInputs } from "../cli/readInputs.js";
import { compileModel } from "../compiler/compile.js";
import type { Ir } from "../compiler/ir/types.js";
import { loadModel } from "../model/loadModel.js";
import type { ApplyOptions } from "./apply.js";
import { apply } from "./apply.js";
import { noLock } from "./execution/lock.js";
import { createApplyCache } from "./memory/cache.js";
import { memoryLedgerStore } from "./memory/ledgerStore.js";
import type { FakeNftables } from "./testing/fakeNftables.js";
import { fakeNftables } from "./testing/fakeNftables.js";

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: fixtureNode }).ir;
}

const A = compile("k8s-named-ports");
const B = compile("demo-shop");

/** An administrator's table, which applies must leave alone. */
const FOREIGN = "table inet admin {\n\tchain input {\n\t\ttype filter hook input priority 10; policy accept;\n\t\ttcp dport 2222 counter drop\n\t}\n}\n";

const options = { backend: "nftables" as const, lock: noLock };

async function applyWith(ir: Ir, kernel: FakeNftables, extra: Partial<ApplyOptions> = {}): Promise<Awaited<ReturnType<typeof apply>>> {
  const result = await apply(ir, { ...options, exec: kernel, ...extra });
  expect(result.error).toBeUndefined();
  return result;
}

/** Our tables as a fresh node holds them after loading `ir`'s ruleset.nft whole. */
function loaded(ir: Ir): string {
  return ours(fakeNftables(renderNftables(ir)[0]?.contents ?? ""));
}

function ours(kernel: FakeNftables): string {
  return kernel.list().split(/^(?=table )/m).filter((t) => / policyc\n/.test(t.split("\n")[0] ?? "") || /^table ip6? policyc$/m.test(t)).join("");
}

function foreign(kernel: FakeNftables): string {
  return kernel.list().split(/^(?=table )/m).filter((t) => t.startsWith("table inet admin")).join("");
}

function writes(kernel: FakeNftables, from: number): string[] {
  return kernel.calls.slice(from).map((c) => c.argv.join(" ")).filter((c) => c === "nft -f -");
}

describe("the nftables fake", () => {
  it("loads our whole ruleset and lists it back as the planner reads it", async () => {
    const kernel = fakeNftables(renderNftables(A)[0]?.contents ?? "");
    const start = kernel.calls.length;
    const result = await applyWith(A, kernel, { dryRun: true });
    expect(result.plan?.steps).toEqual([]);
    expect(kernel.calls.slice(start).map((c) => c.argv.join(" "))).toEqual(["nft -j list table ip policyc", "nft -j list table ip6 policyc"]);
  });

  it("refuses what nft refuses, at the line, changing nothing", async () => {
    const kernel = fakeNftables("table ip t {\n\tset s {\n\t\ttype ipv4_addr\n\t}\n\tset i {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\telements = {\n\t\t\t10.0.0.0/24\n\t\t}\n\t}\n\tchain c {\n\t\tip saddr @s accept\n\t}\n\tchain d {\n\t\tjump c\n\t}\n}\n");
    const before = kernel.list();
    const refused = async (script: string, why: RegExp): Promise<void> => {
      const result = await kernel.run(["nft", "-f", "-"], script);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(why);
      expect(kernel.list()).toBe(before);
    };
    await refused("add element ip t s { 10.0.0.1 }\nadd element ip t s { 10.1.0.0/16 }\n", /^\/dev\/stdin:2:.*missing interval flag/);
    await refused("add element ip t i { 10.0.0.128/25 }\n", /conflicting intervals/);
    await refused("delete element ip t i { 10.0.0.1 }\n", /No such file or directory/);
    await refused("delete chain ip t c\n", /Device or resource busy/);
    await refused("flush chain ip t d\ndelete set ip t s\n", /^\/dev\/stdin:2:.*Device or resource busy/);
    await refused("add rule ip t c jump nowhere\n", /No such file or directory/);
    await refused("add set ip t s { type ipv6_addr; }\n", /File exists/);
    expect((await kernel.run(["nft", "--check", "-f", "-"], "flush chain ip t d\ndelete chain ip t c\n")).code).toBe(1);
    expect((await kernel.run(["nft", "-f", "-"], "flush chain ip t d\nflush chain ip t c\ndelete chain ip t c\n")).code).toBe(0);
    expect(kernel.list()).not.toContain("chain c");
  });
});

describe("apply (nftables, fake kernel)", () => {
  it("A, B, A: each time our tables as a fresh load of the ruleset has them, foreign tables untouched, a repeat writes nothing", async () => {
    const kernel = fakeNftables(FOREIGN);
    const foreignBefore = foreign(kernel);
    for (const ir of [A, B, A]) {
      const start = kernel.calls.length;
      const result = await applyWith(ir, kernel);
      expect(result.changed).toBe(true);
      expect(writes(kernel, start)).toEqual(["nft -f -"]);
      expect(ours(kernel)).toBe(loaded(ir));
      expect(foreign(kernel)).toBe(foreignBefore);
      const again = kernel.calls.length;
      expect((await applyWith(ir, kernel)).changed).toBe(false);
      expect(kernel.calls.slice(again).map((c) => c.argv.join(" "))).toEqual(["nft -j list table ip policyc", "nft -j list table ip6 policyc"]);
    }
  });

  it("every pair of fixtures: from one to the other in place, as a fresh load", async () => {
    const cases = compileCases().map(compile);
    for (let i = 0; i < cases.length; i++) {
      const kernel = fakeNftables(FOREIGN);
      const to = cases[(i + 1) % cases.length] as Ir;
      await applyWith(cases[i] as Ir, kernel);
      await applyWith(to, kernel);
      expect(ours(kernel)).toBe(loaded(to));
    }
  });

  it("a set that comes to hold a prefix is replaced in place with `flags interval`, the chains that look it up refilled, and back", async () => {
    const plain = B.v4.sets.find((s) => s.type === "net" && s.members.length > 0);
    expect(plain).toBeDefined();
    const widened = structuredClone(B) as Ir;
    const set = widened.v4.sets.find((s) => s.id === plain?.id);
    (set?.members as string[]).push("10.200.0.0/16");
    for (const extra of [{}, { cache: createApplyCache() }, { ledger: memoryLedgerStore() }]) {
      const kernel = fakeNftables(FOREIGN);
      await applyWith(B, kernel, extra);
      for (const ir of [widened, B]) {
        const whole = await applyWith(ir, kernel, { dryRun: true });
        const result = await applyWith(ir, kernel, extra);
        expect(result.plan?.steps).toEqual(whole.plan?.steps);
        const script = result.plan?.steps[0]?.stdin ?? "";
        expect(script).not.toMatch(/^delete table/m);
        expect(script).toMatch(/^delete set ip policyc cali40s-\S+\nadd set ip policyc cali40s-\S+ \{ type ipv4_addr;( flags interval;)? comment /m);
        expect(script).toMatch(/^flush chain ip policyc filter-cali-pi-/m);
        expect(ours(kernel)).toBe(loaded(ir));
      }
    }
  });

  it("a failing transaction changes nothing and names the line", async () => {
    const kernel = fakeNftables(FOREIGN);
    await applyWith(A, kernel);
    const before = kernel.list();
    kernel.failNext(/^nft -f -$/, "/dev/stdin:3:1-20: Error: Could not process rule: No such file or directory\n");
    const result = await apply(B, { ...options, exec: kernel });
    expect(result.ok).toBe(false);
    expect(result.restored).toBe(true);
    expect(result.error).toMatch(/^nft: `nft -f -` failed \(exit 1\) at line 3 of its input: /);
    expect(kernel.list()).toBe(before);
  });

  it("through a ledger: the plans of a whole read without listing our tables; drift by hand is noticed and repaired", async () => {
    const kernel = fakeNftables(FOREIGN);
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    const keys = [...ledger.texts.keys()];
    expect(keys).toContain("nftables-net:[4026531840]");
    // Every other key is a set's part: its elements, under the set's name.
    expect(keys.filter((k) => k !== "nftables-net:[4026531840]").every((k) => /^nftables-net:\[4026531840\] part ip6? cali[46]0/.test(k))).toBe(true);
    expect(keys.length).toBeGreaterThan(1);
    for (const ir of [B, A]) {
      const whole = await applyWith(ir, kernel, { dryRun: true });
      const start = kernel.calls.length;
      const result = await applyWith(ir, kernel, { ledger });
      expect(result.notes.join("\n")).toMatch(/kernel state from the ledger \(nf_tables generation \d+ unchanged; \d+ changing set\(s\) as recorded\)/);
      expect(result.plan?.steps).toEqual(whole.plan?.steps);
      expect(kernel.calls.slice(start).some((c) => c.argv.includes("list"))).toBe(false);
      expect(ours(kernel)).toBe(loaded(ir));
    }
    // By hand: one of our chains emptied.
    const chain = /^ {2}chain (filter-cali-pi-\S+)/m.exec(ours(kernel))?.[1] ?? "";
    expect((await kernel.run(["nft", "-f", "-"], `flush chain ip policyc ${chain}\n`)).code).toBe(0);
    const repaired = await applyWith(A, kernel, { ledger });
    expect(repaired.notes.join("\n")).toMatch(/ledger not used: the nf_tables generation moved/);
    expect(repaired.plan?.summary.chainsChanged).toEqual([`ip policyc/${chain}`]);
    expect(ours(kernel)).toBe(loaded(A));
  });

  it("a one-change apply writes only the main text and the parts of the sets it changes", async () => {
    const kernel = fakeNftables(FOREIGN);
    const store = memoryLedgerStore();
    const saved: string[] = [];
    const ledger = { ...store, save: (key: string, text: string) => (saved.push(key), store.save(key, text)) };
    await applyWith(B, kernel, { ledger });
    saved.length = 0;
    const result = await applyWith(A, kernel, { ledger });
    expect(result.notes.join("\n")).toMatch(/kernel state from the ledger/);
    const changed = [...(result.plan?.summary.setsChanged ?? []), ...(result.plan?.summary.setsCreated ?? [])].map((s) => s.replace(/^(ip6?) policyc\//, "$1 "));
    const parts = saved.filter((k) => k.includes(" part ")).map((k) => k.replace(/^.* part /, ""));
    expect(parts.every((p) => changed.includes(p))).toBe(true);
    expect(saved).toContain("nftables-net:[4026531840]");
  });

  it("an old ledger (version 2), a malformed one, or a missing or stale part: the kernel is read whole and a new ledger written", async () => {
    const key = "nftables-net:[4026531840]";
    const spoilers: { name: string; spoil: (texts: Map<string, string>) => void }[] = [
      {
        name: "version 2",
        spoil: (texts) => {
          const current = JSON.parse(texts.get(key) ?? "{}") as { tables: { sets: object[] }[] };
          texts.set(key, JSON.stringify({ ...current, version: 2, tables: current.tables.map((t) => ({ ...t, sets: t.sets.map((s) => ({ ...s, elements: "" })) })) }));
        },
      },
      { name: "malformed", spoil: (texts) => texts.set(key, "{\"version\": 3, \"backend\": \"nftables\", \"generation\": 1, \"tables\": [{}]}") },
      { name: "part missing", spoil: (texts) => [...texts.keys()].filter((k) => k.includes(" part ")).forEach((k) => texts.delete(k)) },
      { name: "part stale", spoil: (texts) => [...texts.keys()].filter((k) => k.includes(" part ")).forEach((k) => texts.set(k, `stale\n${texts.get(k) ?? ""}`)) },
    ];
    for (const { name, spoil } of spoilers) {
      const kernel = fakeNftables(FOREIGN);
      const ledger = memoryLedgerStore();
      await applyWith(A, kernel, { ledger });
      spoil(ledger.texts);
      const start = kernel.calls.length;
      const result = await applyWith(B, kernel, { ledger });
      expect(result.notes.join("\n"), name).not.toMatch(/kernel state from the ledger/);
      expect(kernel.calls.slice(start).some((c) => c.argv.includes("list")), name).toBe(true);
      expect(ours(kernel), name).toBe(loaded(B));
      // The fresh ledger is used by the next apply.
      const start2 = kernel.calls.length;
      const next = await applyWith(A, kernel, { ledger });
      expect(next.notes.join("\n"), name).toMatch(/kernel state from the ledger/);
      expect(kernel.calls.slice(start2).some((c) => c.argv.includes("list")), name).toBe(false);
      expect(ours(kernel), name).toBe(loaded(A));
    }
  });

  it("without python3 the ledger is never trusted, and every apply reads", async () => {
    const kernel = fakeNftables("", { python: false });
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    expect(ledger.texts.size).toBe(0);
    const start = kernel.calls.length;
    await applyWith(B, kernel, { ledger });
    expect(kernel.calls.slice(start).some((c) => c.argv.includes("list"))).toBe(true);
  });

  it("with an agent's cache: the plans of a whole read, nothing read; a failed cached plan is retried from a read", async () => {
    const kernel = fakeNftables(FOREIGN);
    const cache = createApplyCache();
    await applyWith(A, kernel, { cache });
    for (const ir of [B, A, B]) {
      const whole = await applyWith(ir, kernel, { dryRun: true });
      const start = kernel.calls.length;
      const result = await applyWith(ir, kernel, { cache });
      expect(result.plan?.steps).toEqual(whole.plan?.steps);
      expect(kernel.calls.slice(start).some((c) => c.argv.includes("list"))).toBe(false);
      expect(ours(kernel)).toBe(loaded(ir));
    }
    // Someone deletes our tables behind the agent's back: the cached plan fails, a read repairs.
    expect((await kernel.run(["nft", "-f", "-"], "delete table ip policyc\n")).code).toBe(0);
    const result = await applyWith(A, kernel, { cache });
    expect(result.ok).toBe(true);
    expect(ours(kernel)).toBe(loaded(A));
  });
});
