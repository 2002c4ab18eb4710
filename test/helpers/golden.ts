/**
 * Golden-file comparison. A missing or different golden fails the test and writes `<golden>.actual`
 * beside it; only `UPDATE_GOLDEN=1` rewrites goldens. Review golden diffs like code.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createTwoFilesPatch } from "diff";
import { expect } from "vitest";

export const updateGolden = process.env.UPDATE_GOLDEN === "1";

/** Compares `actual` with the golden file at `path` (relative to the repository root). */
export function expectGolden(path: string, actual: string): void {
  const actualPath = `${path}.actual`;
  if (updateGolden) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    rmSync(actualPath, { force: true });
    return;
  }
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(actualPath, actual);
    expect.fail(`golden ${path} is missing; wrote ${actualPath} (run with UPDATE_GOLDEN=1 to accept it)`);
  }
  const expected = readFileSync(path, "utf8");
  if (expected === actual) {
    rmSync(actualPath, { force: true });
    return;
  }
  writeFileSync(actualPath, actual);
  const patch = createTwoFilesPatch(path, actualPath, expected, actual, "golden", "actual");
  expect.fail(`golden ${path} differs; wrote ${actualPath} (UPDATE_GOLDEN=1 accepts it)\n${patch}`);
}
