import { describe, expect, it } from "vitest";
import { worthRereading } from "./kernelView.js";

describe("worthRereading", () => {
  it("retries from a whole read only a plan made from a remembered view", () => {
    expect(worthRereading("read")).toBe(false);
    expect(worthRereading("empty")).toBe(false);
    expect(worthRereading("cache")).toBe(true);
    expect(worthRereading("ledger")).toBe(true);
  });
});
