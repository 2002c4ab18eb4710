import { describe, expect, it } from "vitest";
import { splitPorts } from "./splitPorts.js";
import { irOf, r, v4Text } from "../testing/irBuilders.js";
import type { PortRange } from "../ir/types.js";

const singles = (n: number, from = 1): PortRange[] => Array.from({ length: n }, (_, i) => ({ first: from + 2 * i, last: from + 2 * i }));

describe("splitPorts", () => {
  it("copies a rule per 15-slot chunk of a positive list (a range costs 2 slots)", () => {
    const ir = irOf([{ name: "root", rules: [r([{ kind: "protocol", protocol: 6, negate: false }, { kind: "ports", dir: "dst", ranges: [...singles(14), { first: 100, last: 200 }], negate: false }], { kind: "log", prefix: "p" })] }]);
    expect(v4Text(splitPorts(ir))).toBe(`  table filter
    hook FORWARD insert -> root
    chain root
      -> log "p"  if proto 6 dport 1,3,5,7,9,11,13,15,17,19,21,23,25,27
      -> log "p"  if proto 6 dport 100:200
`);
  });

  it("splits a negated list into several negated matches in one rule", () => {
    const ir = irOf([{ name: "root", rules: [r([{ kind: "protocol", protocol: 17, negate: false }, { kind: "ports", dir: "src", ranges: singles(16), negate: true }])] }]);
    expect(v4Text(splitPorts(ir))).toContain("-> accept  if proto 17 !sport 1,3,5,7,9,11,13,15,17,19,21,23,25,27,29 !sport 31\n");
  });

  it("leaves lists that fit alone", () => {
    const ir = irOf([{ name: "root", rules: [r([{ kind: "ports", dir: "dst", ranges: singles(15), negate: false }])] }]);
    expect(splitPorts(ir).v4.tables[0]!.chains[0]!.rules).toHaveLength(1);
  });
});
