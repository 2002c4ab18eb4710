import { describe, expect, it } from "vitest";
import { printRule } from "../ir/print.js";
import { dispatchChains } from "./dispatch.js";

describe("dispatch prefix tree", () => {
  it("matches Felix's dispatch_test example (cali11..cali22)", () => {
    const chains = dispatchChains("cali-from-wl-dispatch", ["cali13", "cali11", "cali12", "cali21", "cali22", "cali11"], "in", (i) => `cali-fw-${i}`);
    expect(chains.map((c) => [c.name, c.rules.map(printRule)])).toEqual([
      ["cali-from-wl-dispatch", ["-> goto cali-from-wl-dispatch-1  if iif cali1+", "-> goto cali-from-wl-dispatch-2  if iif cali2+", "-> drop  # Unknown interface"]],
      ["cali-from-wl-dispatch-1", ["-> goto cali-fw-cali11  if iif cali11", "-> goto cali-fw-cali12  if iif cali12", "-> goto cali-fw-cali13  if iif cali13", "-> drop  # Unknown interface"]],
      ["cali-from-wl-dispatch-2", ["-> goto cali-fw-cali21  if iif cali21", "-> goto cali-fw-cali22  if iif cali22", "-> drop  # Unknown interface"]],
    ]);
  });

  it("dispatches singletons from the root and has only the drop with no interfaces", () => {
    expect(dispatchChains("cali-to-wl-dispatch", ["calia", "calib1", "calib2"], "out", (i) => `cali-tw-${i}`)[0]!.rules.map(printRule)).toEqual([
      "-> goto cali-tw-calia  if oif calia",
      "-> goto cali-to-wl-dispatch-b  if oif calib+",
      "-> drop  # Unknown interface",
    ]);
    expect(dispatchChains("cali-to-wl-dispatch", [], "out", (i) => i).map((c) => c.rules.map(printRule))).toEqual([["-> drop  # Unknown interface"]]);
  });
});
