/** `policyc matrix` end to end (in-process) on the compile fixtures. */
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/runCli.js";

const CASE = "fixtures/cases/k8s-named-ports";

describe("policyc matrix", () => {
  it("defaults to the ports the endpoints declare (text)", async () => {
    const r = await runCli(["matrix", "--node", "node-1", CASE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatchInlineSnapshot(`
      "8080/TCP IPv4: row = from, column = to (numbered as the rows); X allowed, . denied
                      1 2 3
      1 web/client    - X .
      2 web/server-a  X - X
      3 web/server-b  X X -

      8081/TCP IPv4: row = from, column = to (numbered as the rows); X allowed, . denied
                      1 2 3
      1 web/client    - . X
      2 web/server-a  X - X
      3 web/server-b  X . -

      5353/UDP IPv4: row = from, column = to (numbered as the rows); X allowed, . denied
                      1 2 3
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
});
