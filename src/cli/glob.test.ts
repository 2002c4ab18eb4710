import { describe, expect, it } from "vitest";
import { globMatcher } from "./glob.js";

describe("globMatcher", () => {
  it("matches a name without a slash in any directory", () => {
    const m = globMatcher("values*.yaml");
    expect(m("chart/values.yaml")).toBe(true);
    expect(m("values-prod.yaml")).toBe(true);
    expect(m("chart/templates/x.yaml")).toBe(false);
  });
  it("anchors a pattern with a slash, with * inside a segment and ** across", () => {
    expect(globMatcher("deploy/*.yaml")("deploy/a.yaml")).toBe(true);
    expect(globMatcher("deploy/*.yaml")("deploy/sub/a.yaml")).toBe(false);
    expect(globMatcher("deploy/**/*.yaml")("deploy/sub/x/a.yaml")).toBe(true);
    expect(globMatcher("deploy/**/*.yaml")("deploy/a.yaml")).toBe(true);
    expect(globMatcher("./deploy/tests")("deploy/tests/a.yaml")).toBe(true);
    expect(globMatcher("a?c.json")("x/abc.json")).toBe(true);
    expect(globMatcher("a.c")("abc")).toBe(false);
  });
});
