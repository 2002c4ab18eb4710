/**
 * Property test against a real kernel: random IR rules (within the IR's invariants) render to
 * lines that iptables-restore / ip6tables-restore accept, and iptables-save shows them all, in
 * order (hash for hash), port lists of any length included. Skipped (loudly) without root and
 * the tools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Action, Family, Ir, Match, PortRange, Rule } from "../../src/compiler/ir/types.js";
import { iptablesChainName, renderIptables } from "../../src/backends/iptables/index.js";
import { createNetns, destroyNetns, kernelAvailable, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";
import { MARKS, sampleIr } from "./sampleIr.js";

const SUITE = "random rules in a real kernel (test/kernel/randomRules.test.ts)";
warnIfKernelUnavailable(SUITE);

const CHAIN = "cali-pi-gnp/random-rules-for-the-kernel-test";
const LEAF = "cali-pro-kns.default";

const portRange: fc.Arbitrary<PortRange> = fc
  .tuple(fc.integer({ min: 1, max: 65535 }), fc.integer({ min: 0, max: 100 }))
  .map(([first, extra]) => ({ first, last: Math.min(65535, first + (extra > 50 ? extra : 0)) }));

/**
 * Port lists of any length up to 40 slots: the backend splits those over 15 (multiport's limit)
 * into several rules or several negated matches.
 */
const portRanges = fc.array(portRange, { minLength: 1, maxLength: 20 });

function ruleArb(family: Family, setIds: { net: string[]; addrPort: string[] }): fc.Arbitrary<Rule> {
  const cidrs = family === 4 ? ["10.0.0.0/8", "192.168.1.1/32", "0.0.0.0/0"] : ["fd00::/8", "2001:db8::1/128", "::/0"];
  const icmpProto = family === 4 ? 1 : 58;
  const dir = fc.constantFrom("src" as const, "dst" as const);
  const common: fc.Arbitrary<Match>[] = [
    // A negated catch-all matches nothing and is dropped by the IR passes, so never generated.
    fc.record({ kind: fc.constant("addr" as const), dir, cidrs: fc.constantFrom(...cidrs).map((c) => [c]), negate: fc.boolean() })
      .filter((m) => !(m.negate && m.cidrs[0]?.endsWith("/0"))),
    fc.record({ kind: fc.constant("set" as const), dir, set: fc.constantFrom(...setIds.net), negate: fc.boolean() }),
    fc.record({ kind: fc.constant("addrPortSet" as const), dir, set: fc.constantFrom(...setIds.addrPort), negate: fc.boolean() }),
    fc.record({ kind: fc.constant("iface" as const), dir: fc.constantFrom("in" as const, "out" as const), name: fc.constantFrom("cali", "eth0", "cali1234abcd"), prefix: fc.boolean(), negate: fc.boolean() }),
    fc.record({ kind: fc.constant("mark" as const), value: fc.constantFrom(0, MARKS.accept), mask: fc.constantFrom(MARKS.accept, MARKS.accept | MARKS.pass), negate: fc.boolean() }),
    fc.record({ kind: fc.constant("ctstate" as const), states: fc.uniqueArray(fc.constantFrom("NEW" as const, "ESTABLISHED" as const, "RELATED" as const, "INVALID" as const, "UNTRACKED" as const), { minLength: 1 }) }),
  ];
  // The protocol decides which L4 matches are allowed (IR invariant).
  const l4 = fc.oneof(
    fc.record({
      proto: fc.constantFrom(6, 17, 132),
      extra: fc.array(fc.record({ kind: fc.constant("ports" as const), dir, ranges: portRanges, negate: fc.boolean() }), { maxLength: 3 }),
    }).map(({ proto, extra }): Match[] => [{ kind: "protocol", protocol: proto, negate: false }, ...extra]),
    fc.option(fc.record({ type: fc.integer({ min: 0, max: 255 }), code: fc.option(fc.integer({ min: 0, max: 255 }), { nil: undefined }), negate: fc.boolean() }), { nil: undefined })
      .map((icmp): Match[] => [
        { kind: "protocol", protocol: icmpProto, negate: false },
        ...(icmp === undefined ? [] : [{ kind: "icmp" as const, type: icmp.type, ...(icmp.code === undefined ? {} : { code: icmp.code }), negate: icmp.negate }]),
      ]),
    fc.record({ protocol: fc.constantFrom(6, 17, 47, 4), negate: fc.boolean() }).map((p): Match[] => [{ kind: "protocol", ...p }]),
    fc.constant<Match[]>([]),
  );
  const action: fc.Arbitrary<Action> = fc.oneof(
    fc.constantFrom<Action>({ kind: "accept" }, { kind: "drop" }, { kind: "return" }, { kind: "none" }, { kind: "jump", chain: LEAF }, { kind: "goto", chain: LEAF }),
    fc.record({ kind: fc.constant("setMark" as const), value: fc.constantFrom(0, MARKS.accept), mask: fc.constantFrom(MARKS.accept, 0x1e0000) }),
    fc.record({ kind: fc.constant("log" as const), prefix: fc.string({ maxLength: 40 }) }),
  );
  return fc.record({
    // At most one -i, -o per rule (an IR invariant iptables imposes); addresses may repeat.
    matches: fc
      .tuple(l4, fc.uniqueArray(fc.oneof(...common), { maxLength: 5, selector: (m) => (m.kind === "iface" ? `${m.kind}:${m.dir}` : JSON.stringify(m)) }))
      .map(([a, b]) => [...a, ...b]),
    action,
    comments: fc.array(fc.string({ unit: "grapheme", maxLength: 300 }), { maxLength: 2 }),
  });
}

