import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { compileCases, fixtureNode } from "../../../test/helpers/compileCase.js";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import type { Ir } from "../../compiler/ir/types.js";
import { loadModel } from "../../model/loadModel.js";
import type { ApplyOptions } from "../apply.js";
import { apply } from "../apply.js";
import { ipsetName } from "../../backends/iptables/renderIpset.js";
import { normalizeMember, parseIpsetHeaders } from "../state/ipsetState.js";
import { parseLedger } from "./ledger.js";
import { memoryLedgerStore } from "./ledgerStore.js";
import { noLock } from "../execution/lock.js";
import { MAX_CHAIN_READS } from "./iptablesLedgerView.js";
import type { FakeKernel } from "../testing/fakeKernel.js";
import { canonicalDump, fakeKernel } from "../testing/fakeKernel.js";
import { FOREIGN_IPSET, FOREIGN_V4 } from "../testing/foreignState.js";

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: fixtureNode }).ir;
}

const A = compile("k8s-named-ports");
const B = compile("demo-shop");

/** `ir` with one rule dropped from its first multi-rule v4 filter chain and one set member gone. */
function oneChange(ir: Ir): Ir {
  const copy = structuredClone(ir) as { -readonly [K in keyof Ir]: Ir[K] } & Ir;
  const table = copy.v4.tables.find((t) => t.name === "filter");
  const chain = table?.chains.find((c) => c.name.startsWith("cali-pi-") && c.rules.length > 1) ?? table?.chains.find((c) => c.rules.length > 1);
  (chain?.rules as unknown[] | undefined)?.pop();
  const set = copy.v4.sets.find((s) => s.members.length > 1);
  (set?.members as unknown[] | undefined)?.pop();
  return copy;
}


const base = { backendMode: "nft" as const, lock: noLock };

/** The main ledger texts in `store` (not their parts). */
function mainTexts(store: ReturnType<typeof memoryLedgerStore>): string[] {
  return [...store.texts.keys()].filter((k) => !k.includes(" part "));
}

function dump(kernel: FakeKernel): string {
  return canonicalDump(kernel.save(4) + kernel.save(6) + kernel.ipsetSave());
}

/** Whether an apply dumped the whole kernel (rather than probing it) since call `from`. */
function dumpedWhole(kernel: FakeKernel, from: number): boolean {
  return kernel.calls.slice(from).some((c) => /tables-(nft|legacy)-save$/.test(c.argv[0] ?? "") || (c.argv[0] === "ipset" && c.argv[1] === "save" && c.argv[2] === undefined));
}

async function applyWith(ir: Ir, kernel: FakeKernel, extra: Partial<ApplyOptions> = {}): Promise<Awaited<ReturnType<typeof apply>>> {
  const result = await apply(ir, { ...base, exec: kernel, ...extra });
  expect(result.error).toBeUndefined();
  return result;
}

