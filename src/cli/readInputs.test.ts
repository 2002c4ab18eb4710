import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { readInputs } from "./readInputs.js";

let root: string;
/** A path under the temporary directory, as the user would type it. */
const at = (path: string): string => `${root}/${path}`;
/** Paths relative to the temporary directory. */
const rel = (paths: readonly { path: string }[]): string[] => paths.map((f) => f.path.slice(root.length + 1));

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "policyc-read-"));
  mkdirSync(at("in/sub/deeper"), { recursive: true });
  mkdirSync(at("in/.hidden"));
  mkdirSync(at("in/node_modules"));
  writeFileSync(at("in/b.yaml"), "b: 1\n");
  writeFileSync(at("in/a.yml"), "a: 1\n");
  writeFileSync(at("in/c.json"), "{}");
  writeFileSync(at("in/notes.txt"), "not yaml");
  writeFileSync(at("in/sub/z.yaml"), "z: 1\n");
  writeFileSync(at("in/sub/deeper/y.YAML"), "y: 1\n");
  writeFileSync(at("in/.hidden/h.yaml"), "h: 1\n");
  writeFileSync(at("in/node_modules/n.yaml"), "n: 1\n");
  writeFileSync(at("plain.txt"), "kind: Pod\n");
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

describe("readInputs", () => {
  it("walks directories in path order, skipping hidden dirs, node_modules and other files", () => {
    const r = readInputs([at("in/")]);
    expect(r.diagnostics).toEqual([]);
    expect(rel(r.files)).toEqual(["in/a.yml", "in/b.yaml", "in/c.json", "in/sub/deeper/y.YAML", "in/sub/z.yaml"]);
    expect(r.files[1]).toEqual({ path: at("in/b.yaml"), text: "b: 1\n" });
  });

  it("reads a named file whatever its extension, in the order given, once", () => {
    const r = readInputs([at("plain.txt"), at("in/sub"), at("plain.txt")]);
    expect(rel(r.files)).toEqual(["plain.txt", "in/sub/deeper/y.YAML", "in/sub/z.yaml"]);
  });

  it("reports missing paths without a span and keeps going", () => {
    const r = readInputs([at("nope.yaml"), at("in/a.yml")]);
    expect(rel(r.files)).toEqual(["in/a.yml"]);
    expect(r.diagnostics).toEqual([
      { code: "file-unreadable", severity: "error", message: `cannot read ${at("nope.yaml")}: no such file or directory` },
    ]);
  });

  it("reports unreadable files", () => {
    chmodSync(at("in/b.yaml"), 0o000);
    const r = readInputs([at("in/b.yaml")]);
    // Root can read anything; then the file is simply read.
    if (r.files.length === 0) {
      expect(r.diagnostics).toHaveLength(1);
      expect(r.diagnostics[0]).toMatchObject({ code: "file-unreadable", message: expect.stringContaining("in/b.yaml") });
    }
  });

  it("survives symlink loops", () => {
    symlinkSync("..", at("in/sub/loop"));
    const r = readInputs([at("in")]);
    expect(rel(r.files)).toEqual(["in/a.yml", "in/b.yaml", "in/c.json", "in/sub/deeper/y.YAML", "in/sub/z.yaml"]);
  });

  it("uses forward slashes", () => {
    const r = readInputs([`${root}/in\\sub\\z.yaml`]);
    // On POSIX a backslash is a valid name character; the path becomes in/sub/z.yaml.
    expect(rel(r.files)).toEqual(["in/sub/z.yaml"]);
  });
});
