import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PreparedMember } from "../semantics/index.js";
import { matrixSelection, namespaceOf, parseSelectorFlag, type EndFilter } from "./matrixSelection.js";
import { UsageError } from "./usageError.js";

const NAMESPACES = ["a", "a-b", "b", undefined] as const;
const APPS = ["web", "api", "db"] as const;

function member(index: number, ns: string | undefined, app: string | undefined): PreparedMember {
  return {
    index,
    kind: ns === undefined ? "V1WorkloadEndpoint" : "Pod",
    id: ns === undefined ? `k8s/w/p${index}` : `${ns}/p${index}`,
    ...(ns !== undefined ? { namespace: ns } : {}),
    labels: app !== undefined ? { app } : {},
    nets: [],
    ports: [],
    profiles: [],
    workload: true,
    local: true,
  };
}

const NONE: EndFilter = { namespaces: [], selectors: [] };

/** Selectors with what each means for the `app` label, written out. */
const SELECTORS: readonly (readonly [string, (app: string | undefined) => boolean])[] = [
  ["app == 'web'", (app) => app === "web"],
  ["has(app)", (app) => app !== undefined],
  ["app != 'db'", (app) => app !== "db"],
  ["all()", () => true],
];

describe("matrixSelection", () => {
  it("keeps exactly the endpoints every filter keeps, grouped by namespace, in id order within one", () => {
    const arbMembers = fc.array(fc.tuple(fc.constantFrom(...NAMESPACES), fc.option(fc.constantFrom(...APPS), { nil: undefined })), { maxLength: 25 });
    const arbFilter = fc.record({
      namespaces: fc.array(fc.subarray(["a", "a-b", "b", ""]), { maxLength: 2 }),
      selectors: fc.array(fc.constantFrom(...SELECTORS), { maxLength: 2 }),
    });
    const toFilter = (f: { namespaces: string[][]; selectors: (typeof SELECTORS)[number][] }): EndFilter => ({
      namespaces: f.namespaces,
      selectors: f.selectors.map(([text]) => parseSelectorFlag("selector", text)),
    });
    fc.assert(
      fc.property(arbMembers, arbFilter, arbFilter, (spec, both, from) => {
        const members = spec.map(([ns, app], i) => member(i, ns, app));
        const sel = matrixSelection(members, toFilter(both), toFilter(from), NONE);
        const keeps = (f: typeof both, m: PreparedMember): boolean =>
          f.namespaces.every((l) => l.includes(namespaceOf(m))) && f.selectors.every(([, holds]) => holds(m.labels.app));
        expect(new Set(sel.rows)).toEqual(new Set(members.filter((m) => keeps(both, m) && keeps(from, m)).map((m) => m.index)));
        expect(new Set(sel.cols)).toEqual(new Set(members.filter((m) => keeps(both, m)).map((m) => m.index)));
        // Groups cover the rows in order, one per namespace, namespaces ascending, "" last.
        const names = sel.rowGroups.map((g) => g.namespace);
        expect(names).toEqual([...new Set(names)]);
        expect(names.filter((n) => n !== "")).toEqual(names.filter((n) => n !== "").sort());
        if (names.includes("")) expect(names[names.length - 1]).toBe("");
        let next = 0;
        for (const g of sel.rowGroups) {
          expect(g.start).toBe(next);
          const inGroup = sel.rows.slice(g.start, g.start + g.count);
          expect(inGroup.every((p) => namespaceOf(members[p]!) === g.namespace)).toBe(true);
          expect(inGroup).toEqual([...inGroup].sort((x, y) => x - y));
          next += g.count;
        }
        expect(next).toBe(sel.rows.length);
        expect(sel.square).toBe(sel.rows.length === sel.cols.length && sel.rows.every((p, i) => sel.cols[i] === p));
      }),
    );
  });

  it("rejects a selector that does not parse", () => {
    expect(() => parseSelectorFlag("selector", "app ==")).toThrow(UsageError);
  });
});
