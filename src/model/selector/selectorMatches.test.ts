import { describe, expect, it } from "vitest";
import type { Labels } from "./index.js";
import { parseSelector, selectorMatches } from "./index.js";

function matches(text: string, labels: Labels): boolean {
  const result = parseSelector(text);
  if (!result.ok) throw new Error(result.diagnostics[0]?.message);
  return selectorMatches(result.selector, labels);
}

describe("selectorMatches: Calico's semantics", () => {
  const labels: Labels = { app: "web", tier: "", env: "production" };
  it.each([
    ['app == "web"', true],
    ['app == "db"', false],
    ['missing == ""', false],
    ['tier == ""', true],
    ['app != "db"', true],
    ['missing != "x"', true],
    ['app in {"web", "db"}', true],
    ["app in {}", false],
    ['missing in {""}', false],
    ['app not in {"db"}', true],
    ['missing not in {"x"}', true],
    ["has(tier)", true],
    ["has(missing)", false],
    ['env contains "duct"', true],
    ['env starts with "prod"', true],
    ['env ends with "tion"', true],
    ['env ends with "Tion"', false],
    ['missing contains ""', false],
    ["all()", true],
    ["global()", true],
    ["!all()", false],
    ["", true],
    ['!app == "web"', false],
    ['app == "web" && env == "dev"', false],
    ['app == "web" || env == "dev"', true],
    ['!(app == "db" || has(missing))', true],
  ])("%j -> %s", (text, expected) => {
    expect(matches(text, labels)).toBe(expected);
  });

  it("ignores inherited object properties", () => {
    expect(matches("has(constructor)", {})).toBe(false);
    expect(matches('toString != "x"', {})).toBe(true);
    expect(matches("has(__proto__)", JSON.parse('{"__proto__": "x"}') as Labels)).toBe(true);
  });

  it("treats and/or without operands as true/false", () => {
    expect(selectorMatches({ kind: "and", operands: [] }, {})).toBe(true);
    expect(selectorMatches({ kind: "or", operands: [] }, {})).toBe(false);
  });
});