describe("apply through a ledger (iptables, fake kernel)", () => {
  it("A, A', A, B: each plan equals the plan of a whole read, and a one-change apply dumps nothing", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    // The main text, and one part per set of ours (its members).
    const setNames = [...A.v4.sets.map((s) => ipsetName(4, s.id)), ...A.v6.sets.map((s) => ipsetName(6, s.id))];
    expect([...ledger.texts.keys()].sort()).toEqual(["iptables-net:[4026531840]", ...setNames.map((n) => `iptables-net:[4026531840] part ${n}`)].sort());
    for (const ir of [oneChange(A), A, B, B]) {
      const whole = await applyWith(ir, kernel, { dryRun: true });
      const start = kernel.calls.length;
      const result = await applyWith(ir, kernel, { ledger });
      expect(result.plan?.steps).toEqual(whole.plan?.steps);
      if (ir !== B) {
        expect(result.notes.join("\n")).toMatch(/kernel state from the ledger/);
        expect(dumpedWhole(kernel, start)).toBe(false);
      }
      expect((await applyWith(ir, kernel)).changed).toBe(false);
    }
  });

  it("the one-change apply reads only the chain it changes; the set it changes is as the ledger recorded it", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    const start = kernel.calls.length;
    const result = await applyWith(oneChange(A), kernel, { ledger });
    const reads = kernel.calls.slice(start).filter((c) => /tables-nft$/.test(c.argv[0] ?? "") || (c.argv[1] === "save" && c.argv[2] !== undefined));
    expect(reads.map((c) => c.argv.at(-1))).toEqual((result.plan?.summary.chainsChanged ?? []).map((c) => c.replace(/^filter\//, "")));
    expect(reads).toHaveLength(1);
    expect(result.plan?.summary.setsChanged).toHaveLength(1);
    expect(result.notes.join("\n")).toMatch(/1 changing set\(s\) as recorded/);
  });

  it("a member swapped by hand (the count unchanged) fails the plan, which is retried from a whole read", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    const changed = oneChange(A);
    // The member oneChange drops, swapped for another: the plan's `del` of it fails.
    const set = A.v4.sets.find((s) => s.members.length > 1);
    const name = ipsetName(4, set?.id ?? "");
    const member = normalizeMember(set?.members.at(-1) ?? "");
    expect(kernel.ipsetSave()).toContain(`add ${name} ${member}\n`);
    await kernel.run(["ipset", "restore"], `del ${name} ${member}\nadd ${name} 10.254.254.254\n`);
    const start = kernel.calls.length;
    const result = await applyWith(changed, kernel, { ledger });
    expect(result.ok).toBe(true);
    expect(dumpedWhole(kernel, start)).toBe(true);
    expect((await applyWith(changed, kernel)).changed).toBe(false);
  });

  it("a one-change apply writes only the main text and the part of the set it changes", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    const store = memoryLedgerStore();
    const saved: string[] = [];
    const ledger = { ...store, save: (key: string, text: string) => (saved.push(key), store.save(key, text)) };
    await applyWith(A, kernel, { ledger });
    saved.length = 0;
    const result = await applyWith(oneChange(A), kernel, { ledger });
    expect(result.plan?.summary.setsChanged).toHaveLength(1);
    const changed = result.plan?.summary.setsChanged[0] ?? "";
    expect(saved.sort()).toEqual(["iptables-net:[4026531840]", `iptables-net:[4026531840] part ${changed}`]);
  });

  it("an old ledger (version 2, members inline) is not used: the kernel is read whole, and a new one written", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    const key = "iptables-net:[4026531840]";
    const current = JSON.parse(ledger.texts.get(key) ?? "{}") as { sets: { name: string }[] };
    // What version 2 wrote: the same, each set's members inline, no parts.
    const old = { ...current, version: 2, sets: current.sets.map((set) => ({ ...set, members: (ledger.texts.get(`${key} part ${set.name}`) ?? "").replace(/^[^\n]*\n/, "") })) };
    for (const k of [...ledger.texts.keys()]) ledger.texts.delete(k);
    ledger.texts.set(key, JSON.stringify(old));
    const start = kernel.calls.length;
    const result = await applyWith(oneChange(A), kernel, { ledger });
    expect(result.notes.join("\n")).not.toMatch(/kernel state from the ledger/);
    expect(dumpedWhole(kernel, start)).toBe(true);
    expect(parseLedger(ledger.texts.get(key) ?? "")?.version).toBe(3);
    const next = await applyWith(A, kernel, { ledger });
    expect(next.notes.join("\n")).toMatch(/kernel state from the ledger/);
  });

  it("a set whose part is missing or stale is read whole, and the part written again", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4 });
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    const dry = await applyWith(oneChange(A), kernel, { ledger, dryRun: true });
    const name = dry.plan?.summary.setsChanged[0] ?? "";
    const part = `iptables-net:[4026531840] part ${name}`;
    for (const spoil of [(): void => void ledger.texts.delete(part), (): void => void ledger.texts.set(part, `stale-digest\n${ledger.texts.get(part) ?? ""}`)]) {
      await applyWith(A, kernel, { ledger });
      spoil();
      const start = kernel.calls.length;
      const result = await applyWith(oneChange(A), kernel, { ledger });
      expect(result.notes.join("\n")).toMatch(new RegExp(`set ${name.replace(/[^\w]/g, ".")} is not in it`));
      expect(dumpedWhole(kernel, start)).toBe(true);
      expect((await applyWith(oneChange(A), kernel)).changed).toBe(false);
      // Back and forth again: the part was written again, the ledger is used.
      const back = await applyWith(A, kernel, { ledger });
      expect(back.notes.join("\n")).toMatch(/kernel state from the ledger/);
    }
  });

  it("a ledger that cannot be written is reported, not fatal", async () => {
    const kernel = fakeKernel();
    const broken = { ...memoryLedgerStore(), save: () => Promise.reject(new Error("read-only file system")) };
    const result = await applyWith(A, kernel, { ledger: broken });
    expect(result.ok).toBe(true);
    expect(result.notes).toContain("ledger not written: read-only file system");
  });

  it("a dry run uses the ledger but never writes it", async () => {
    const kernel = fakeKernel();
    const ledger = memoryLedgerStore();
    await applyWith(A, kernel, { ledger });
    const text = ledger.texts.get("iptables-net:[4026531840]");
    await applyWith(B, kernel, { ledger, dryRun: true });
    expect(ledger.texts.get("iptables-net:[4026531840]")).toBe(text);
  });

  describe("reads the kernel whole, and repairs it, when the ledger cannot be trusted", () => {
    const cases: { name: string; why: RegExp; drift: (kernel: FakeKernel) => Promise<unknown>; extra?: Partial<ApplyOptions>; options?: Parameters<typeof fakeKernel>[2] }[] = [
      {
        name: "someone deleted one of our rules (the nf_tables generation moved)",
        why: /generation moved/,
        drift: (k) => k.run(["iptables-nft-restore", "--noflush"], `*filter\n-D ${/^-A (cali-pi-\S+)/m.exec(k.save(4))?.[1]} 1\nCOMMIT\n`),
      },
      {
        name: "someone deleted a member of our set",
        why: /members, \d+ were written/,
        drift: (k) => k.run(["ipset", "restore"], `${/^add cali4\S+ \S+$/m.exec(k.ipsetSave())?.[0].replace(/^add/, "del")}\n`),
      },
      {
        name: "a stray set of ours appeared",
        why: /is not one it recorded/,
        drift: (k) => k.run(["ipset", "restore"], "create cali40s:stray hash:net family inet maxelem 1048576\n"),
      },
      { name: "the ledger is too old", why: /s old/, drift: () => Promise.resolve(), extra: { ledgerMaxAgeMs: -1 } },
      { name: "python3 is missing", why: /generation could not be read/, drift: () => Promise.resolve(), options: { python: false } },
    ];
    it.each(cases)("$name", async ({ why, drift, extra, options }) => {
      const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET }, "nft", options);
      const ledger = memoryLedgerStore();
      await applyWith(A, kernel, { ledger });
      if (options?.python === false) expect(mainTexts(ledger)).toHaveLength(0);
      await drift(kernel);
      const start = kernel.calls.length;
      const result = await applyWith(A, kernel, { ledger, ...extra });
      if (options?.python !== false) expect(result.notes.join("\n")).toMatch(why);
      expect(dumpedWhole(kernel, start)).toBe(true);
      expect((await applyWith(A, kernel)).changed).toBe(false);
    });

    it("the ledger belongs to another network namespace", async () => {
      const ledger = memoryLedgerStore();
      await applyWith(A, fakeKernel({}, "nft", { netns: "net:[1]" }), { ledger });
      const text = ledger.texts.get("iptables-net:[1]") ?? "";
      ledger.texts.set("iptables-net:[2]", text);
      const other = fakeKernel({}, "nft", { netns: "net:[2]" });
      const result = await applyWith(A, other, { ledger });
      expect(result.notes.join("\n")).toMatch(/written for network namespace net:\[1\]/);
    });

    it(`more than ${MAX_CHAIN_READS} chains change`, async () => {
      const kernel = fakeKernel();
      const ledger = memoryLedgerStore();
      await applyWith(A, kernel, { ledger });
      const many = structuredClone(A) as Ir;
      const chains = many.v4.tables.flatMap((t) => t.chains);
      for (let i = 0; i <= MAX_CHAIN_READS; i++) (many.v4.tables[0]?.chains as unknown[]).push({ ...chains[0], name: `cali-extra-${i}` });
      // New chains need no read; rewriting the existing ones does.
      const changed = structuredClone(many) as Ir;
      for (const chain of changed.v4.tables[0]?.chains ?? []) (chain.rules as unknown[]).pop();
      await applyWith(many, kernel, { ledger });
      const result = await applyWith(changed, kernel, { ledger });
      expect(result.notes.join("\n")).toMatch(/reading everything is quicker/);
    });
  });

  it("iptables-legacy: tables are read whole every time, sets through the ledger", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET }, "legacy");
    const ledger = memoryLedgerStore();
    const legacy = { backendMode: "legacy" as const, ledger };
    await applyWith(A, kernel, legacy);
    // Drift in a chain is seen without the ledger failing.
    await kernel.run(["iptables-legacy-restore", "--noflush"], `*filter\n-D ${/^-A (cali-pi-\S+)/m.exec(kernel.save(4))?.[1]} 1\nCOMMIT\n`);
    const start = kernel.calls.length;
    const result = await applyWith(oneChange(A), kernel, legacy);
    expect(result.notes.join("\n")).toMatch(/iptables-legacy tables read/);
    expect(kernel.calls.slice(start).some((c) => c.argv[0] === "ipset" && c.argv[1] === "save" && c.argv[2] === undefined)).toBe(false);
    expect((await applyWith(oneChange(A), kernel, { backendMode: "legacy" })).changed).toBe(false);
  });

  it("a failure rolls back the chains and sets read for the plan, leaves the rest, and forgets the ledger", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    const ledger = memoryLedgerStore();
    await applyWith(B, kernel, { ledger });
    const before = dump(kernel);
    // Fails twice: through the ledger, then in the retry from a whole read.
    kernel.failNext(/^iptables-nft-restore --noflush -w/);
    kernel.failNext(/^iptables-nft-restore --noflush -w/);
    const result = await apply(oneChange(B), { ...base, exec: kernel, ledger });
    expect(result.ok).toBe(false);
    expect(result.restored).toBe(true);
    expect(dump(kernel)).toBe(before);
    expect(ledger.texts.size).toBe(0);
  });

  it("a plan through the ledger that fails once is retried from a whole read", async () => {
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    const ledger = memoryLedgerStore();
    await applyWith(B, kernel, { ledger });
    kernel.failNext(/^iptables-nft-restore --noflush -w/);
    const start = kernel.calls.length;
    await applyWith(oneChange(B), kernel, { ledger });
    expect(dumpedWhole(kernel, start)).toBe(true);
    expect(mainTexts(ledger)).toHaveLength(1);
    expect((await applyWith(oneChange(B), kernel)).changed).toBe(false);
  });

  it("every pair of fixtures: the plan through the ledger equals the plan of a whole read", async () => {
    const cases = compileCases().map(compile);
    for (let i = 0; i < cases.length; i++) {
      const from = cases[i] as Ir;
      const to = cases[(i + 1) % cases.length] as Ir;
      const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
      const ledger = memoryLedgerStore();
      await applyWith(from, kernel, { ledger });
      for (const ir of [oneChange(from), to]) {
        const whole = await applyWith(ir, kernel, { dryRun: true });
        const through = await applyWith(ir, kernel, { dryRun: true, ledger });
        expect(through.plan?.steps).toEqual(whole.plan?.steps);
      }
    }
  });
});

