import { describe, expect, it } from "vitest";
import { interpret } from "./interpret.js";
import type { Packet } from "./interpret.js";
import { irOf, r } from "../testing/irBuilders.js";

const packet: Packet = { family: 4, src: "10.0.0.1", dst: "10.0.0.2", proto: 6, sport: 1000, dport: 80, ctstate: "NEW", mark: 0 };

describe("IR interpreter", () => {
  it("returns from a jumped chain to the caller's next rule, but a goto does not come back", () => {
    const ir = irOf([
      { name: "root", rules: [r([], { kind: "jump", chain: "a" }), r([{ kind: "mark", value: 0x10000, mask: 0x10000, negate: false }], { kind: "accept" }), r([], { kind: "drop" })] },
      { name: "a", rules: [r([], { kind: "goto", chain: "b" }), r([], { kind: "drop" })] },
      { name: "b", rules: [r([], { kind: "setMark", value: 0x10000, mask: 0x10000 }), r([], { kind: "return" }), r([], { kind: "drop" })] },
    ]);
    expect(interpret(ir.v4, "filter", "FORWARD", packet)).toEqual({ verdict: "accept", mark: 0x10000, logs: [] });
  });

  it("applies the base chain policy (accept) when our chain returns", () => {
    const ir = irOf([{ name: "root", rules: [r([{ kind: "ports", dir: "dst", ranges: [{ first: 1, last: 79 }], negate: false }], { kind: "drop" }), r([], { kind: "log", prefix: "x" })] }]);
    expect(interpret(ir.v4, "filter", "FORWARD", packet)).toEqual({ verdict: "accept", mark: 0, logs: ["x"] });
    expect(interpret(ir.v4, "filter", "INPUT", packet).logs).toEqual([]);
  });

  it("matches ports only for protocols that have ports, even when negated", () => {
    const ir = irOf([{ name: "root", rules: [r([{ kind: "ports", dir: "dst", ranges: [{ first: 1, last: 2 }], negate: true }], { kind: "drop" })] }]);
    expect(interpret(ir.v4, "filter", "FORWARD", packet).verdict).toBe("drop");
    expect(interpret(ir.v4, "filter", "FORWARD", { ...packet, proto: 1 }).verdict).toBe("accept");
  });
});
