import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { matchHolds, type Packet } from "../../compiler/ir/interpret.js";
import type { Match, PortRange, Rule } from "../../compiler/ir/types.js";
import { MAX_MULTIPORT_SLOTS } from "./limits.js";
import { multiportSlots, splitForMultiport, splitPortList } from "./multiport.js";

const singles = (n: number, from = 1): PortRange[] => Array.from({ length: n }, (_, i) => ({ first: from + 2 * i, last: from + 2 * i }));
const tcp: Match = { kind: "protocol", protocol: 6, negate: false };
const ports = (ranges: PortRange[], negate = false, dir: "src" | "dst" = "dst"): Match => ({ kind: "ports", dir, ranges, negate });
const rule = (matches: Match[]): Rule => ({ matches, action: { kind: "log", prefix: "p" }, comments: ["c"] });

describe("splitPortList (Felix's SplitPortList)", () => {
  it("starts a new chunk when the next item does not fit; a range costs two slots", () => {
    expect(splitPortList([...singles(14), { first: 100, last: 200 }])).toEqual([singles(14), [{ first: 100, last: 200 }]]);
    expect(splitPortList(singles(15))).toEqual([singles(15)]);
    expect(splitPortList(singles(16))).toEqual([singles(15), singles(1, 31)]);
  });
});

describe("splitForMultiport", () => {
  it("copies a rule per chunk of a positive list, keeping the other matches, comments and action", () => {
    const original = rule([tcp, ports([...singles(14), { first: 100, last: 200 }])]);
    expect(splitForMultiport(original)).toEqual([rule([tcp, ports(singles(14))]), rule([tcp, ports([{ first: 100, last: 200 }])])]);
  });

  it("merges a list before splitting it, so the copies are disjoint", () => {
    const overlapping = [...singles(16), { first: 1, last: 3 }];
    const copies = splitForMultiport(rule([tcp, ports(overlapping)]));
    expect(copies.map((c) => c.matches[1])).toEqual([ports([{ first: 1, last: 3 }, ...singles(13, 5)]), ports(singles(1, 31))]);
  });

  it("splits a negated list into several negated matches in one rule, where the list stood", () => {
    const [only, ...rest] = splitForMultiport(rule([tcp, ports(singles(16), true, "src"), { kind: "mark", value: 0, mask: 1, negate: false }]));
    expect(rest).toEqual([]);
    expect(only?.matches).toEqual([tcp, ports(singles(15), true, "src"), ports(singles(1, 31), true, "src"), { kind: "mark", value: 0, mask: 1, negate: false }]);
  });

  it("leaves a rule whose lists fit alone (the same object)", () => {
    const fits = rule([tcp, ports(singles(15))]);
    expect(splitForMultiport(fits)[0]).toBe(fits);
  });

  it("keeps the rule's meaning: every copy fits, and a packet matches one copy exactly when it matched the rule (property)", () => {
    const range = fc.tuple(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 2 })).map(([first, len]): PortRange => ({ first, last: first + len }));
    const portsMatch = fc.record({ kind: fc.constant("ports" as const), dir: fc.constantFrom("src" as const, "dst" as const), ranges: fc.array(range, { minLength: 1, maxLength: 30 }), negate: fc.boolean() });
    const packet = (sport: number, dport: number): Packet => ({ family: 4, src: "10.0.0.1", dst: "10.0.0.2", proto: 6, sport, dport, ctstate: "NEW", mark: 0 });
    const holds = (r: Rule, p: Packet): boolean => r.matches.every((m) => matchHolds(m, p, 0, new Map()));
    fc.assert(
      fc.property(fc.array(portsMatch, { minLength: 1, maxLength: 3 }), fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 90 }), (matches, sport, dport) => {
        const original = rule([tcp, ...matches]);
        const copies = splitForMultiport(original);
        for (const copy of copies) {
          for (const m of copy.matches) if (m.kind === "ports") expect(multiportSlots(m.ranges)).toBeLessThanOrEqual(MAX_MULTIPORT_SLOTS);
        }
        const p = packet(sport, dport);
        const hits = copies.filter((c) => holds(c, p)).length;
        expect(hits).toBe(holds(original, p) ? 1 : 0);
      }),
      { numRuns: 300 },
    );
  });
});
