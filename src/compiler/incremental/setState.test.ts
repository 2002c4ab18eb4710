import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Family, SetType } from "../ir/types.js";
import { aggregateCidrs } from "../passes/cidrMath.js";
import { memberOrder, sortMembers } from "./memberOrder.js";
import { diffMembers, SetState } from "./setState.js";

// Small address spaces, so that members touch, nest and merge often.
const v4 = fc.tuple(fc.integer({ min: 0, max: 31 }), fc.constantFrom(27, 28, 29, 30, 31, 32, 32, 32, 32)).map(([a, p]) => {
  const size = 2 ** (32 - p);
  return `10.0.0.${Math.floor(a / size) * size}/${p}`;
});
const v6 = fc.tuple(fc.integer({ min: 0, max: 31 }), fc.constantFrom(123, 125, 126, 127, 128, 128, 128)).map(([a, p]) => {
  const size = 2 ** (128 - p);
  const low = Math.floor(a / size) * size;
  return `fd00::${low === 0 ? "" : low.toString(16)}/${p}`.replace("fd00::/", "fd00::/");
});
const addrPort4 = fc.tuple(fc.integer({ min: 0, max: 12 }), fc.constantFrom("tcp:80", "tcp:8080", "udp:53")).map(([a, s]) => `10.0.0.${a},${s}`);

/** The full compile's list: distinct members in the set's order, aggregated for `net` sets when optimized. */
function reference(members: readonly string[], type: SetType, family: Family, aggregated: boolean): readonly string[] {
  const distinct = sortMembers([...new Set(members)], memberOrder(type, family, false));
  return aggregated && type === "net" ? aggregateCidrs(distinct) : distinct;
}

const op = <T>(member: fc.Arbitrary<T>) => fc.record({ member, count: fc.constantFrom(1, 1, 1, -1, -1, 2) });

function check(type: SetType, family: Family, member: fc.Arbitrary<string>, batch = 6, runs = 400): void {
  fc.assert(
    fc.property(fc.boolean(), fc.array(fc.array(op(member), { maxLength: batch }), { maxLength: 60 }), (aggregated, batches) => {
      const state = new SetState({ id: "s:x", type, family, comment: "" }, aggregated);
      const counts = new Map<string, number>();
      const history: { ir: typeof state.ir; members: readonly string[] }[] = [];
      batches.forEach((batch, step) => {
        const beforeIr = state.ir;
        for (const { member: m, count } of batch) {
          // Never below zero, as the compiler never removes what it did not add.
          const c = Math.max(-(counts.get(m) ?? 0), count);
          counts.set(m, (counts.get(m) ?? 0) + c);
          state.change(m, c);
        }
        const changed = state.flush();
        const live = [...counts].flatMap(([m, n]) => (n > 0 ? [m] : []));
        const want = reference(live, type, family, aggregated);
        history.push({ ir: state.ir, members: want });
        expect(changed).toBe(state.ir !== beforeIr);
        expect(state.isEmpty).toBe(live.length === 0);
        // Versions are built when read: some now, the others at the end.
        if (step % 3 === 0) {
          expect(state.ir.members).toEqual(want);
          expect(state.lastDelta).toEqual(diffMembers(history[step - 1]?.members ?? [], want));
        }
      });
      // Every version stays readable as it was.
      for (const h of history) expect(h.ir.members).toEqual(h.members);
    }),
    { numRuns: runs },
  );
}

describe("SetState", () => {
  it("keeps IPv4 net members as the full compile lists them, aggregated or not", () => check("net", 4, v4));
  it("keeps IPv6 net members as the full compile lists them, aggregated or not", () => check("net", 6, v6));
  it("keeps address-port members in order", () => check("addrPort", 4, addrPort4));
  it("takes many changes at once in one pass", () => {
    check("net", 4, v4, 150, 60);
    check("net", 6, v6, 150, 60);
  });

  it("aggregates its members again after they change in place", () => {
    // Minimal first (every other address), then the gaps fill in: many changes at once.
    const state = new SetState({ id: "s:x", type: "net", family: 4, comment: "" }, true);
    const evens = Array.from({ length: 100 }, (_, i) => `10.0.${i}.0/32`);
    for (const m of evens) state.change(m, 1);
    state.flush();
    expect(state.ir.members).toEqual(evens);
    for (let i = 0; i < 100; i++) state.change(`10.0.${i}.1/32`, 1);
    state.flush();
    expect(state.ir.members).toEqual(Array.from({ length: 100 }, (_, i) => `10.0.${i}.0/31`));
  });

  it("resets to a list, reporting the difference", () => {
    const state = new SetState({ id: "s:x", type: "net", family: 4, comment: "" }, true);
    state.reset(["10.0.0.2/32", "10.0.0.3/32", "10.0.0.9/32", "10.0.0.3/32"]);
    expect(state.ir.members).toEqual(["10.0.0.2/31", "10.0.0.9/32"]);
    state.change("10.0.0.3/32", -1);
    expect(state.flush()).toBe(false);
    state.change("10.0.0.3/32", -1);
    expect(state.flush()).toBe(true);
    expect(state.ir.members).toEqual(["10.0.0.2/32", "10.0.0.9/32"]);
    expect(state.lastDelta).toEqual({ added: ["10.0.0.2/32"], removed: ["10.0.0.2/31"] });
  });
});
