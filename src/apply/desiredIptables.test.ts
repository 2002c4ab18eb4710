import { describe, expect, it } from "vitest";
import { compileCases } from "../../test/helpers/compileCase.js";
import { readInputs } from "../cli/readInputs.js";
import { compileModel } from "../compiler/compile.js";
import { loadModel } from "../model/loadModel.js";
import { renderIptables } from "../backends/iptables/index.js";
import { desiredIptablesState } from "./desiredIptables.js";
import type { DesiredIptablesState, DesiredTable } from "./iptablesState.js";
import { parseIptablesSave } from "./iptablesState.js";

/**
 * What the backend's rendered restore file declares, read with the applier's own parser (hooks
 * turned from `-I K n` into `-A K` lines first): the desired state built from the IR must say
 * exactly the same, rule text and hash for rule text and hash.
 */
function fromRendered(rules: string) {
  const asSave = rules.replace(/^-I (\S+) \d+ /gm, "-A $1 ");
  return parseIptablesSave(asSave).map((t) => ({
    name: t.name,
    chains: t.chains,
    hooks: [...new Set(asSave.split("\n").filter((l) => /^-A [A-Z]+ /.test(l)).map((l) => l.split(" ")[1]))],
    hookRules: asSave.split("\n").filter((l) => /^-A [A-Z]+ /.test(l)).map((l) => l.replace(/^-A \S+ /, "")),
  }));
}

describe("desiredIptablesState agrees with renderIptables", () => {
  it.each(compileCases())("%s", (name) => {
    const read = readInputs([`fixtures/cases/${name}`]);
    const { ir } = compileModel(loadModel(read.files).model, { node: "node-1" });
    const desired = desiredIptablesState(ir);
    const files = renderIptables(ir);
    for (const [family, path] of [["v4", "iptables.rules"], ["v6", "ip6tables.rules"]] as const) {
      const rendered = fromRendered(files.find((f) => f.path === path)?.contents ?? "");
      const mine = desired[family];
      expect(mine.map((t) => t.name)).toEqual(rendered.map((t) => t.name));
      mine.forEach((table, i) => {
        expect(table.chains).toEqual(rendered[i]?.chains);
        expect(table.hooks.flatMap((h) => [...h.insert, ...h.append].map((r) => r.spec))).toEqual(rendered[i]?.hookRules);
      });
    }
    // Every set of the ipset file, by name.
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
    const ir = compileModel(loadModel(readInputs(["fixtures/cases/demo-shop"]).files).model, { node: "node-1" }).ir;
    const first = { previous: new Map<string, unknown>(), next: new Map<string, unknown>() };
    const plain = desiredIptablesState(ir);
    expect(withoutDigests(desiredIptablesState(ir, { memo: first }))).toEqual(plain);
    const second = { previous: first.next, next: new Map<string, unknown>() };
    const again = desiredIptablesState(structuredClone(ir), { memo: second });
    expect(withoutDigests(again)).toEqual(plain);
    expect(again.v4[0]?.chains[0]?.rules).toBe(desiredIptablesState(ir, { memo: { previous: first.next, next: new Map() } }).v4[0]?.chains[0]?.rules);
    expect([...second.next.keys()]).toEqual([...first.next.keys()]);
  });
});
