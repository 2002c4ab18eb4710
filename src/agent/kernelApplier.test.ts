import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { fixtureNode } from "../../test/helpers/compileCase.js";
import { fileLock, noLock } from "../apply/index.js";
import { fakeKernel } from "../apply/testing/fakeKernel.js";
import { fakeNftables } from "../apply/testing/fakeNftables.js";
import { readInputs } from "../cli/readInputs.js";
import { compileModel } from "../compiler/compile.js";
import * as deltaModule from "../compiler/ir/delta.js";
import type { Ir } from "../compiler/ir/types.js";
import { loadModel } from "../model/loadModel.js";
import { kernelApplier } from "./kernelApplier.js";

vi.mock("../compiler/ir/delta.js", async (original) => {
  const actual = await original<typeof deltaModule>();
  return { ...actual, diffIr: vi.fn(actual.diffIr) };
});

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: fixtureNode }).ir;
}

describe("kernelApplier", () => {
  it("hands each compile's delta to the applier, which then compares no IR itself", async () => {
    const kernel = fakeKernel();
    const applier = kernelApplier({ exec: kernel, lock: noLock, backendMode: "nft" });
    const [a, b] = [compile("demo-shop"), compile("k8s-named-ports")];
    expect((await applier.apply(a, deltaModule.diffIr(a, a))).ok).toBe(true);
    const delta = deltaModule.diffIr(a, b);
    vi.mocked(deltaModule.diffIr).mockClear();
    const result = await applier.apply(b, delta);
    expect(result).toMatchObject({ ok: true, changed: true });
    expect(vi.mocked(deltaModule.diffIr)).not.toHaveBeenCalled();
    // After a resync the kernel is read again; the delta still spares the rendering.
    applier.invalidate("a test");
    const start = kernel.calls.length;
    expect((await applier.apply(a, deltaModule.diffIr(b, a))).changed).toBe(true);
    expect(kernel.calls.slice(start).map((c) => c.argv[0])).toContain("iptables-nft-save");
  });

  it("commits a plan of one rules step without a validation run first, and checks a plan of several", async () => {
    const [a, b] = [compile("demo-shop"), compile("k8s-named-ports")];
    // iptables: both families change, so each table is checked before any is committed.
    const kernel = fakeKernel();
    const iptables = kernelApplier({ exec: kernel, lock: noLock, backendMode: "nft" });
    expect((await iptables.apply(a, undefined)).ok).toBe(true);
    expect(kernel.calls.filter((c) => c.argv.includes("--test")).length).toBeGreaterThanOrEqual(2);
    // nftables: always one transaction, so never checked first.
    const nft = fakeNftables();
    const nftables = kernelApplier({ exec: nft, lock: noLock, backend: "nftables" });
    expect((await nftables.apply(a, undefined)).ok).toBe(true);
    expect((await nftables.apply(b, deltaModule.diffIr(a, b))).changed).toBe(true);
    expect(nft.calls.filter((c) => c.argv[0] === "nft" && c.argv.includes("-f")).map((c) => c.argv.join(" "))).toEqual(["nft -f -", "nft -f -"]);
  });
  it("notes what the lock and each process took", async () => {
    const applier = kernelApplier({ exec: fakeKernel(), lock: noLock, backendMode: "nft" });
    const { notes } = await applier.apply(compile("demo-shop"), undefined);
    expect(notes.at(-1)).toMatch(/^took lock: \d+ ms, .*iptables-nft-restore --test --noflush: \d+ ms/);
  });
  it.skipIf(process.platform !== "linux")("takes the lock at the first apply and holds it until closed", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "policyc-lock-")), "lock");
    const free = (): boolean => spawnSync("flock", ["-n", path, "true"]).status === 0;
    const applier = kernelApplier({ exec: fakeKernel(), lock: fileLock(path, 5), backendMode: "nft" });
    expect(free()).toBe(true);
    const [a, b] = [compile("demo-shop"), compile("k8s-named-ports")];
    expect((await applier.apply(a, undefined)).ok).toBe(true);
    expect(free()).toBe(false);
    const second = await applier.apply(b, deltaModule.diffIr(a, b));
    expect(second.ok).toBe(true);
    expect(second.notes.at(-1)).toMatch(/^took lock: \d ms/);
    expect(free()).toBe(false);
    await applier.close?.();
    expect(free()).toBe(true);
  });
});
