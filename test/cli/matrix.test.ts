/** `policyc matrix` end to end (in-process) on the compile fixtures. */
import { describe, expect, it } from "vitest";
import { expectGoldens } from "../helpers/golden.js";
import { runCli } from "../helpers/runCli.js";
import { normalizeMatrixHtml } from "../helpers/matrixHtml.js";

const CASE = "fixtures/cases/k8s-named-ports";
const SHOP = "fixtures/cases/demo-shop";

describe("policyc matrix", () => {
  it("defaults to the ports the endpoints declare (text)", async () => {
    const r = await runCli(["matrix", "--node", "node-1", CASE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatchInlineSnapshot(`
      "8080/TCP IPv4: row = from, column = to (numbered as the rows); X allowed, . denied
                      1 2 3
      -- namespace web
      1 web/client    - X .
      2 web/server-a  X - X
      3 web/server-b  X X -

      8081/TCP IPv4: row = from, column = to (numbered as the rows); X allowed, . denied
                      1 2 3
      -- namespace web
      1 web/client    - . X
      2 web/server-a  X - X
      3 web/server-b  X . -

      5353/UDP IPv4: row = from, column = to (numbered as the rows); X allowed, . denied
                      1 2 3
      -- namespace web
      1 web/client    - . .
      2 web/server-a  X - X
      3 web/server-b  X X -
      "
    `);
  });

  it("prints JSON in the documented shape", async () => {
    const r = await runCli(["matrix", "--node", "node-1", "--port", "8080/TCP", "--format", "json", CASE]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchInlineSnapshot(`
      {
        "family": 4,
        "ports": [
          {
            "matrix": {
              "web/client": {
                "web/server-a": true,
                "web/server-b": false,
              },
              "web/server-a": {
                "web/client": true,
                "web/server-b": true,
              },
              "web/server-b": {
                "web/client": true,
                "web/server-a": true,
              },
            },
            "port": 8080,
            "protocol": "TCP",
          },
        ],
      }
    `);
  });

  it("prints CSV and Markdown", async () => {
    const csv = await runCli(["matrix", "--node", "node-1", "--port", "8081", "--format", "csv", CASE]);
    expect(csv.stdout).toMatchInlineSnapshot(`
      "port,family,from,to,allowed
      8081/TCP,4,web/client,web/server-a,false
      8081/TCP,4,web/client,web/server-b,true
      8081/TCP,4,web/server-a,web/client,true
      8081/TCP,4,web/server-a,web/server-b,true
      8081/TCP,4,web/server-b,web/client,true
      8081/TCP,4,web/server-b,web/server-a,false
      "
    `);
    const md = await runCli(["matrix", "--node", "node-1", "--port", "ICMP", "--format", "markdown", CASE]);
    expect(md.stdout).toMatchInlineSnapshot(`
      "### ICMP/8/0 (IPv4)

      | from \\ to | web/client | web/server-a | web/server-b |
      |---|:-:|:-:|:-:|
      | **namespace web** | | | |
      | web/client |  | ✗ | ✗ |
      | web/server-a | ✓ |  | ✓ |
      | web/server-b | ✓ | ✗ |  |
      "
    `);
  });

  it("exits 2 on a bad --port or an IPv6-only protocol for IPv4", async () => {
    expect((await runCli(["matrix", "--port", "x/TCP", CASE])).code).toBe(2);
    expect((await runCli(["matrix", "--port", "ICMPv6", CASE])).code).toBe(2);
    expect((await runCli(["matrix", "--format", "xml", CASE])).code).toBe(2);
  });

  it("keeps the endpoints --in-namespace and --selector name, at both ends", async () => {
    const r = await runCli(["matrix", "--port", "9000", "--in-namespace", "shop", "--selector", "app != 'db'", SHOP]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatchInlineSnapshot(`
      "9000/TCP IPv4: row = from, column = to (numbered as the rows); X allowed, . denied
                         1 2
      -- namespace shop
      1 shop/api-0       - .
      2 shop/frontend-0  X -
      "
    `);
    // Namespace lists: repeated or comma-separated, any of them.
    const both = await runCli(["matrix", "--port", "9000", "--format", "csv", "--in-namespace", "monitoring,shop", "--selector", "has(app)", SHOP]);
    const twice = await runCli(["matrix", "--port", "9000", "--format", "csv", "--in-namespace", "monitoring", "--in-namespace", "shop", SHOP]);
    expect(both.stdout).toBe(twice.stdout);
    expect(both.stdout.split("\n")).toHaveLength(1 + 4 * 3 + 1);
  });

  it("filters one end with --from-… and --to-… (the columns are then numbered apart)", async () => {
    const r = await runCli(["matrix", "--port", "9000", "--from-namespace", "monitoring", "--to-selector", "app in {'api', 'db'}", SHOP]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatchInlineSnapshot(`
      "9000/TCP IPv4: row = from, column = to (numbered below); X allowed, . denied
        to 1  shop/api-0
        to 2  shop/db-0
                                 1 2
      -- namespace monitoring
      1 monitoring/prometheus-0  . .
      "
    `);
    const json = JSON.parse((await runCli(["matrix", "--port", "9000", "--format", "json", "--from-selector", "app == 'frontend'", "--to-namespace", "shop", SHOP])).stdout) as {
      ports: { matrix: Record<string, Record<string, boolean>> }[];
    };
    expect(json.ports[0]!.matrix).toEqual({ "shop/frontend-0": { "shop/api-0": true, "shop/db-0": false } });
  });

  it("warns about a filter that matches nothing, and rejects a bad selector (exit 2)", async () => {
    const r = await runCli(["matrix", "--port", "9000", "--in-namespace", "nope", "--to-selector", "app == 'x'", SHOP]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      "policyc matrix: warning: --in-namespace nope: no endpoint is in this namespace\npolicyc matrix: warning: --to-selector app == \"x\": matches no endpoint\n",
    );
    const bad = await runCli(["matrix", "--selector", "app ==", SHOP]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--selector 'app =='");
  });

  it("groups rows by namespace in Markdown", async () => {
    const md = await runCli(["matrix", "--port", "8080", "--format", "markdown", SHOP]);
    expect(md.stdout).toMatchInlineSnapshot(`
      "### 8080/TCP (IPv4)

      | from \\ to | monitoring/prometheus-0 | shop/api-0 | shop/db-0 | shop/frontend-0 |
      |---|:-:|:-:|:-:|:-:|
      | **namespace monitoring** | | | | |
      | monitoring/prometheus-0 |  | ✗ | ✗ | ✓ |
      | **namespace shop** | | | | |
      | shop/api-0 | ✓ |  | ✗ | ✓ |
      | shop/db-0 | ✓ | ✗ |  | ✓ |
      | shop/frontend-0 | ✓ | ✗ | ✗ |  |
      "
    `);
  });

  it("writes Graphviz dot and a self-contained HTML page (goldens)", async () => {
    const dot = await runCli(["matrix", "--format", "dot", SHOP]);
    const html = await runCli(["matrix", "--format", "html", SHOP]);
    expect(dot.stderr + html.stderr).toBe("");
    // Nothing the page loads from elsewhere: no src or href attribute, no url(), no import.
    expect(html.stdout).not.toMatch(/\s(src|href)=|url\(|@import/);
    expectGoldens([
      { path: "test/golden/matrix/demo-shop.dot", actual: dot.stdout },
      { path: "test/golden/matrix/demo-shop.html.txt", actual: normalizeMatrixHtml(html.stdout) },
    ]);
  });

  it("stores each distinct explain path once in the HTML page", async () => {
    const html = await runCli(["matrix", "--format", "html", "--port", "8080", "--port", "9000", SHOP]);
    const data = JSON.parse(/<script type="application\/json" id="policyc-matrix-data">([\s\S]*?)<\/script>/.exec(html.stdout)![1]!) as { paths: string[]; layers: number[][] };
    expect(new Set(data.paths).size).toBe(data.paths.length);
    expect(data.layers).toHaveLength(2);
    expect(data.paths.every((p) => /verdict: (allow|deny)$/.test(p))).toBe(true);
  });
});