/** The sample IR with one more chain holding `rules` in the given family's filter table. */
function irWith(family: Family, rules: Rule[]): Ir {
  const ir = sampleIr();
  const fam = family === 4 ? ir.v4 : ir.v6;
  const tables = fam.tables.map((t) =>
    t.name === "filter" ? { ...t, hooks: [], chains: [...t.chains, { name: CHAIN, rules }] } : { ...t, hooks: [] },
  );
  return { ...ir, [family === 4 ? "v4" : "v6"]: { ...fam, tables } };
}

describe.skipIf(!kernelAvailable())(SUITE, () => {
  let ns = "";
  beforeAll(() => {
    ns = createNetns();
    runInNetnsOk(ns, ["ipset", "restore"], renderIptables(sampleIr())[0]?.contents ?? "");
  });
  afterAll(() => {
    if (ns !== "") destroyNetns(ns);
  });

  for (const family of [4, 6] as const) {
    it(`IPv${family}: every random rule loads and reads back in order`, () => {
      const fam = family === 4 ? sampleIr().v4 : sampleIr().v6;
      const setIds = {
        net: fam.sets.filter((s) => s.type === "net").map((s) => s.id),
        addrPort: fam.sets.filter((s) => s.type === "addrPort").map((s) => s.id),
      };
      const [restore, save] = family === 4 ? ["iptables-restore", "iptables-save"] : ["ip6tables-restore", "ip6tables-save"];
      fc.assert(
        fc.property(fc.array(ruleArb(family, setIds), { minLength: 1, maxLength: 8 }), (rules) => {
          const text = renderIptables(irWith(family, rules))[family === 4 ? 1 : 2]?.contents ?? "";
          const name = iptablesChainName(CHAIN);
          const ours = text.split("\n").filter((l) => l.startsWith(`-A ${name} `));
          runInNetnsOk(ns, [restore ?? "", "--noflush"], text);
          const loaded = runInNetnsOk(ns, [save ?? "", "-t", "filter"]).split("\n").filter((l) => l.startsWith(`-A ${name} `));
          const hash = (l: string): string => /cali:([\w-]{16})/.exec(l)?.[1] ?? "";
          expect(loaded.map(hash)).toEqual(ours.map(hash));
          // One line per IR rule, or more for a rule whose positive port list was split.
          expect(ours.length).toBeGreaterThanOrEqual(rules.length);
        }),
        { numRuns: 40 },
      );
    });
  }
});
