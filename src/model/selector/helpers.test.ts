import { describe, expect, it } from "vitest";
import type { Selector } from "./index.js";
import {
  andSelectors,
  compareUtf8,
  mapLabels,
  notSelector,
  parseSelector,
  printSelector,
  selectorId,
  selectorLabels,
  sortedUniqueValues,
} from "./index.js";

function parsed(text: string): Selector {
  const result = parseSelector(text);
  if (!result.ok) throw new Error(result.diagnostics[0]?.message);
  return result.selector;
}

describe("andSelectors", () => {
  it("builds the tree of `(s1) && (s2)`, keeping nested groups", () => {
    const ns = parsed('pcns.nskey == "nsvalue"');
    const sa = andSelectors(parsed('pcsa.key == "value2"'), parsed('projectcalico.org/serviceaccount in {"sa3"}'));
    const combined = andSelectors(ns, sa);
    // Calico's expected output in up/rules_test.go, parsed.
    const calico = parsed('(pcns.nskey == "nsvalue") && ((pcsa.key == "value2") && (projectcalico.org/serviceaccount in {"sa3"}))');
    expect(combined).toEqual(calico);
    expect(selectorId(combined)).toBe(selectorId(calico));
    expect(printSelector(combined)).toBe(
      '(pcns.nskey == "nsvalue" && (pcsa.key == "value2" && projectcalico.org/serviceaccount in {"sa3"}))',
    );
  });
  it("returns a single selector unchanged and all() for none", () => {
    const a = parsed("has(a)");
    expect(andSelectors(a)).toBe(a);
    expect(andSelectors()).toEqual({ kind: "all" });
  });
});

describe("notSelector", () => {
  it("builds the tree of `!(s)`", () => {
    expect(notSelector(parsed("has(a) || has(b)"))).toEqual(parsed("!(has(a) || has(b))"));
    expect(notSelector(parsed("!has(a)"))).toEqual(parsed("!(!has(a))"));
    expect(printSelector(notSelector(parsed("!has(a)")))).toBe("!!has(a)");
  });
});

describe("mapLabels", () => {
  it("renames every label and nothing else", () => {
    const input = parsed('!(a == "a" || has(b)) && c in {"c"} && d contains "d" && all() && global()');
    const before = printSelector(input);
    const out = mapLabels(input, (label) => `pcns.${label}`);
    expect(printSelector(out)).toBe(
      '(!(pcns.a == "a" || has(pcns.b)) && pcns.c in {"c"} && pcns.d contains "d" && all() && global())',
    );
    expect(printSelector(input)).toBe(before);
  });
});

describe("selectorLabels", () => {
  it("lists the label keys once each, sorted", () => {
    expect(selectorLabels(parsed('!(b == "a" || has(a)) && b in {"c"} && all()'))).toEqual(["a", "b"]);
    expect(selectorLabels(parsed(""))).toEqual([]);
  });
});

describe("compareUtf8", () => {
  it("orders by code point", () => {
    expect(["😀", "～", "b", "a", "é"].sort(compareUtf8)).toEqual(["a", "b", "é", "～", "😀"]);
    expect(compareUtf8("ab", "a")).toBeGreaterThan(0);
    expect(compareUtf8("a", "a")).toBe(0);
  });
  it("agrees with comparing UTF-8 bytes", () => {
    const words = ["", "a", "ab", "\u007f", "\u0080", "\u07ff", "\u0800", "\ud7ff", "\ue000", "\uffff", "\u{10000}", "\u{10ffff}"];
    for (const x of words) {
      for (const y of words) {
        expect(Math.sign(compareUtf8(x, y))).toBe(Math.sign(Buffer.compare(Buffer.from(x), Buffer.from(y))));
      }
    }
  });
  it("de-duplicates set values", () => {
    expect(sortedUniqueValues(["z", "z", "x", "y", "x", "a"])).toEqual(["a", "x", "y", "z"]);
  });
});

describe("printSelector on hand-built trees", () => {
  it("sorts and de-duplicates set values", () => {
    expect(printSelector({ kind: "notIn", label: "k", values: ["b", "a", "b"] })).toBe('k not in {"a", "b"}');
  });
  it("prints degenerate and/or consistently with selectorMatches", () => {
    expect(printSelector({ kind: "and", operands: [{ kind: "has", label: "a" }] })).toBe("has(a)");
    expect(printSelector({ kind: "and", operands: [] })).toBe("all()");
    expect(printSelector({ kind: "or", operands: [] })).toBe("!all()");
  });
});
