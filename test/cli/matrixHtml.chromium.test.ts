/**
 * `policyc matrix --format html` in real headless Chromium (Debian's `chromium`): the page is
 * loaded from a file, its script draws the heat map, and the DOM after the scripts ran
 * (`--dump-dom`) is checked: the cells of a small fixture with the verdicts `matrix --format json`
 * gives, the hover's explain path (the steps `policyc explain` prints), folding a namespace by a
 * click on its header, and a generated cluster of 500 endpoints (bounds on file size only; times
 * are printed, never asserted). A probe script appended to a copy of the page drives the clicks
 * and the hover and writes what it saw into the DOM. UPDATE_GOLDEN=1 also rewrites the README's
 * screenshot, docs/matrix-demo-shop.png.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateYaml } from "../../bench/generateCluster.js";
import { updateGolden } from "../helpers/golden.js";
import { chromiumPath, dumpDom, matrixHtmlData, screenshot } from "../helpers/matrixHtml.js";
import { runCli } from "../helpers/runCli.js";

const SHOP = "fixtures/cases/demo-shop";
const chromium = chromiumPath();
if (!chromium) {
  const line = "!".repeat(78);
  console.warn(`\n${line}\n!!! CHROMIUM TESTS SKIPPED: matrix --format html\n!!! reason: no chromium (apt-get install chromium, or CHROMIUM=path)\n!!! The HTML matrix was NOT rendered in a browser.\n${line}\n`);
}

/** Cells of the dumped DOM: `[from, to, state]`. */
function cells(dom: string): [string, string, string][] {
  const out: [string, string, string][] = [];
  for (const m of dom.matchAll(/<rect class="cell (\w+)"[^>]*? data-from="([^"]*)" data-to="([^"]*)"/g)) out.push([m[2]!, m[3]!, m[1]!]);
  return out;
}

function unescapeText(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&nbsp;/g, "\u00a0").replace(/&amp;/g, "&");
}

/**
 * A copy of the page with a script that, after the page's own, hovers the cell `from -> to`, then
 * clicks the row header of namespace `fold` (if given), and writes the tooltip and the cells then drawn into
 * `<pre id="probe">` as JSON.
 */
function withProbe(html: string, from: string, to: string, fold?: string): string {
  const probe = `<script>
(function () {
  var out = {};
  var cell = document.querySelector('rect.cell[data-from="${from}"][data-to="${to}"]');
  var b = cell.getBoundingClientRect();
  document.getElementById("matrix").dispatchEvent(new MouseEvent("mousemove", { clientX: b.left + b.width / 2, clientY: b.top + b.height / 2, bubbles: true }));
  out.tip = document.getElementById("tip").textContent;
  out.tipShown = document.getElementById("tip").style.display;
  var data = JSON.parse(document.getElementById("policyc-matrix-data").textContent);
  var fold = ${JSON.stringify(fold ?? null)};
  if (fold !== null) document.querySelector('g.ns-toggle[data-ns="' + data.namespaces.indexOf(fold) + '"]').dispatchEvent(new MouseEvent("click", { bubbles: true }));
  out.folded = Array.prototype.map.call(document.querySelectorAll("rect.cell"), function (r) { return [r.getAttribute("data-from"), r.getAttribute("data-to"), r.getAttribute("class")]; });
  var pre = document.createElement("pre");
  pre.id = "probe";
  pre.style.display = "none";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
</body>`;
  return html.replace(/<\/body>/, probe);
}

/** Chromium starts slowly on a busy machine (the whole suite runs in parallel): generous limits. */
const SLOW = { timeout: 300_000 };

