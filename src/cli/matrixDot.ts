/**
 * `writeMatrixDot`: the matrix as a Graphviz digraph. Nodes are the endpoints, in one cluster per
 * namespace; an edge from a source to a destination carries the ports on which that connection is
 * allowed (denied pairs have no edge). Written a source at a time.
 */
import type { CompactMatrix } from "../semantics/index.js";
import type { MatrixSelection } from "./matrixSelection.js";

/** A DOT quoted string (ids hold `/`, `#` and dots, so every id is quoted). */
function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

export function writeMatrixDot(m: CompactMatrix, ports: readonly string[], selection: MatrixSelection, out: (text: string) => void): void {
  out(`digraph policyc_matrix {\n  label=${quote(`policyc matrix (IPv${m.family}): an edge is a connection allowed on its ports`)};\n`);
  out(`  labelloc=t;\n  rankdir=LR;\n  node [shape=box, style=rounded, fontname="Helvetica"];\n  edge [fontname="Helvetica", fontsize=10];\n`);
  // Every endpoint that is a row or a column, in its namespace's cluster.
  const shown = [...new Set([...selection.rows, ...selection.cols])].sort((a, b) => a - b);
  const byNamespace = new Map<string, number[]>();
  for (const p of shown) {
    const ns = m.members[p]!.namespace ?? "";
    let list = byNamespace.get(ns);
    if (!list) byNamespace.set(ns, (list = []));
    list.push(p);
  }
  [...byNamespace.keys()].sort().forEach((ns, i) => {
    const nodes = byNamespace.get(ns)!.map((p) => `    ${quote(m.endpoints[p]!)};\n`);
    if (ns === "") out(nodes.join(""));
    else out(`  subgraph ${quote(`cluster_${i}`)} {\n    label=${quote(`namespace ${ns}`)};\n    style=rounded;\n    color="#8899aa";\n${nodes.join("")}  }\n`);
  });
  for (const from of selection.rows) {
    const allowed = m.ports.map((p) => p.row(from));
    const edges: string[] = [];
    for (const to of selection.cols) {
      if (to === from) continue;
      const on = ports.filter((_, k) => allowed[k]![to] === 1);
      if (on.length > 0) edges.push(`  ${quote(m.endpoints[from]!)} -> ${quote(m.endpoints[to]!)} [label=${quote(on.join(", "))}];\n`);
    }
    out(edges.join(""));
  }
  out("}\n");
}
