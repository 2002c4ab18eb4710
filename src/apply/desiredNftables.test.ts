import { describe, expect, it } from "vitest";
import { compileCases, fixtureNode } from "../../test/helpers/compileCase.js";
import { renderNftables } from "../backends/nftables/index.js";
import { readInputs } from "../cli/readInputs.js";
import { compileModel } from "../compiler/compile.js";
import { loadModel } from "../model/loadModel.js";
import { desiredNftTables } from "./desiredNftables.js";
import type { NftTable } from "./nftState.js";
import { parseRenderedNft } from "./nftState.js";

/** The tables without the digests the piecewise builder adds. */
function withoutDigests(tables: readonly NftTable[]): NftTable[] {
  return tables.map((t) => ({ ...t, chains: t.chains.map(({ fingerprint: _f, ...c }) => c), sets: t.sets.map(({ fingerprint: _f, ...s }) => s) }));
}

describe("desiredNftTables", () => {
  it.each(compileCases())("%s: piece by piece equals the rendered script read back", (name) => {
    const ir = compileModel(loadModel(readInputs([`fixtures/cases/${name}`]).files).model, { node: fixtureNode }).ir;
    const whole = parseRenderedNft(renderNftables(ir).map((f) => f.contents).join("\n"));
    const pieces = desiredNftTables(ir, { script: true });
    expect(withoutDigests(pieces)).toEqual(whole);
    // Every set and every chain that is not a dispatch root or a base chain has a digest.
    for (const table of pieces) expect(table.sets.every((s) => s.kind === "map" || s.fingerprint !== undefined)).toBe(true);
    // Without the script, the same tables.
    expect(desiredNftTables(ir).map(({ script: _s, ...t }) => t)).toEqual(pieces.map(({ script: _s, ...t }) => t));
  });
});
