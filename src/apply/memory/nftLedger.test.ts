import { describe, expect, it } from "vitest";
import { compileCases, fixtureNode } from "../../../test/helpers/compileCase.js";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import type { Ir } from "../../compiler/ir/types.js";
import { loadModel } from "../../model/loadModel.js";
import { desiredNftTables } from "../state/desiredNftables.js";
import type { NftTable } from "../state/nftState.js";
import type { LedgerParts } from "./ledgerSlot.js";
import type { NftLedger } from "./nftLedger.js";
import { nftKernelFromLedger, nftLedgerAfter, nftLedgerChanges, nftLedgerProblem, nftPartName, nftReuse, parseNftLedger } from "./nftLedger.js";
import { planNftables } from "../planning/planNftables.js";

/** Parts as a store keeps them: the digest, a line, then the text. */
function store(parts: LedgerParts, into = new Map<string, string>()): Map<string, string> {
  for (const part of parts.write) into.set(part.name, `${part.digest}\n${part.text}`);
  for (const name of parts.drop) into.delete(name);
  return into;
}

function loader(texts: ReadonlyMap<string, string>): (name: string, digest: string) => Promise<string | undefined> {
  return (name, digest) => {
    const text = texts.get(name);
    return Promise.resolve(text?.startsWith(`${digest}\n`) === true ? text.slice(digest.length + 1) : undefined);
  };
}

/** The plan through `ledger` and its parts, as the backend makes it: reuse by digest, then the changing sets' parts loaded. */
async function planThrough(ir: Ir, ledger: NftLedger, parts: ReadonlyMap<string, string>): Promise<ReturnType<typeof planNftables> | string> {
  const kernel = nftKernelFromLedger(ledger);
  const desired = desiredNftTables(ir, { reuse: nftReuse(kernel) });
  const read = await nftLedgerChanges(kernel, ledger, desired, loader(parts));
  return "problem" in read ? read.problem : planNftables(desired, read.kernel);
}

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: fixtureNode }).ir;
}

