import { describe, expect, it } from "vitest";
import { aggregateCidrs } from "./aggregateCidrs.js";
import { aggregateCidrs as aggregate } from "./cidrMath.js";
import { irOf, netSet, r, v4Text } from "../testing/irBuilders.js";

describe("aggregateCidrs", () => {
  it("merges adjacent and contained prefixes in addr matches and net sets", () => {
    const before = irOf(
      [{ name: "root", rules: [r([{ kind: "addr", dir: "src", cidrs: ["10.0.0.128/25", "10.0.0.0/25", "10.0.0.5/32"], negate: false }])] }],
      [netSet("s:x", ["10.1.0.2/32", "10.1.0.3/32", "10.1.0.9/32"])],
    );
    expect(v4Text(before)).toBe(`  set s:x net
    10.1.0.2/32
    10.1.0.3/32
    10.1.0.9/32
  table filter
    hook FORWARD insert -> root
    chain root
      -> accept  if src 10.0.0.128/25,10.0.0.0/25,10.0.0.5/32
`);
    expect(v4Text(aggregateCidrs(before))).toBe(`  set s:x net
    10.1.0.2/31
    10.1.0.9/32
  table filter
    hook FORWARD insert -> root
    chain root
      -> accept  if src 10.0.0.0/24
`);
  });

  it("computes minimal covers and keeps minimal lists as they are", () => {
    expect(aggregate(["10.0.0.1/32", "10.0.0.2/31", "10.0.0.0/32"])).toEqual(["10.0.0.0/30"]);
    expect(aggregate(["10.0.0.1/32", "10.0.0.2/32"])).toEqual(["10.0.0.1/32", "10.0.0.2/32"]);
    const minimal = ["10.0.0.1/32", "10.0.0.4/30"];
    expect(aggregate(minimal)).toBe(minimal);
    expect(aggregate(["fd00::/65", "fd00:0:0:0:8000::/65", "fd00::1/128"])).toEqual(["fd00::/64"]);
  });
});
