/**
 * Helpers for `policyc matrix --format html` pages: the normalized form kept as a golden (the
 * markup and the data block, pretty-printed; the style and the script, which are the same for
 * every page, reduced to their size), and Chromium, to render a page for real.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

const DATA = /(<script type="application\/json" id="policyc-matrix-data">)([\s\S]*?)(<\/script>)/;

/** Arrays of numbers on one line each. */
function compactNumbers(json: string): string {
  return json.replace(/\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]/g, (_, list: string) => `[${list.replace(/\s+/g, "")}]`);
}

/** The page with its data block pretty-printed and the style and script bodies left out. */
export function normalizeMatrixHtml(html: string): string {
  return html
    .replace(DATA, (_, open: string, json: string, close: string) => `${open}\n${compactNumbers(JSON.stringify(JSON.parse(json), null, 1))}\n${close}`)
    .replace(/<style>[\s\S]*?<\/style>/, (s) => `<style>… ${s.length} characters …</style>`)
    .replace(/<script>\n[\s\S]*?<\/script>/, (s) => `<script>… ${s.length} characters …</script>`);
}

/** The page's data block. */
export function matrixHtmlData(html: string): unknown {
  return JSON.parse(DATA.exec(html)![2]!);
}

/** Debian's `chromium` (or `CHROMIUM=path`), if present. */
export function chromiumPath(): string | undefined {
  const candidates = [process.env.CHROMIUM, "/usr/bin/chromium", "/usr/bin/chromium-browser"].filter((p): p is string => p !== undefined);
  return candidates.find((p) => existsSync(p) && spawnSync(p, ["--version"], { encoding: "utf8" }).status === 0);
}

/** Flags for a headless run as root in a container: no sandbox, no GPU, no first-run work. */
const HEADLESS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--hide-scrollbars", "--mute-audio"];

/** The DOM of `url` after its scripts ran (`--dump-dom`). */
export function dumpDom(chromium: string, url: string, userDataDir: string): string {
  return execFileSync(chromium, [...HEADLESS, `--user-data-dir=${userDataDir}`, "--virtual-time-budget=5000", "--dump-dom", url], {
    encoding: "utf8",
    maxBuffer: 512 * 1024 * 1024,
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
}

/** A PNG screenshot of `url` at `width`×`height` into `png`. */
export function screenshot(chromium: string, url: string, png: string, width: number, height: number, userDataDir: string): void {
  execFileSync(chromium, [...HEADLESS, `--user-data-dir=${userDataDir}`, "--virtual-time-budget=5000", `--window-size=${width},${height}`, `--screenshot=${png}`, url], {
    stdio: ["ignore", "pipe", "pipe"],
    timeout: 120_000,
  });
}
