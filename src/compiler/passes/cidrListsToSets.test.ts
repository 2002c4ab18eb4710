import { describe, expect, it } from "vitest";
import { cidrListsToSets } from "./cidrListsToSets.js";
import { irOf, r, v4Text } from "../testing/irBuilders.js";

describe("cidrListsToSets", () => {
  it("moves multi-CIDR addr matches into shared anonymous net sets, keeping negation", () => {
    const cidrs = ["10.0.0.0/24", "10.2.0.0/16"];
    const ir = irOf([
      {
        name: "root",
        rules: [
          r([{ kind: "addr", dir: "src", cidrs, negate: false }]),
          r([{ kind: "addr", dir: "dst", cidrs: [...cidrs].reverse(), negate: true }, { kind: "addr", dir: "src", cidrs: ["10.9.0.0/16"], negate: false }]),
        ],
      },
    ]);
    const text = v4Text(cidrListsToSets(ir));
    const id = /set (a:\S+) net/.exec(text)?.[1];
    expect(id).toBeDefined();
    expect(text).toBe(`  set ${id} net  # anonymous: 10.0.0.0/24 10.2.0.0/16
    10.0.0.0/24
    10.2.0.0/16
  table filter
    hook FORWARD insert -> root
    chain root
      -> accept  if src in ${id}
      -> accept  if dst !in ${id} src 10.9.0.0/16
`);
  });
});