describe("nftables ledger", () => {
  it("every pair of fixtures: the plan through the ledger and its parts equals the plan against the tables as written", async () => {
    const cases = compileCases().map(compile);
    for (let i = 0; i < cases.length; i++) {
      const written = desiredNftTables(cases[i] as Ir, { script: true, fingerprints: true });
      const after = nftLedgerAfter(written, { netns: "net:[1]", generation: 7, writtenAt: 0 });
      const ledger = parseNftLedger(JSON.stringify(after.ledger));
      if (ledger === undefined) throw new Error("ledger did not round-trip");
      const parts = store(after.parts);
      // Every set with a digest has its part, and nothing else.
      expect([...parts.keys()].sort()).toEqual(written.flatMap((t) => t.sets.filter((s) => s.fingerprint !== undefined).map((s) => nftPartName(t.family, s.name))).sort());
      expect(after.parts.drop).toEqual([]);
      const next = cases[(i + 1) % cases.length] as Ir;
      for (const ir of [cases[i] as Ir, next]) {
        const whole = planNftables(desiredNftTables(ir, { script: true }), written);
        // Fixtures whose tables must be re-created need the whole script: the applier reads whole then.
        if (whole.steps.some((s) => s.stdin.includes("delete table"))) continue;
        const through = await planThrough(ir, ledger, parts);
        expect(typeof through === "string" ? through : through.steps).toEqual(whole.steps);
      }
      const same = await planThrough(cases[i] as Ir, ledger, new Map());
      expect(typeof same === "string" ? same : same.steps).toEqual([]);
    }
  });

  it("reads only the parts of the sets that change, writes only those, and drops the parts of sets gone", async () => {
    const [first, second] = ["k8s-named-ports", "demo-shop"].map(compile) as [Ir, Ir];
    const context = { netns: "net:[1]", generation: 7, writtenAt: 0 };
    const written = desiredNftTables(first, { script: true, fingerprints: true });
    const after = nftLedgerAfter(written, context);
    const parts = store(after.parts);
    const loaded: string[] = [];
    const counting = (name: string, digest: string): Promise<string | undefined> => (loaded.push(name), loader(parts)(name, digest));
    const kernel = nftKernelFromLedger(after.ledger);
    const desired = desiredNftTables(second, { reuse: nftReuse(kernel), fingerprints: true });
    const read = await nftLedgerChanges(kernel, after.ledger, desired, counting);
    if ("problem" in read) throw new Error(read.problem);
    const names = (tables: readonly NftTable[]): Map<string, unknown> => new Map(tables.flatMap((t) => t.sets.map((s) => [nftPartName(t.family, s.name), s] as const)));
    const before = names(kernel);
    const wanted = names(desired);
    // Loaded: the sets of ours that stay but are not taken as they are.
    const changing = [...before].filter(([name, set]) => wanted.has(name) && wanted.get(name) !== set && parts.has(name)).map(([name]) => name);
    expect(loaded.sort()).toEqual(changing.sort());
    // Written: the sets built anew (not carried); dropped: the parts of sets no longer there.
    const next = nftLedgerAfter(desired, context, after.ledger, after.ledger);
    const carried = [...wanted].filter(([name, set]) => before.get(name) === set).map(([name]) => name);
    expect(next.parts.write.map((p) => p.name).filter((name) => carried.includes(name))).toEqual([]);
    expect([...next.parts.drop].sort()).toEqual([...parts.keys()].filter((name) => !wanted.has(name)).sort());
    // With the written parts, the new ledger plans nothing for the second IR.
    const same = await planThrough(second, next.ledger, store(next.parts, parts));
    expect(typeof same === "string" ? same : same.steps).toEqual([]);
  });

  it("a missing, stale or short part is a problem (the kernel is then read whole); a set whose part was not loaded is never compared", async () => {
    const [first, second] = ["k8s-named-ports", "demo-shop"].map(compile) as [Ir, Ir];
    const after = nftLedgerAfter(desiredNftTables(first, { script: true, fingerprints: true }), { netns: "net:[1]", generation: 7, writtenAt: 0 });
    const kernel = nftKernelFromLedger(after.ledger);
    const desired = desiredNftTables(second, { reuse: nftReuse(kernel), fingerprints: true });
    const good = store(after.parts);
    const loaded: string[] = [];
    const read = await nftLedgerChanges(kernel, after.ledger, desired, (n, digest) => (loaded.push(n), loader(good)(n, digest)));
    if ("problem" in read || read.read === 0) throw new Error("the fixtures should change a set");
    const name = loaded[0] ?? "";
    for (const spoil of [
      (m: Map<string, string>) => m.delete(name),
      (m: Map<string, string>) => m.set(name, `stale\n${m.get(name) ?? ""}`),
      (m: Map<string, string>) => m.set(name, `${(m.get(name) ?? "").replace(/\n[^\n]*$/, "")}`),
    ]) {
      const spoiled = new Map(good);
      spoil(spoiled);
      const problem = await nftLedgerChanges(kernel, after.ledger, desired, loader(spoiled));
      expect("problem" in problem ? problem.problem : "").toMatch(/missing or not the one recorded/);
    }
    const unloaded = kernel.flatMap((t) => t.sets).find((s) => s.fingerprint !== undefined);
    expect(() => unloaded?.elements).toThrow(/internal error: the elements of .* were not loaded/);
  });

  it("an old ledger (version 2, elements inline) or a malformed one is none", () => {
    const after = nftLedgerAfter(desiredNftTables(compile("demo-shop"), { fingerprints: true }), { netns: "net:[1]", generation: 7, writtenAt: 0 });
    expect(parseNftLedger(JSON.stringify(after.ledger))).toBeDefined();
    const v2 = { ...after.ledger, version: 2, tables: after.ledger.tables.map((t) => ({ ...t, sets: t.sets.map(({ count: _count, ...s }) => ({ ...s, elements: "" })) })) };
    expect(parseNftLedger(JSON.stringify(v2))).toBeUndefined();
    const noCount = { ...after.ledger, tables: after.ledger.tables.map((t) => ({ ...t, sets: t.sets.map(({ count: _count, elements: _elements, ...s }) => s) })) };
    expect(parseNftLedger(JSON.stringify(noCount))).toBeUndefined();
    expect(parseNftLedger(JSON.stringify({ ...after.ledger, tables: [{ family: "inet", chains: [], sets: [] }] }))).toBeUndefined();
    expect(parseNftLedger("null")).toBeUndefined();
  });

  it("is trusted only for its namespace, its age and its nf_tables generation", () => {
    const { ledger } = nftLedgerAfter([], { netns: "net:[1]", generation: 7, writtenAt: 1000 });
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 2000, generation: 7 }, 90_000)).toBeUndefined();
    expect(nftLedgerProblem(ledger, { netns: "net:[2]", now: 2000, generation: 7 }, 90_000)).toMatch(/network namespace/);
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 200_000, generation: 7 }, 90_000)).toMatch(/s old/);
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 2000, generation: 8 }, 90_000)).toMatch(/moved from 7 to 8/);
    expect(nftLedgerProblem(ledger, { netns: "net:[1]", now: 2000 }, 90_000)).toMatch(/could not be read/);
    expect(parseNftLedger("{")).toBeUndefined();
  });
});
