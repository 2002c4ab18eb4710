/**
 * The HTML matrix's explain paths (`matrixPaths`), kept once per pair of equivalence classes,
 * against evaluating every pair of endpoints on every hand-written fixture: each cell's path
 * must be exactly the path of its own flow, and its verdict the matrix's.
 */
import { readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { flowOf } from "../src/cli/explainCommand.js";
import { matrixPaths, PATH_NOT_STORED, pathText } from "../src/cli/matrixPaths.js";
import { parsePortSpec } from "../src/cli/parsePortSpec.js";
import { readInputs } from "../src/cli/readInputs.js";
import { loadModel } from "../src/model/loadModel.js";
import { compactReachability, evaluateFlow, prepareModel, type MatrixPort } from "../src/semantics/index.js";

const dirs = ["fixtures/cases", "fixtures/conformance"].flatMap((root) =>
  readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => `${root}/${d.name}`),
);

const specs = ["80/TCP", "8080/TCP", "9000/TCP", "53/UDP", "4789/UDP", "ICMP"].map(parsePortSpec);
const ports: MatrixPort[] = specs.map((s) => ({
  port: s.port ?? 0,
  protocol: s.protocol,
  ...(s.port !== undefined ? { srcPort: 40000 } : { icmpType: s.icmpType ?? 0, icmpCode: s.icmpCode ?? 0 }),
}));

describe("matrix explain paths per class pair", () => {
  it.each(dirs)("%s: every cell's path is its own flow's", (dir) => {
    const loaded = loadModel(readInputs([dir]).files);
    if (loaded.diagnostics.some((d) => d.severity === "error")) return;
    for (const node of [undefined, "node-1"]) {
      const prepared = prepareModel(loaded.model, node === undefined ? {} : { node });
      const m = compactReachability(prepared, ports, 4);
      const all = m.endpoints.map((_, i) => i);
      const paths = matrixPaths(prepared, m, specs, all, all);
      expect(paths.disagreements).toBe(0);
      specs.forEach((spec, k) => {
        for (const r of all) {
          for (const c of all) {
            if (r === c) continue;
            const code = paths.layers[k]![paths.rowClass[r]! * paths.colClasses + paths.colClass[c]!]!;
            const verdict = evaluateFlow(prepared, flowOf(spec, 4, { endpoint: m.endpoints[r]! }, { endpoint: m.endpoints[c]! }));
            expect(code, `${m.endpoints[r]} -> ${m.endpoints[c]}`).toBeGreaterThanOrEqual(0);
            expect(code & 1).toBe(verdict.allowed ? 1 : 0);
            expect(paths.paths[code >> 1], `${m.endpoints[r]} -> ${m.endpoints[c]} ${m.ports[k]!.port}`).toBe(pathText(verdict));
          }
        }
      });
    }
  });

  it("past its budget stores the verdicts without paths", () => {
    const loaded = loadModel(readInputs(["fixtures/cases/demo-shop"]).files);
    const prepared = prepareModel(loaded.model, {});
    const m = compactReachability(prepared, ports, 4);
    const all = m.endpoints.map((_, i) => i);
    const full = matrixPaths(prepared, m, specs, all, all);
    const none = matrixPaths(prepared, m, specs, all, all, 0);
    expect([full.stored, none.stored]).toEqual([true, false]);
    expect(none.paths).toEqual([PATH_NOT_STORED]);
    // The same verdicts (bit 0), the one path (index 0) everywhere.
    expect(none.layers.map((l) => [...l].map((code) => (code < 0 ? -1 : code & 1)))).toEqual(full.layers.map((l) => [...l].map((code) => (code < 0 ? -1 : code & 1))));
    expect(none.layers.every((l) => l.every((code) => code < 0 || code >> 1 === 0))).toBe(true);
  });
});
