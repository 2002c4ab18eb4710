/**
 * The shape of src/apply: the dependency picture of its modules has no cycle (every relative
 * import counts, type-only ones included: a type cycle is still two modules that cannot be
 * understood one without the other), and the test fakes (testing/) are neither imported by the
 * applier nor shipped in dist.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const ROOT = "src/apply";

function modules(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return modules(path);
    return e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") ? [path] : [];
  });
}

/** Module → the modules of src/apply it imports or re-exports (`import type` included). */
function importGraph(root: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of modules(root)) {
    // preProcessFile lists every module specifier of the file: imports, `import type`,
    // `export … from` and dynamic imports.
    const { importedFiles } = ts.preProcessFile(readFileSync(file, "utf8"), true, true);
    const targets = importedFiles
      .map((f) => f.fileName)
      .filter((name) => name.startsWith("."))
      .map((name) => relative(".", resolve(dirname(file), name.replace(/\.js$/, ".ts"))))
      .filter((target) => target.startsWith(`${root}/`));
    graph.set(file, [...new Set(targets)].sort());
  }
  return graph;
}

/** Every cycle's modules, as found by a depth-first walk (one cycle per back edge). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const seen = state.get(next);
      if (seen === "open") found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (seen === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return found;
}

describe("src/apply's imports", () => {
  it("finds a cycle when there is one (the walk itself)", () => {
    const graph = new Map([
      ["a", ["b"]],
      ["b", ["c"]],
      ["c", ["a"]],
      ["d", ["a"]],
    ]);
    expect(cycles(graph)).toEqual([["a", "b", "c", "a"]]);
    expect(cycles(new Map([["a", ["b"]], ["b", []]]))).toEqual([]);
  });

  it("form no cycle, type imports included", () => {
    const graph = importGraph(ROOT);
    expect(graph.size).toBeGreaterThan(20);
    expect(cycles(graph).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("never reach the test fakes from the applier, and the build leaves the fakes out", () => {
    const testing = `${ROOT}/testing/`;
    const uses = [...importGraph(ROOT)].filter(([file]) => !file.startsWith(testing)).flatMap(([file, targets]) => targets.filter((t) => t.startsWith(testing)).map((t) => `${file} -> ${t}`));
    expect(uses).toEqual([]);
    const config = ts.readConfigFile("tsconfig.build.json", (path) => ts.sys.readFile(path));
    const shipped = ts.parseJsonConfigFileContent(config.config, ts.sys, ".").fileNames.map((f) => relative(".", f));
    expect(shipped.filter((f) => f.startsWith(ROOT)).length).toBeGreaterThan(20);
    expect(shipped.filter((f) => f.startsWith(testing) || f.endsWith(".test.ts"))).toEqual([]);
  });
});
