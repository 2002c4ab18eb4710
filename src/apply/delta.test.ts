/**
 * Deltas go straight through: an apply given the IR delta since the IR its cache last built
 * plans from it, without digesting or comparing the whole IR, and plans exactly what an apply
 * reading the kernel whole plans. Checked on random runs of changes, on both backends' fakes.
 */
import fc from "fast-check";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { readInputs } from "../cli/readInputs.js";
import { compileModel } from "../compiler/compile.js";
import * as deltaModule from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import { loadModel } from "../model/loadModel.js";
import { fixtureNode } from "../../test/helpers/compileCase.js";
import { apply } from "./apply.js";
import type { ApplyOptions } from "./apply.js";
import { noLock } from "./execution/lock.js";
import { createApplyCache } from "./memory/cache.js";
import { memoryLedgerStore } from "./memory/ledgerStore.js";
import * as fingerprintModule from "./state/fingerprint.js";
import { fakeKernel } from "./testing/fakeKernel.js";
import { fakeNftables } from "./testing/fakeNftables.js";
import { FOREIGN_IPSET, FOREIGN_V4 } from "./testing/foreignState.js";

/** Every digest and every whole-IR comparison, counted. */
vi.mock("./state/fingerprint.js", async (original) => {
  const actual = await original<typeof fingerprintModule>();
  return { chainFingerprint: vi.fn(actual.chainFingerprint), membersDigest: vi.fn(actual.membersDigest), setFingerprint: vi.fn(actual.setFingerprint) };
});
vi.mock("../compiler/ir/delta.js", async (original) => {
  const actual = await original<typeof deltaModule>();
  return { ...actual, diffIr: vi.fn(actual.diffIr) };
});

function wholeIrWork(): number {
  return [fingerprintModule.chainFingerprint, fingerprintModule.membersDigest, fingerprintModule.setFingerprint, deltaModule.diffIr].reduce((n, f) => n + vi.mocked(f).mock.calls.length, 0);
}

beforeEach(() => {
  vi.clearAllMocks();
});

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: fixtureNode }).ir;
}

const BASE = compile("demo-shop");
const OTHER = compile("k8s-named-ports");

type Change = { kind: "dropRule"; chain: number } | { kind: "dropMember"; set: number } | { kind: "addMember"; set: number; octet: number } | { kind: "swap" };

/** `ir` with the changes made (a copy; `swap` switches to the other fixture). */
function changed(ir: Ir, changes: readonly Change[]): Ir {
  let next = structuredClone(ir) as Ir;
  for (const c of changes) {
    if (c.kind === "swap") {
      next = structuredClone(next.v4.sets.length === OTHER.v4.sets.length ? BASE : OTHER) as Ir;
      continue;
    }
    if (c.kind === "dropRule") {
      const chains = next.v4.tables.flatMap((t) => t.chains).filter((ch) => ch.rules.length > 0);
      (chains[c.chain % Math.max(1, chains.length)]?.rules as unknown[] | undefined)?.pop();
      continue;
    }
    const sets = next.v4.sets.filter((s) => s.type === "net");
    const set = sets[c.set % Math.max(1, sets.length)];
    if (set === undefined) continue;
    const members = set.members as string[];
    if (c.kind === "dropMember") members.pop();
    else if (!members.includes(`10.199.0.${c.octet}/32`)) {
      members.push(`10.199.0.${c.octet}/32`);
      members.sort();
    }
  }
  return next;
}

const change: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constant("dropRule" as const), chain: fc.nat(50) }),
  fc.record({ kind: fc.constant("dropMember" as const), set: fc.nat(10) }),
  fc.record({ kind: fc.constant("addMember" as const), set: fc.nat(10), octet: fc.integer({ min: 1, max: 254 }) }),
  fc.constant({ kind: "swap" as const }),
);

const backends: { name: string; options: Partial<ApplyOptions>; kernel: () => ApplyOptions["exec"] }[] = [
  { name: "iptables", options: { backendMode: "nft" }, kernel: () => fakeKernel({ v4: FOREIGN_V4, ipset: FOREIGN_IPSET }) },
  { name: "nftables", options: { backend: "nftables" }, kernel: () => fakeNftables() },
];

describe.each(backends)("an apply given a delta ($name)", ({ options, kernel: makeKernel }) => {
  it("plans what a whole read plans, and digests or compares nothing whole (property)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(change, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 }), async (runs) => {
        const exec = makeKernel();
        const cache = createApplyCache();
        const base = { ...options, exec, lock: noLock };
        let previous = BASE;
        expect((await apply(previous, { ...base, cache })).ok).toBe(true);
        for (const changes of runs) {
          const next = changed(previous, changes);
          const delta = deltaModule.diffIr(previous, next);
          const whole = await apply(next, { ...base, dryRun: true });
          vi.clearAllMocks();
          const result = await apply(next, { ...base, cache, delta: { from: previous, delta } });
          expect(wholeIrWork()).toBe(0);
          expect(result.error).toBeUndefined();
          expect(result.plan?.steps).toEqual(whole.plan?.steps);
          expect((await apply(next, base)).changed).toBe(false);
          previous = next;
        }
      }),
      { numRuns: 15 },
    );
  });

  it("does not trust a delta from another IR than the cache built last: it digests the IR instead", async () => {
    const exec = makeKernel();
    const cache = createApplyCache();
    const base = { ...options, exec, lock: noLock };
    await apply(BASE, { ...base, cache });
    const next = changed(BASE, [{ kind: "dropRule", chain: 0 }]);
    // A delta that claims nothing changed, from an IR the cache never saw.
    const wrong = { from: structuredClone(BASE) as Ir, delta: deltaModule.diffIr(BASE, BASE) };
    vi.clearAllMocks();
    const result = await apply(next, { ...base, cache, delta: wrong });
    expect(vi.mocked(deltaModule.diffIr)).not.toHaveBeenCalled();
    expect(vi.mocked(fingerprintModule.chainFingerprint).mock.calls.length).toBeGreaterThan(10);
    expect(result.changed).toBe(true);
    expect((await apply(next, base)).changed).toBe(false);
  });

  it("(the counters count: a ledger's apply digests every chain and set)", async () => {
    await apply(BASE, { ...options, exec: makeKernel(), lock: noLock, ledger: memoryLedgerStore() });
    expect(vi.mocked(fingerprintModule.chainFingerprint).mock.calls.length).toBeGreaterThan(10);
  });
});
