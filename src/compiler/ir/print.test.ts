import { describe, expect, it } from "vitest";
import { printIr, printMatch, printRule } from "./print.js";
import { irOf, netSet, r } from "../testing/irBuilders.js";

describe("IR printer", () => {
  it("prints one rule per line with matches and comments", () => {
    expect(printRule(r([{ kind: "mark", value: 0, mask: 0x20000, negate: false }], { kind: "jump", chain: "cali-pi-np/ns/foo" }, "comment"))).toBe(
      "-> jump cali-pi-np/ns/foo  if mark&0x20000==0x0  # comment",
    );
    expect(printMatch({ kind: "addrPortSet", dir: "dst", set: "n:x", negate: true })).toBe("dst,dstport !in n:x");
    expect(printMatch({ kind: "icmp", type: 8, code: 0, negate: false })).toBe("icmp 8/0");
    expect(printMatch({ kind: "iface", dir: "in", name: "cali", prefix: true, negate: true })).toBe("!iif cali+");
  });

  it("prints the whole IR deterministically", () => {
    const ir = irOf([{ name: "root", rules: [r([{ kind: "set", dir: "src", set: "s:x", negate: false }], { kind: "setMark", value: 0x10000, mask: 0x10000 })] }], [netSet("s:x", ["10.0.0.1/32"])]);
    expect(printIr(ir)).toBe(`marks accept=0x10000 pass=0x20000 drop=0x40000 scratch0=0x80000 scratch1=0x100000
family ipv4
  set s:x net
    10.0.0.1/32
  table filter
    hook FORWARD insert -> root
    chain root
      -> setMark 0x10000/0x10000  if src in s:x
family ipv6
`);
  });
});
