/**
 * `writeMatrixHtml`: the matrix as one self-contained HTML page (no external resource): a heat
 * map drawn as an inline SVG, rows the sources and columns the destinations, one layer per port
 * (a selector switches them), a legend, namespaces that fold on a click, and on hover the path
 * the evaluator took for that flow (explain's wording).
 *
 * The page stores the matrix per pair of equivalence classes (`matrixPaths`), each distinct path
 * text once, and the endpoints with their class: its size grows with the endpoints and the
 * classes, not with the cells. The script (`matrixHtmlScript.ts`) draws the SVG from that.
 */
import type { CompactMatrix } from "../semantics/index.js";
import type { MatrixPaths } from "./matrixPaths.js";
import type { MatrixSelection, NamespaceGroup } from "./matrixSelection.js";
import { MATRIX_HTML_SCRIPT } from "./matrixHtmlScript.js";

/** The page's colours: allowed, denied, a folded namespace with both, an endpoint to itself. */
const STYLE = `
body { font-family: system-ui, sans-serif; margin: 16px; color: #222; }
h1 { font-size: 18px; margin: 0 0 8px; }
#controls { display: flex; gap: 16px; align-items: center; flex-wrap: wrap; margin-bottom: 8px; }
.legend span { display: inline-block; width: 12px; height: 12px; vertical-align: middle; margin: 0 4px 0 10px; border: 1px solid #999; }
.allow { fill: #2a9d8f; background: #2a9d8f; }
.deny { fill: #e76f51; background: #e76f51; }
.mixed { fill: #e9c46a; background: #e9c46a; }
.self { fill: #d9d9d9; background: #d9d9d9; }
.nsband { fill: #eef2f7; }
.ns-toggle { cursor: pointer; }
.ns-toggle:hover .nsband { fill: #dde6f0; }
#cells rect { stroke: #fff; stroke-width: 0.5; }
#status { color: #555; font-size: 13px; }
#tip { position: absolute; display: none; max-width: 640px; white-space: pre-wrap; font: 12px monospace; background: #fffff4; border: 1px solid #888; padding: 6px 8px; box-shadow: 2px 2px 6px rgba(0,0,0,0.2); pointer-events: none; }
`;

/** JSON for a `<script type="application/json">` block: no `<` that could close it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c");
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** The start size of a cell in pixels: large for small matrices, so that big ones fit a screen. */
function cellSize(lines: number): number {
  return Math.max(6, Math.min(28, Math.floor(900 / Math.max(1, lines))));
}

/**
 * Writes the page. `ports` are the layers' names (as `--port` spells them), `paths` the class-level
 * layers for `selection`'s rows and columns.
 */
export function writeMatrixHtml(m: CompactMatrix, ports: readonly string[], selection: MatrixSelection, paths: MatrixPaths, out: (text: string) => void): void {
  const namespaces = [...new Set([...selection.rowGroups, ...selection.colGroups].map((g) => g.namespace))].sort();
  const nsIndex = new Map(namespaces.map((n, i) => [n, i]));
  const axis = (positions: readonly number[], groups: readonly NamespaceGroup[], cls: readonly number[]): unknown => ({
    ids: positions.map((p) => m.endpoints[p]!),
    groups: groups.map((g) => [nsIndex.get(g.namespace)!, g.start, g.count]),
    cls,
  });
  const title = `policyc matrix (IPv${m.family})`;
  out(`<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${escapeHtml(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n`);
  out(`<h1>${escapeHtml(title)}: who may open a connection to whom</h1>\n`);
  out(
    `<div id="controls"><label>Port <select id="port"></select></label>` +
      `<label>Zoom <input id="zoom" type="range" min="3" max="40"></label>` +
      `<span class="legend"><span class="allow"></span>allowed<span class="deny"></span>denied` +
      `<span class="mixed"></span>some allowed (folded namespace)<span class="self"></span>same endpoint</span></div>\n`,
  );
  out(`<p id="status"></p>\n<p style="font-size:13px;color:#555">Rows are sources, columns destinations. Click a namespace to fold it; hover a cell for the path that decided it.</p>\n`);
  out(`<div id="matrix"></div>\n<div id="tip"></div>\n`);
  // The data: small parts first, then each layer and the path texts (their size is the classes').
  out(`<script type="application/json" id="policyc-matrix-data">{"family":${m.family},"ports":${scriptJson(ports)},"namespaces":${scriptJson(namespaces)},`);
  out(`"cell":${cellSize(Math.max(selection.rows.length + selection.rowGroups.length, selection.cols.length + selection.colGroups.length))},`);
  out(`"rows":${scriptJson(axis(selection.rows, selection.rowGroups, paths.rowClass))},\n"cols":${scriptJson(axis(selection.cols, selection.colGroups, paths.colClass))},\n`);
  out(`"rowClasses":${paths.rowClasses},"colClasses":${paths.colClasses},\n"layers":[`);
  paths.layers.forEach((layer, i) => out(`${i > 0 ? ",\n" : ""}[${layer.join(",")}]`));
  out(`],\n"paths":[`);
  paths.paths.forEach((p, i) => out(`${i > 0 ? ",\n" : ""}${scriptJson(p)}`));
  out(`]}</script>\n<script>\n${MATRIX_HTML_SCRIPT}</script>\n</body>\n</html>\n`);
}
