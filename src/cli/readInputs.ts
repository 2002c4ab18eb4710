import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { error, type Diagnostic } from "../diagnostics/diagnostic.js";
import type { SourceFile } from "../model/yamlTree.js";

export interface ReadInputsResult {
  readonly files: SourceFile[];
  readonly diagnostics: Diagnostic[];
}

export interface ReadInputsOptions {
  /** Called before each file is read, with the files and characters read so far. */
  readonly onProgress?: (progress: { readonly filesRead: number; readonly chars: number }) => void;
}

/** File names a directory walk picks up. */
const inputExtension = /\.(ya?ml|json)$/i;

/**
 * Reads the input paths given on the command line. A file is read as is, whatever its name; a
 * directory is walked recursively for `*.yaml`, `*.yml` and `*.json`, skipping hidden directories
 * and `node_modules`, in path order so that output does not depend on the file system. Paths keep
 * the user's spelling with forward slashes (they name files in diagnostics); a path read twice is
 * read once. A missing or unreadable path gives `file-unreadable` (without a span).
 */
export function readInputs(paths: readonly string[], options: ReadInputsOptions = {}): ReadInputsResult {
  const files: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  let chars = 0;
  const read = (path: string): void => {
    if (seen.has(path)) return;
    seen.add(path);
    options.onProgress?.({ filesRead: files.length, chars });
    try {
      // Bytes, then text: for a file of hundreds of megabytes this is much faster than
      // readFileSync(path, "utf8"), with the same result (byte order marks and bad sequences too).
      const text = readFileSync(path).toString("utf8");
      files.push({ path, text });
      chars += text.length;
    } catch (e) {
      diagnostics.push(unreadable(path, e));
    }
  };
  for (const given of paths) {
    const path = given.replace(/\\/g, "/");
    let isDirectory: boolean;
    try {
      isDirectory = statSync(path).isDirectory();
    } catch (e) {
      diagnostics.push(unreadable(path, e));
      continue;
    }
    if (!isDirectory) {
      read(path);
      continue;
    }
    const found: string[] = [];
    walk(path.length > 1 ? path.replace(/\/+$/, "") : path, found, new Set(), diagnostics);
    found.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const file of found) read(file);
  }
  return { files, diagnostics };
}

/** Collects input files under `dir`; `visited` holds real paths so symlink loops end. */
function walk(dir: string, found: string[], visited: Set<string>, diagnostics: Diagnostic[]): void {
  let entries;
  try {
    const real = realpathSync(dir);
    if (visited.has(real)) return;
    visited.add(real);
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    diagnostics.push(unreadable(dir, e));
    return;
  }
  for (const entry of entries) {
    const path = dir.endsWith("/") ? `${dir}${entry.name}` : `${dir}/${entry.name}`;
    let isDirectory = entry.isDirectory();
    let isFile = entry.isFile();
    if (entry.isSymbolicLink()) {
      try {
        const stats = statSync(path);
        isDirectory = stats.isDirectory();
        isFile = stats.isFile();
      } catch {
        // A dangling link is not an input the user asked for by name; skip it.
        continue;
      }
    }
    if (isDirectory) {
      if (!entry.name.startsWith(".") && entry.name !== "node_modules") walk(path, found, visited, diagnostics);
    } else if (isFile && inputExtension.test(entry.name)) {
      found.push(path);
    }
  }
}

function unreadable(path: string, e: unknown): Diagnostic {
  const code = (e as { code?: unknown }).code;
  const reason =
    code === "ENOENT" ? "no such file or directory" : code === "EACCES" ? "permission denied" : e instanceof Error ? e.message : String(e);
  return error("file-unreadable", `cannot read ${path}: ${reason}`);
}