describe("plans through a ledger (property)", () => {
  it("equal the plans of a whole read for random rule and member changes", async () => {
    const from = B;
    const kernel = fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET });
    const ledger = memoryLedgerStore();
    await applyWith(from, kernel, { ledger });
    const chains = from.v4.tables.flatMap((t, ti) => t.chains.map((_, ci) => [ti, ci] as const));
    const change = fc.oneof(
      fc.record({ kind: fc.constant("dropRule" as const), at: fc.nat(chains.length - 1) }),
      fc.record({ kind: fc.constant("dropMember" as const), set: fc.nat(from.v4.sets.length - 1) }),
      fc.record({ kind: fc.constant("addMember" as const), set: fc.nat(from.v4.sets.length - 1), octet: fc.integer({ min: 1, max: 254 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 6 }), async (changes) => {
        const ir = structuredClone(from) as Ir;
        for (const c of changes) {
          if (c.kind === "dropRule") {
            const [ti, ci] = chains[c.at] ?? [0, 0];
            (ir.v4.tables[ti]?.chains[ci]?.rules as unknown[] | undefined)?.pop();
          } else {
            const set = ir.v4.sets[c.set];
            if (set?.type !== "net") continue;
            if (c.kind === "dropMember") (set.members as unknown[]).pop();
            else (set.members as unknown[]).push(`10.199.0.${c.octet}/32`);
          }
        }
        const whole = await applyWith(ir, kernel, { dryRun: true });
        const through = await applyWith(ir, kernel, { dryRun: true, ledger });
        expect(through.notes.join("\n")).toMatch(/kernel state from the ledger/);
        expect(through.plan?.steps).toEqual(whole.plan?.steps);
      }),
      { numRuns: 60 },
    );
  });
});

