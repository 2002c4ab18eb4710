/**
 * Every pass, and the whole pipeline, preserves each packet's verdict, final mark and log
 * sequence, checked with the IR interpreter on random IRs and random packets.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { interpret } from "../ir/interpret.js";
import type { Packet } from "../ir/interpret.js";
import type { Action, Chain, Ir, IpSet, Match, PortRange, Rule } from "../ir/types.js";
import { irOf } from "../testing/irBuilders.js";
import type { IrPass } from "./index.js";
import { optimizationPasses, requiredPasses, runPasses, runPipeline } from "./index.js";

const CHAINS = 4;
const BITS = [0x10000, 0x20000, 0x40000];
const SETS = ["s:a", "s:b", "s:empty"];

// A small address space (10.0.0.0/28) so that random CIDRs and packets overlap often.
const cidrArb = fc.tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 28, max: 32 })).map(([host, prefix]) => {
  const size = 2 ** (32 - prefix);
  return `10.0.0.${Math.floor(host / size) * size}/${prefix}`;
});
const rangeArb = fc.tuple(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 0, max: 3 })).map(([first, len]): PortRange => ({ first, last: first + len }));
const dirArb = fc.constantFrom("src" as const, "dst" as const);

const matchArb: fc.Arbitrary<Match> = fc.oneof(
  fc.record({ kind: fc.constant("protocol" as const), protocol: fc.constantFrom(6, 17, 1), negate: fc.boolean() }),
  fc.record({ kind: fc.constant("addr" as const), dir: dirArb, cidrs: fc.array(cidrArb, { minLength: 0, maxLength: 5 }), negate: fc.boolean() }),
  fc.record({ kind: fc.constant("set" as const), dir: dirArb, set: fc.constantFrom(...SETS), negate: fc.boolean() }),
  fc.record({ kind: fc.constant("ports" as const), dir: dirArb, ranges: fc.array(rangeArb, { minLength: 0, maxLength: 20 }), negate: fc.boolean() }),
  fc.record({ kind: fc.constant("mark" as const), value: fc.constantFrom(0, ...BITS), mask: fc.constantFrom(...BITS) }).map((m): Match => ({ ...m, value: m.value & m.mask, negate: false })),
);

function actionArb(index: number): fc.Arbitrary<Action> {
  const later = Array.from({ length: CHAINS - index - 1 }, (_, k) => `c${index + 1 + k}`);
  const base: fc.Arbitrary<Action>[] = [
    fc.constant({ kind: "accept" }),
    fc.constant({ kind: "drop" }),
    fc.constant({ kind: "return" }),
    fc.constantFrom(...BITS).map((b): Action => ({ kind: "setMark", value: b, mask: b })),
    fc.constant({ kind: "log", prefix: `l${index}` }),
  ];
  // Only jumps to later chains, so random IRs never loop (netfilter rejects loops anyway).
  if (later.length > 0) {
    base.push(fc.constantFrom(...later).map((chain): Action => ({ kind: "jump", chain })));
    base.push(fc.constantFrom(...later).map((chain): Action => ({ kind: "goto", chain })));
  }
  return fc.oneof(...base);
}

const ruleArb = (index: number): fc.Arbitrary<Rule> =>
  fc.record({ matches: fc.array(matchArb, { maxLength: 3 }), action: actionArb(index), comments: fc.constant([]) });

const setsArb: fc.Arbitrary<IpSet[]> = fc
  .tuple(fc.array(cidrArb, { maxLength: 4 }), fc.array(cidrArb, { maxLength: 4 }))
  .map(([a, b]) => [
    { id: "s:a", type: "net", family: 4, members: [...new Set(a)].sort(), comment: "" },
    { id: "s:b", type: "net", family: 4, members: [...new Set(b)].sort(), comment: "" },
    { id: "s:empty", type: "net", family: 4, members: [], comment: "" },
  ]);

const irArb: fc.Arbitrary<Ir> = fc
  .tuple(fc.tuple(...Array.from({ length: CHAINS }, (_, i) => fc.array(ruleArb(i), { maxLength: 5 }))), setsArb)
  .map(([rules, sets]) => irOf(rules.map((rs, i): Chain => ({ name: `c${i}`, rules: rs })), sets));

const packetArb: fc.Arbitrary<Packet> = fc.record({
  family: fc.constant(4 as const),
  src: fc.integer({ min: 0, max: 17 }).map((h) => `10.0.0.${h}`),
  dst: fc.integer({ min: 0, max: 17 }).map((h) => `10.0.0.${h}`),
  proto: fc.constantFrom(6, 17, 1),
  sport: fc.integer({ min: 1, max: 45 }),
  dport: fc.integer({ min: 1, max: 45 }),
  ctstate: fc.constant("NEW" as const),
  mark: fc.constantFrom(0, ...BITS),
});

function sameBehaviour(pass: IrPass): void {
  fc.assert(
    fc.property(irArb, fc.array(packetArb, { minLength: 5, maxLength: 5 }), (ir, packets) => {
      const after = pass(ir);
      for (const p of packets) expect(interpret(after.v4, "filter", "FORWARD", p)).toEqual(interpret(ir.v4, "filter", "FORWARD", p));
    }),
    { numRuns: 150 },
  );
}

describe("passes preserve verdicts (interpreter property)", () => {
  for (const pass of optimizationPasses) it(pass.name, () => sameBehaviour(pass));
  it("the full pipeline", () => sameBehaviour((ir) => runPasses(ir, optimizationPasses)));
  it("the required pipeline", () => sameBehaviour((ir) => runPasses(ir, requiredPasses)));
});

describe("the fused pipeline", () => {
  it("equals the passes run one after the other, optimized or not", () => {
    fc.assert(
      fc.property(irArb, fc.boolean(), (ir, optimize) => {
        expect(runPipeline(ir, optimize)).toEqual(runPasses(ir, optimize ? optimizationPasses : requiredPasses));
      }),
      { numRuns: 300 },
    );
  });
});