describe.skipIf(!chromium)("matrix --format html in headless Chromium", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "policyc-html-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const profile = (): string => mkdtempSync(join(dir, "profile-"));

  it("draws every cell with the verdict of the matrix, and a screenshot", SLOW, async () => {
    const html = (await runCli(["matrix", "--format", "html", SHOP])).stdout;
    const page = join(dir, "shop.html");
    writeFileSync(page, html);
    const started = performance.now();
    const dom = dumpDom(chromium!, `file://${page}`, profile());
    console.log(`demo-shop: ${html.length} bytes, Chromium load and render ${(performance.now() - started).toFixed(0)} ms`);
    // The first layer is the first declared port; its verdicts from `matrix --format json`.
    const data = matrixHtmlData(html) as { ports: string[] };
    const json = JSON.parse((await runCli(["matrix", "--format", "json", "--port", data.ports[0]!, SHOP])).stdout) as { ports: { matrix: Record<string, Record<string, boolean>> }[] };
    const expected: [string, string, string][] = [];
    const ids = Object.keys(json.ports[0]!.matrix);
    for (const from of ids) for (const to of ids) expected.push([from, to, from === to ? "self" : json.ports[0]!.matrix[from]![to] ? "allow" : "deny"]);
    const drawn = cells(dom).filter(([from, to]) => !from.startsWith("namespace ") && !to.startsWith("namespace "));
    expect(drawn.sort()).toEqual(expected.sort());
    expect(dom).toMatch(/data-rendered="\d+"/);
    expect(dom).toContain(`4 sources × 4 destinations, ${data.ports[0]}`);

    // The screenshot (the README's): port 9000/TCP, the pointer over frontend -> api.
    expect(data.ports[2]).toBe("9000/TCP");
    const hovered = join(dir, "shop-hover.html");
    writeFileSync(hovered, withProbe(html, "shop/frontend-0", "shop/api-0"));
    const png = join(dir, "shop.png");
    screenshot(chromium!, `file://${hovered}#port=2`, png, 960, 660, profile());
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([960, 660]);
    // A blank page compresses to a few hundred bytes; the heat map with its labels does not.
    expect(bytes.length).toBeGreaterThan(8_000);
    console.log(`demo-shop screenshot: ${bytes.length} bytes`);
    if (updateGolden) {
      mkdirSync("docs", { recursive: true });
      copyFileSync(png, "docs/matrix-demo-shop.png");
    }
    expect(statSync("docs/matrix-demo-shop.png").size).toBeLessThan(200_000);
  });

  it("shows the explain path on hover, and folds a namespace on a click", SLOW, async () => {
    const html = (await runCli(["matrix", "--format", "html", "--port", "9000", SHOP])).stdout;
    const page = join(dir, "probe.html");
    writeFileSync(page, withProbe(html, "shop/frontend-0", "shop/api-0", "shop"));
    const dom = dumpDom(chromium!, `file://${page}`, profile());
    const probe = JSON.parse(unescapeText(/<pre id="probe"[^>]*>([\s\S]*?)<\/pre>/.exec(dom)![1]!)) as { tip: string; tipShown: string; folded: [string, string, string][] };
    expect(probe.tipShown).toBe("block");
    expect(probe.tip.split("\n")[0]).toBe("shop/frontend-0 → shop/api-0  9000/TCP");
    // Every step `explain` prints for this flow is in the tooltip.
    const explain = await runCli(["explain", "--from", "shop/frontend-0", "--to", "shop/api-0", "--port", "9000", SHOP]);
    const steps = explain.stdout.split("\n").filter((l) => l.startsWith("  "));
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) expect(probe.tip).toContain(step);
    expect(probe.tip).toContain(`verdict: ${explain.stdout.startsWith("ALLOW") ? "allow" : "deny"}`);
    // Folded: no shop endpoint is a row or a column any more; the namespace is one of each.
    expect(probe.folded.some(([from, to]) => from.startsWith("shop/") || to.startsWith("shop/"))).toBe(false);
    const json = JSON.parse((await runCli(["matrix", "--format", "json", "--port", "9000", SHOP])).stdout) as { ports: { matrix: Record<string, Record<string, boolean>> }[] };
    const m = json.ports[0]!.matrix;
    const shop = Object.keys(m).filter((id) => id.startsWith("shop/"));
    const flows = shop.flatMap((from) => shop.filter((to) => to !== from).map((to) => m[from]![to]!));
    const whole = flows.every((a) => a) ? "allow" : flows.some((a) => a) ? "mixed" : "deny";
    expect(probe.folded).toContainEqual(["namespace shop", "namespace shop", `cell ${whole}`]);
    const toProm = shop.map((from) => m[from]!["monitoring/prometheus-0"]!);
    expect(probe.folded).toContainEqual(["namespace shop", "monitoring/prometheus-0", `cell ${toProm.every((a) => a) ? "allow" : toProm.some((a) => a) ? "mixed" : "deny"}`]);

    // The same fold from the address: #fold=shop.
    const hashed = dumpDom(chromium!, `file://${join(dir, "probe.html")}#fold=monitoring`, profile());
    expect(cells(hashed).some(([from]) => from === "namespace monitoring")).toBe(true);
  });

  it("stays usable with 500 endpoints (file size bounded; times printed)", SLOW, async () => {
    const input = join(dir, "cluster-500.yaml");
    writeFileSync(input, generateYaml({ name: "html-500", namespaces: 10, pods: 500, localPods: 100, policies: 60 }));
    let started = performance.now();
    const r = await runCli(["matrix", "--format", "html", "--port", "80/TCP", "--port", "443/TCP", input]);
    const generateMs = performance.now() - started;
    expect(r.code).toBe(0);
    const data = matrixHtmlData(r.stdout) as { rows: { ids: string[] }; rowClasses: number; paths: string[] };
    expect(data.rows.ids).toHaveLength(500);
    const page = join(dir, "cluster-500.html");
    writeFileSync(page, r.stdout);
    started = performance.now();
    const dom = dumpDom(chromium!, `file://${page}`, profile());
    const loadMs = performance.now() - started;
    const renderMs = /data-render-ms="([\d.]+)"/.exec(dom)?.[1];
    console.log(
      `500 endpoints: ${r.stdout.length} bytes (${data.rowClasses} classes, ${data.paths.length} distinct paths); policyc ${generateMs.toFixed(0)} ms, ` +
        `Chromium load ${loadMs.toFixed(0)} ms, render in page ${renderMs} ms, DOM ${dom.length} bytes`,
    );
    expect(r.stdout.length).toBeLessThan(5_000_000);
    expect(dom).toContain("500 sources × 500 destinations, 80/TCP");
    expect(Number(/data-rendered="(\d+)"/.exec(dom)?.[1])).toBeGreaterThan(0);
    // The DOM stays far below a rectangle per cell (250,000 per layer).
    expect(dom.length).toBeLessThan(30_000_000);
  });
});