describe("ledger texts", () => {
  it("reject what is not a ledger of this version", () => {
    expect(parseLedger("{")).toBeUndefined();
    expect(parseLedger("null")).toBeUndefined();
    expect(parseLedger(JSON.stringify({ version: 0, backend: "iptables", v4: [], v6: [], sets: [] }))).toBeUndefined();
    expect(parseLedger(JSON.stringify({ version: 1, backend: "iptables", v4: [], v6: [], sets: [] }))).toBeUndefined();
    expect(parseLedger(JSON.stringify({ version: 2, backend: "iptables", v4: [], v6: [], sets: [] }))).toBeUndefined();
    expect(parseLedger(JSON.stringify({ version: 3, backend: "nftables", v4: [], v6: [], sets: [] }))).toBeUndefined();
    expect(parseLedger(JSON.stringify({ version: 3, backend: "iptables", v4: [], v6: [], sets: [] }))).toBeDefined();
    // Version 3 in name, another shape: hashes as an array, a set without its digest.
    const table = (hashes: unknown) => ({ name: "filter", chains: [{ name: "cali-x", fingerprint: "f", hashes }], builtins: [], allChains: [] });
    expect(parseLedger(JSON.stringify({ version: 3, backend: "iptables", v4: [table("a b")], v6: [], sets: [{ name: "s", count: 1, digest: "d" }] }))).toBeDefined();
    expect(parseLedger(JSON.stringify({ version: 3, backend: "iptables", v4: [table(["a", "b"])], v6: [], sets: [] }))).toBeUndefined();
    expect(parseLedger(JSON.stringify({ version: 3, backend: "iptables", v4: [], v6: [], sets: [{ name: "s", count: 1, members: "x" }] }))).toBeUndefined();
  });
});

describe("parseIpsetHeaders", () => {
  it("reads our sets' metadata and entry counts from `ipset list -t`", () => {
    const text = [
      "Name: KUBE-CLUSTER-IP",
      "Type: hash:ip,port",
      "Number of entries: 3",
      "",
      "Name: cali40s:abc",
      "Type: hash:net",
      "Revision: 7",
      "Header: family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x1",
      "Size in memory: 504",
      "References: 2",
      "Number of entries: 7",
      "Members:",
      "",
      "Name: cali60n:def",
      "Type: hash:ip,port",
      "Header: family inet6 hashsize 1024 maxelem 65536",
      "Number of entries: 0",
    ].join("\n");
    expect(parseIpsetHeaders(text)).toEqual([
      { name: "cali40s:abc", type: "hash:net", family: "inet", maxelem: 1048576, entries: 7 },
      { name: "cali60n:def", type: "hash:ip,port", family: "inet6", maxelem: 65536, entries: 0 },
    ]);
  });
});
