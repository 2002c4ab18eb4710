import { describe, expect, it } from "vitest";
import { mergePortRanges } from "./mergePortRanges.js";
import { irOf, r, v4Text } from "../testing/irBuilders.js";

describe("mergePortRanges", () => {
  it("sorts and merges overlapping and adjacent ranges", () => {
    const ir = irOf([
      {
        name: "root",
        rules: [r([{ kind: "protocol", protocol: 6, negate: false }, { kind: "ports", dir: "dst", ranges: [{ first: 82, last: 82 }, { first: 80, last: 81 }, { first: 90, last: 100 }, { first: 95, last: 99 }], negate: false }])],
      },
    ]);
    expect(v4Text(ir)).toContain("dport 82,80:81,90:100,95:99");
    expect(v4Text(mergePortRanges(ir))).toContain("-> accept  if proto 6 dport 80:82,90:100\n");
  });
});
