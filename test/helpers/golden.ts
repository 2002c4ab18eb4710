/**
 * Golden-file comparison. A missing or different golden fails the test and writes `<golden>.actual`
 * beside it; only `UPDATE_GOLDEN=1` rewrites goldens. Review golden diffs like code.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { createTwoFilesPatch } from "diff";
import { expect } from "vitest";

export const updateGolden = process.env.UPDATE_GOLDEN === "1";

/**
 * Compares `actual` with the golden file at `path` (relative to the repository root) and returns
 * a failure message, or undefined when they match (or the golden was rewritten).
 */
export function compareGolden(path: string, actual: string): string | undefined {
  const actualPath = `${path}.actual`;
  if (updateGolden) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    rmSync(actualPath, { force: true });
    return undefined;
  }
  if (!existsSync(path)) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(actualPath, actual);
    return `golden ${path} is missing; wrote ${actualPath} (run with UPDATE_GOLDEN=1 to accept it)`;
  }
  const expected = readFileSync(path, "utf8");
  if (expected === actual) {
    rmSync(actualPath, { force: true });
    return undefined;
  }
  writeFileSync(actualPath, actual);
  const patch = createTwoFilesPatch(path, actualPath, expected, actual, "golden", "actual");
  return `golden ${path} differs; wrote ${actualPath} (UPDATE_GOLDEN=1 accepts it)\n${patch}`;
}

/** Fails the test unless every golden matches; checks all of them first, so every `.actual` is written. */
export function expectGoldens(goldens: readonly { path: string; actual: string }[]): void {
  const failures = goldens.map((g) => compareGolden(g.path, g.actual)).filter((m) => m !== undefined);
  if (failures.length > 0) expect.fail(failures.join("\n\n"));
}

/** Compares one golden file; see `compareGolden`. */
export function expectGolden(path: string, actual: string): void {
  expectGoldens([{ path, actual }]);
}
