import { describe, expect, it } from "vitest";
import { dropNeverMatching } from "./dropNeverMatching.js";
import { irOf, netSet, r, v4Text } from "../testing/irBuilders.js";

describe("dropNeverMatching", () => {
  it("drops rules with empty positive sets or contradictory protocols and removes always-true negations", () => {
    const ir = irOf(
      [
        {
          name: "root",
          rules: [
            r([{ kind: "set", dir: "src", set: "s:empty", negate: false }], { kind: "accept" }, "Policy x ingress"),
            r([{ kind: "protocol", protocol: 6, negate: false }, { kind: "protocol", protocol: 17, negate: false }]),
            r([{ kind: "protocol", protocol: 6, negate: false }, { kind: "protocol", protocol: 6, negate: true }]),
            r([{ kind: "set", dir: "dst", set: "s:empty", negate: true }, { kind: "set", dir: "src", set: "s:full", negate: false }], { kind: "drop" }),
          ],
        },
        { name: "other", rules: [r([{ kind: "addr", dir: "src", cidrs: [], negate: false }], { kind: "accept" }, "Policy y egress")] },
      ],
      [netSet("s:empty", []), netSet("s:full", ["10.0.0.1/32"])],
    );
    expect(v4Text(dropNeverMatching(ir))).toBe(`  set s:empty net
  set s:full net
    10.0.0.1/32
  table filter
    hook FORWARD insert -> root
    chain root
      -> drop  if src in s:full  # Policy x ingress
    chain other
      -> none  # Policy y egress
`);
  });
});
