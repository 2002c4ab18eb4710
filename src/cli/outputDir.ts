/**
 * Writing `--out DIR`: the directory is created component by component (Node's recursive mkdir
 * never returns on a path under /proc, where mkdir fails with ENOENT for an existing parent), and
 * every problem is one line naming the path, never a stack trace. Files are written under
 * temporary names and renamed only when all were written, so a failure never leaves a mix of old
 * and new outputs.
 */
import { mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CommandError } from "./usageError.js";


function reason(e: unknown): string {
  const code = (e as { code?: unknown }).code;
  switch (code) {
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EROFS":
      return "read-only file system";
    case "ENOSPC":
      return "no space left on the device";
    case "ENOTDIR":
      return "a component of the path is a file";
    case "ENOENT":
      return "cannot be created there";
    default:
      return e instanceof Error ? e.message : String(e);
  }
}

/** Makes sure `dir` is a directory, creating what is missing one level at a time. */
export function ensureDirectory(dir: string): void {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    let stats;
    try {
      stats = statSync(at);
    } catch (e) {
      if ((e as { code?: unknown }).code !== "ENOENT") throw new CommandError(`--out ${dir}: ${reason(e)}`);
      const parent = dirname(at);
      if (parent === at) throw new CommandError(`--out ${dir}: cannot be created`);
      missing.unshift(at);
      at = parent;
      continue;
    }
    if (!stats.isDirectory()) throw new CommandError(`--out ${dir}: ${at === resolve(dir) ? "is a file, not a directory" : `${at} is a file`}`);
    break;
  }
  for (const m of missing) {
    try {
      mkdirSync(m);
    } catch (e) {
      throw new CommandError(`--out ${dir}: ${reason(e)}`);
    }
  }
}

/** Writes every file into `dir` atomically as a set (see the file comment). */
export function writeFilesAtomically(dir: string, files: readonly { readonly path: string; readonly contents: string }[]): void {
  ensureDirectory(dir);
  const temps: { temp: string; final: string }[] = [];
  try {
    for (const f of files) {
      const temp = join(dir, `.${f.path}.tmp-${process.pid}`);
      writeFileSync(temp, f.contents);
      temps.push({ temp, final: join(dir, f.path) });
    }
    for (const { temp, final } of temps) renameSync(temp, final);
  } catch (e) {
    for (const { temp } of temps) rmSync(temp, { force: true });
    throw new CommandError(`--out ${dir}: ${reason(e)}`);
  }
}
