import { describe, expect, it } from "vitest";
import { mapLimit } from "./mapLimit.js";

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

describe("mapLimit", () => {
  it("keeps item order and never has more than the limit in flight", async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (x) => {
      most = Math.max(most, ++inFlight);
      for (let i = 0; i < x; i++) await tick();
      inFlight--;
      return x * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(most).toBe(2);
  });

  it("stops starting calls after a failure and throws it once the others settled", async () => {
    const started: number[] = [];
    let settled = 0;
    const run = mapLimit([0, 1, 2, 3, 4, 5], 2, async (x) => {
      started.push(x);
      await tick();
      settled++;
      if (x === 1) throw new Error("boom");
      return x;
    });
    await expect(run).rejects.toThrow("boom");
    expect(started).toEqual([0, 1, 2]);
    expect(settled).toBe(started.length);
  });

  it("handles no items", async () => {
    expect(await mapLimit([], 4, async () => 1)).toEqual([]);
  });
});
