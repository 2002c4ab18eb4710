import { describe, expect, it } from "vitest";
import { progressLine, terminalProgress, type ProgressState } from "./progress.js";

const loading: ProgressState = { phase: "loading", filesDone: 1, files: 3, charsDone: 3 * 2 ** 20, chars: 12 * 2 ** 20, resources: 12345 };

function fakeTerminal(isTTY = true) {
  const written: string[] = [];
  let t = 0;
  const stream = { isTTY, columns: 200, write: (s: string) => written.push(s) };
  return { written, stream, now: () => t, advance: (ms: number) => (t += ms) };
}

describe("the progress line", () => {
  it("says what the front end is doing", () => {
    expect(progressLine(loading)).toBe("policyc: loading 1 of 3 files, 25% of 12 MB, 12,345 resources");
    expect(progressLine({ ...loading, files: 1, filesDone: 0, resources: 1 })).toBe("policyc: loading 25% of 12 MB, 1 resource");
    expect(progressLine({ ...loading, phase: "checking", filesDone: 3, charsDone: loading.chars })).toBe(
      "policyc: checking 3 of 3 files, 100% of 12 MB, 12,345 resources",
    );
    expect(progressLine({ phase: "reading", filesRead: 2, chars: 2 ** 19 })).toBe("policyc: reading 2 files (0.5 MB)");
  });

  it("appears only after two seconds, is redrawn at most every 250 ms, and is erased at the end", () => {
    const term = fakeTerminal();
    const progress = terminalProgress(term.stream, { now: term.now });
    progress.update(loading);
    term.advance(1999);
    progress.update(loading);
    expect(term.written).toEqual([]);
    term.advance(1);
    progress.update(loading);
    term.advance(100);
    progress.update(loading);
    expect(term.written).toEqual([`\r${progressLine(loading)}\x1b[K`]);
    term.advance(150);
    progress.update({ ...loading, resources: 20000 });
    expect(term.written).toHaveLength(2);
    progress.done();
    expect(term.written[2]).toBe("\r\x1b[K");
  });

  it("is cut to the terminal's width", () => {
    const term = fakeTerminal();
    const progress = terminalProgress({ ...term.stream, columns: 30 }, { now: term.now, delayMs: 0 });
    progress.update(loading);
    expect(term.written[0]).toBe(`\r${progressLine(loading).slice(0, 29)}\x1b[K`);
  });

  it("prints nothing when stderr is not a terminal, or when the run is quick", () => {
    const pipe = fakeTerminal(false);
    const progress = terminalProgress(pipe.stream, { now: pipe.now });
    pipe.advance(10_000);
    progress.update(loading);
    progress.done();
    expect(pipe.written).toEqual([]);
    const quick = fakeTerminal();
    const short = terminalProgress(quick.stream, { now: quick.now });
    short.update(loading);
    short.done();
    expect(quick.written).toEqual([]);
  });
});
