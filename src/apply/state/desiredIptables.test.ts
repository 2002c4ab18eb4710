import { describe, expect, it } from "vitest";
import { compileCases } from "../../../test/helpers/compileCase.js";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import type { Ir } from "../../compiler/ir/types.js";
import { loadModel } from "../../model/loadModel.js";
import { buildIptablesLayout, printIptablesLayout } from "../../backends/iptables/index.js";
import { desiredIptablesState } from "./desiredIptables.js";
import type { DesiredIptablesState, DesiredTable } from "./iptablesState.js";

function compile(fixture: string): Ir {
  return compileModel(loadModel(readInputs([`fixtures/cases/${fixture}`]).files).model, { node: "node-1" }).ir;
}

describe("desiredIptablesState is the backend's layout", () => {
  it.each(compileCases())("%s", (name) => {
    const ir = compile(name);
    const desired = desiredIptablesState(ir);
    const layout = buildIptablesLayout(ir);
    const files = printIptablesLayout(layout);
    for (const [family, path] of [["v4", "iptables.rules"], ["v6", "ip6tables.rules"]] as const) {
      const tables = layout[family].tables;
      expect(desired[family].map((t) => t.name)).toEqual(tables.map((t) => t.name));
      desired[family].forEach((table, i) => {
        const want = tables[i];
        expect(table.chains.map((c) => ({ name: c.name, rules: c.rules.map((r) => ({ spec: r.spec, hash: r.hash })) }))).toEqual(
          want?.chains.map((c) => ({ name: c.name, rules: c.rules.map((r) => ({ spec: r.spec, hash: r.hash })) })),
        );
        expect(table.hooks.map((h) => h.kernelChain)).toEqual(want?.hooks.map((h) => h.kernelChain));
      });
      // The state's chains, as `-A` lines, are exactly the file's lines for our chains, in order.
      const text = files.find((f) => f.path === path)?.contents ?? "";
      const fileLines = text.split("\n").filter((l) => l.startsWith("-A cali-"));
      expect(desired[family].flatMap((t) => t.chains.flatMap((c) => c.rules.map((r) => `-A ${c.name} ${r.spec}`)))).toEqual(fileLines);
      // Hooks: the file's kernel-chain lines carry the same specs (inserted first in the file per chain).
      const hookSpecs = text.split("\n").filter((l) => /^-[AI] [A-Z]+ /.test(l)).map((l) => l.replace(/^-A \S+ |^-I \S+ \d+ /, ""));
      expect(desired[family].flatMap((t) => t.hooks.flatMap((h) => [...h.insert, ...h.append].map((r) => r.spec)))).toEqual(hookSpecs);
    }
    const setNames = [...(files.find((f) => f.path === "ipset.restore")?.contents ?? "").matchAll(/^create (cali[46]0\S+)/gm)].map((m) => m[1]);
    expect(desired.sets.map((s) => s.name)).toEqual(setNames);
  });
});

/** The state without the digests a memo or ledger adds. */
function withoutDigests(state: DesiredIptablesState): DesiredIptablesState {
  const tables = (ts: readonly DesiredTable[]): DesiredTable[] => ts.map((t) => ({ ...t, chains: t.chains.map(({ name, rules }) => ({ name, rules })) }));
  return { v4: tables(state.v4), v6: tables(state.v6), sets: state.sets.map(({ digest: _digest, ...set }) => set) };
}

describe("desiredIptablesState with a memo", () => {
  it("gives the same state as without, reusing unchanged chains and sets", () => {
    const ir = compile("demo-shop");
    const first = { previous: new Map<string, unknown>(), next: new Map<string, unknown>() };
    const plain = desiredIptablesState(ir);
    expect(withoutDigests(desiredIptablesState(ir, { memo: first }))).toEqual(plain);
    const second = { previous: first.next, next: new Map<string, unknown>() };
    const again = desiredIptablesState(structuredClone(ir), { memo: second });
    expect(withoutDigests(again)).toEqual(plain);
    // The same chain objects, not built again.
    expect(again.v4[0]?.chains[0]?.rules).toBe(desiredIptablesState(ir, { memo: { previous: first.next, next: new Map() } }).v4[0]?.chains[0]?.rules);
    expect([...second.next.keys()]).toEqual([...first.next.keys()]);
  });
});
