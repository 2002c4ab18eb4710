import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { splitPorts } from "../../compiler/passes/splitPorts.js";
import { normalizeRanges } from "./elements.js";
import type { Match, PortRange, Rule } from "../../compiler/ir/types.js";
import { mergeNegatedPorts, mergePortSplits } from "./mergePortSplits.js";
import { filterTable, rule, v4Ir } from "./testIr.js";

const ports = (dir: "src" | "dst", negate: boolean, ...singles: number[]): Match => ({
  kind: "ports",
  dir,
  negate,
  ranges: singles.map((p): PortRange => ({ first: p, last: p })),
});
const tcp: Match = { kind: "protocol", protocol: 6, negate: false };
const accept: Rule["action"] = { kind: "accept" };

describe("mergePortSplits", () => {
  it("folds the IR's multiport chunks back into one rule", () => {
    const chunks = [ports("dst", false, 1, 2, 3), ports("dst", false, 10, 11), ports("dst", false, 20)];
    const merged = mergePortSplits(chunks.map((m) => rule([tcp, m], accept, ["c"])));
    expect(merged).toEqual([rule([tcp, { kind: "ports", dir: "dst", negate: false, ranges: [{ first: 1, last: 3 }, { first: 10, last: 11 }, { first: 20, last: 20 }] }], accept, ["c"])]);
  });

  it("folds a cross product of two split lists", () => {
    const rules: Rule[] = [];
    for (const s of [1, 2]) for (const d of [80, 81]) rules.push(rule([tcp, ports("src", false, s), ports("dst", false, d)], { kind: "log", prefix: "x" }));
    const merged = mergePortSplits(rules);
    expect(merged).toHaveLength(1);
    expect(merged[0]?.matches).toEqual([tcp, { ...ports("src", false), ranges: [{ first: 1, last: 2 }] }, { ...ports("dst", false), ranges: [{ first: 80, last: 81 }] }]);
  });

  it("never merges overlapping lists, different actions or comments, or non-adjacent rules", () => {
    const overlapping = [rule([tcp, ports("dst", false, 1, 2)], { kind: "log", prefix: "x" }), rule([tcp, ports("dst", false, 2, 3)], { kind: "log", prefix: "x" })];
    expect(mergePortSplits(overlapping)).toEqual(overlapping);
    const actions = [rule([tcp, ports("dst", false, 1)], accept), rule([tcp, ports("dst", false, 2)], { kind: "drop" })];
    expect(mergePortSplits(actions)).toEqual(actions);
    const comments = [rule([tcp, ports("dst", false, 1)], accept, ["a"]), rule([tcp, ports("dst", false, 2)], accept)];
    expect(mergePortSplits(comments)).toEqual(comments);
    const apart = [rule([tcp, ports("dst", false, 1)], accept), rule([], { kind: "drop" }), rule([tcp, ports("dst", false, 2)], accept)];
    expect(mergePortSplits(apart)).toEqual(apart);
    const negated = [rule([tcp, ports("dst", true, 1)], accept), rule([tcp, ports("dst", true, 2)], accept)];
    expect(mergePortSplits(negated)).toEqual(negated);
  });
});

describe("mergeNegatedPorts", () => {
  it("joins the ANDed negated chunks of one direction into one NOR", () => {
    const r = rule([tcp, ports("dst", true, 1, 2), ports("src", true, 7), ports("dst", true, 5)], accept);
    expect(mergeNegatedPorts(r).matches).toEqual([
      tcp,
      { kind: "ports", dir: "dst", negate: true, ranges: [{ first: 1, last: 2 }, { first: 5, last: 5 }] },
      ports("src", true, 7),
    ]);
    const single = rule([tcp, ports("dst", true, 1)], accept);
    expect(mergeNegatedPorts(single)).toBe(single);
  });
});

describe("mergePortSplits after the compiler's splitPorts (property)", () => {
  it("gives back one rule per original rule, matching exactly the original ports", () => {
    const range = fc.tuple(fc.integer({ min: 1, max: 2000 }), fc.integer({ min: 0, max: 3 })).map(([first, len]): PortRange => ({ first, last: first + len }));
    fc.assert(
      fc.property(fc.array(range, { minLength: 1, maxLength: 40 }), fc.array(range, { minLength: 1, maxLength: 40 }), (pos, neg) => {
        const original = rule([tcp, { kind: "ports", dir: "dst", ranges: pos, negate: false }, { kind: "ports", dir: "src", ranges: neg, negate: true }], { kind: "log", prefix: "x" });
        const split = splitPorts(v4Ir([filterTable([{ name: "cali-x", rules: [original] }])]));
        const rules = split.v4.tables[0]?.chains[0]?.rules ?? [];
        const merged = mergePortSplits(rules);
        expect(merged).toHaveLength(1);
        // Rendering normalizes every list (portsExpression); compare what would be rendered.
        const rendered = merged[0]?.matches.map((m) => (m.kind === "ports" ? { ...m, ranges: normalizeRanges(m.ranges) } : m));
        expect(rendered).toEqual([
          tcp,
          { kind: "ports", dir: "dst", ranges: normalizeRanges(pos), negate: false },
          { kind: "ports", dir: "src", ranges: normalizeRanges(neg), negate: true },
        ]);
      }),
    );
  });
});
