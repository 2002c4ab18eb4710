/**
 * The class-based matrix (`compactReachability`) against brute force on every hand-written
 * fixture (compile cases and kernel conformance cases), which exercise corners random clusters
 * seldom reach (the pass mark across profiles, tier defaults, named ports on egress, the
 * cluster-scoped policies' tiers, Pass and fail-closed rules, VXLAN from a workload).
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { readInputs } from "../src/cli/readInputs.js";
import { loadModel } from "../src/model/loadModel.js";
import { compactReachability, prepareModel, type MatrixPort } from "../src/semantics/index.js";
import { matrixDifferences } from "./helpers/bruteMatrix.js";

const dirs = ["fixtures/cases", "fixtures/conformance", "fixtures/apps"].flatMap((root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `${root}/${d.name}`),
);

const ports: MatrixPort[] = [
  ...[22, 53, 80, 443, 5353, 8080, 8081, 9090].map((port) => ({ port, protocol: "TCP" as const, srcPort: 40000 })),
  { port: 53, protocol: "UDP", srcPort: 40000 },
  { port: 5353, protocol: "UDP", srcPort: 53 },
  // VXLAN: dropped at a workload's egress before any policy.
  { port: 4789, protocol: "UDP", srcPort: 40000 },
  { port: 0, protocol: "ICMP", icmpType: 8, icmpCode: 0 },
  { port: 0, protocol: "ICMPv6", icmpType: 128, icmpCode: 0 },
];

describe("class-based matrix on the fixtures", () => {
  it.each(dirs)("%s agrees with brute force", (dir) => {
    const loaded = loadModel(readInputs([dir]).files);
    if (loaded.diagnostics.some((d) => d.severity === "error")) return;
    for (const node of [undefined, "node-1"]) {
      const prepared = prepareModel(loaded.model, node === undefined ? {} : { node });
      for (const family of [4, 6] as const) {
        expect(matrixDifferences(prepared, compactReachability(prepared, ports, family), ports, family)).toEqual([]);
      }
    }
  });
});
