import { describe, expect, it } from "vitest";
import { dropUnreferencedChains, dropUnusedSets } from "./dropUnreferenced.js";
import { irOf, netSet, r, v4Text } from "../testing/irBuilders.js";

describe("dropUnreferencedChains / dropUnusedSets", () => {
  it("keeps chains reachable from hooks (through jumps and gotos) and sets still used", () => {
    const ir = irOf(
      [
        { name: "root", rules: [r([], { kind: "jump", chain: "a" })] },
        { name: "a", rules: [r([{ kind: "set", dir: "src", set: "s:used", negate: false }], { kind: "goto", chain: "b" })] },
        { name: "b", rules: [r([])] },
        { name: "orphan", rules: [r([{ kind: "set", dir: "src", set: "s:orphan", negate: false }], { kind: "jump", chain: "b" })] },
      ],
      [netSet("s:orphan", ["10.0.0.2/32"]), netSet("s:used", ["10.0.0.1/32"])],
    );
    expect(v4Text(dropUnusedSets(dropUnreferencedChains(ir)))).toBe(`  set s:used net
    10.0.0.1/32
  table filter
    hook FORWARD insert -> root
    chain root
      -> jump a
    chain a
      -> goto b  if src in s:used
    chain b
      -> accept
`);
  });
});
