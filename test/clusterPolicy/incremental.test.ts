/**
 * The incremental compiler with the cluster-scoped kinds: starting from the fixture
 * fixtures/cases/cluster-network-policy without them, each one upserted, then changed (another
 * tier), then deleted, the IR after every step equals the full compile of the same model. The
 * random version of this is test/fuzz/incremental.test.ts.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { compileModel } from "../../src/compiler/compile.js";
import { createCompiler } from "../../src/compiler/incremental/createCompiler.js";
import { printIr } from "../../src/compiler/ir/print.js";
import { loadModel } from "../../src/model/loadModel.js";
import { resourceKey } from "../../src/model/resourceKey.js";
import type { ClusterNetworkPolicy, Resource } from "../../src/model/types.js";

const dir = "fixtures/cases/cluster-network-policy";
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml"))
  .sort()
  .map((f) => ({ path: join(dir, f), text: readFileSync(join(dir, f), "utf8") }));

describe("incremental compile of the cluster-scoped kinds", () => {
  it("matches the full compile after every upsert, change and delete", () => {
    const { model, diagnostics } = loadModel(files);
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const cluster = model.resources.filter((r): r is ClusterNetworkPolicy => r.kind === "ClusterNetworkPolicy");
    expect(cluster.length).toBeGreaterThanOrEqual(5);
    const held = new Map<string, Resource>(model.resources.filter((r) => r.kind !== "ClusterNetworkPolicy").map((r) => [resourceKey(r), r]));
    const compiler = createCompiler({ node: "node-1" });
    const same = (ir: Parameters<typeof printIr>[0], what: string) =>
      expect(printIr(ir), what).toBe(printIr(compileModel({ resources: [...held.values()] }, { node: "node-1" }).ir));
    same(compiler.update([...held.values()].map((upsert) => ({ upsert }))).ir, "without cluster-scoped policy");
    for (const p of cluster) {
      held.set(resourceKey(p), p);
      same(compiler.update([{ upsert: p }]).ir, `upsert ${p.apiKind} ${p.metadata.name}`);
    }
    for (const p of cluster) {
      if (p.apiKind !== "ClusterNetworkPolicy") continue;
      const moved: ClusterNetworkPolicy = { ...p, tier: p.tier === "Admin" ? "Baseline" : "Admin", priority: 999 };
      held.set(resourceKey(moved), moved);
      same(compiler.update([{ upsert: moved }]).ir, `move ${p.metadata.name} to the other tier`);
    }
    for (const p of cluster) {
      held.delete(resourceKey(p));
      same(compiler.update([{ delete: p }]).ir, `delete ${p.apiKind} ${p.metadata.name}`);
    }
  });
});
