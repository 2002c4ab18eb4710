/** `policyc explain` end to end (in-process) on the compile fixtures. */
import { describe, expect, it } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/runCli.js";

const CASE = "fixtures/cases/k8s-named-ports";

describe("policyc explain", () => {
  it("prints the verdict first, then the decision path", async () => {
    const r = await runCli(["explain", "--node", "node-1", "--from", "web/client", "--to", "web/server-a", "--port", "8080/TCP", CASE]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatchInlineSnapshot(`
      "ALLOW web/client -> web/server-a 8080/TCP (IPv4)
      from 10.65.0.52 (web/client)
      to   10.65.0.50 (web/server-a)
      egress at web/client: allow
        tier default: NetworkPolicy web/client-egress-http rule 0 (fixtures/cases/k8s-named-ports/all.yaml:84) -> Allow
      ingress at web/server-a: allow
        tier default: NetworkPolicy web/server-http rule 0 (fixtures/cases/k8s-named-ports/all.yaml:68) -> Allow
      "
    `);
  });

  it("explains a denied flow", async () => {
    const r = await runCli(["explain", "--node", "node-1", "--from", "web/client", "--to", "web/server-a", "--port", "5353/UDP", CASE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "DENY web/client -> web/server-a 5353/UDP (IPv4)
      from 10.65.0.52 (web/client)
      to   10.65.0.50 (web/server-a)
      egress at web/client: deny
        tier default: no rule decided -> tier default action Deny
        isolated for egress by:
          NetworkPolicy web/client-egress-http in tier default (fixtures/cases/k8s-named-ports/all.yaml:76)
        denied by the end of tier default: no rule of its policies matched, and its default action is Deny
      ingress at web/server-a: allow
        tier default: NetworkPolicy web/server-http rule 0 (fixtures/cases/k8s-named-ports/all.yaml:68) -> Allow
      "
    `);
  });

  it("lists the iptables rules the packet traverses with --rules", async () => {
    const r = await runCli(["explain", "--node", "node-1", "--from", "web/client", "--to", "web/server-a", "--port", "8080", "--rules", CASE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "ALLOW web/client -> web/server-a 8080/TCP (IPv4)
      from 10.65.0.52 (web/client)
      to   10.65.0.50 (web/server-a)
      egress at web/client: allow
        tier default: NetworkPolicy web/client-egress-http rule 0 (fixtures/cases/k8s-named-ports/all.yaml:84) -> Allow
      ingress at web/server-a: allow
        tier default: NetworkPolicy web/server-http rule 0 (fixtures/cases/k8s-named-ports/all.yaml:68) -> Allow
      rules traversed (iptables, filter FORWARD):
        -A FORWARD --jump cali-FORWARD
        -A cali-FORWARD --jump MARK --set-mark 0x0/0x1e0000
        -A cali-FORWARD -i cali+ -m mark --mark 0/0x10000 --jump cali-from-wl-dispatch
        -A cali-from-wl-dispatch -i calia68a2e2c4ac --goto cali-fw-calia68a2e2c4ac
        -A cali-fw-calia68a2e2c4ac --jump MARK --set-mark 0x0/0x30000
        -A cali-fw-calia68a2e2c4ac -m comment --comment "Start of tier default" --jump MARK --set-mark 0x0/0x20000
        -A cali-fw-calia68a2e2c4ac -m mark --mark 0/0x20000 --jump cali-po-_Up4ocx4vuJBOh8jZEXL
        -A cali-po-_Up4ocx4vuJBOh8jZEXL -m comment --comment "KubernetesNetworkPolicy web/client-egress-http egress" -p tcp -m set --match-set cali40n:ZsRwMubLnNGmC3DD5XYc7_L dst,dst --jump MARK --set-mark 0x10000/0x10000
        -A cali-fw-calia68a2e2c4ac -m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN
        -A cali-FORWARD -o cali+ --jump cali-to-wl-dispatch
        -A cali-to-wl-dispatch -o cali04bc083ffca --goto cali-tw-cali04bc083ffca
        -A cali-tw-cali04bc083ffca --jump MARK --set-mark 0x0/0x30000
        -A cali-tw-cali04bc083ffca -m comment --comment "Start of tier default" --jump MARK --set-mark 0x0/0x20000
        -A cali-tw-cali04bc083ffca -m mark --mark 0/0x20000 --jump cali-pi-knp/web/server-http
        -A cali-pi-knp/web/server-http -m comment --comment "KubernetesNetworkPolicy web/server-http ingress" -p tcp -m set --match-set cali40n:cl9_Kgeu4H0OGLbhovVR3NB dst,dst --jump MARK --set-mark 0x10000/0x10000
        -A cali-pi-knp/web/server-http -m mark --mark 0x10000/0x10000 --jump RETURN
        -A cali-tw-cali04bc083ffca -m comment --comment "Return if policy accepted" -m mark --mark 0x10000/0x10000 --jump RETURN
        -A cali-FORWARD -m comment --comment "Policy explicitly accepted packet." -m mark --mark 0x10000/0x10000 --jump ACCEPT
        => accept
      "
    `);
  });

  it("shows the nftables verdict-map lookup instead of the dispatch chain walk", async () => {
    const r = await runCli(["explain", "--node", "node-1", "--from", "10.65.1.51", "--to", "web/server-a", "--port", "8080", "--rules", "--backend", "nftables", CASE]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatchInlineSnapshot(`
      "ALLOW 10.65.1.51 -> web/server-a 8080/TCP (IPv4)
      from 10.65.1.51 (web/server-b)
      to   10.65.0.50 (web/server-a)
      ingress at web/server-a: allow
        tier default: NetworkPolicy web/server-http rule 0 (fixtures/cases/k8s-named-ports/all.yaml:68) -> Allow
      rules traversed (nftables, filter FORWARD):
        filter-FORWARD: counter jump filter-cali-FORWARD
        filter-cali-FORWARD: counter meta mark set meta mark & 0xffe1ffff
        filter-cali-FORWARD: oifname "cali*" counter jump filter-cali-to-wl-dispatch
        filter-cali-to-wl-dispatch: oifname vmap @filter-cali-to-wl-dispatch (element "cali04bc083ffca" : goto filter-cali-tw-cali04bc083ffca)
        filter-cali-tw-cali04bc083ffca: counter meta mark set meta mark & 0xfffcffff
        filter-cali-tw-cali04bc083ffca: counter meta mark set meta mark & 0xfffdffff
        filter-cali-tw-cali04bc083ffca: meta mark & 0x20000 == 0x0 counter jump filter-cali-pi-knp/web/server-http
        filter-cali-pi-knp/web/server-http: meta l4proto tcp ip daddr . meta l4proto . th dport @cali40n-cl9_Kgeu4H0OGLbhovVR3NBLUOZscKeMK1Mu4A counter meta mark set meta mark | 0x10000
        filter-cali-pi-knp/web/server-http: meta mark & 0x10000 == 0x10000 counter return
        filter-cali-tw-cali04bc083ffca: meta mark & 0x10000 == 0x10000 counter return
        filter-cali-FORWARD: meta mark & 0x10000 == 0x10000 counter accept
        => accept
      "
    `);
  });

  it("shows, of a rule split over multiport's 15 slots, the copy that holds the packet's port", async () => {
    const run = async (port: string) => {
      const r = await runCli(["explain", "--node", "node-1", "--from", "10.0.0.9", "--to", "ports/legacy-app", "--port", port, "--rules", "--format", "json", "fixtures/cases/many-ports"]);
      const json = JSON.parse(r.stdout) as { rules: { traversed: { chain: string; index: number; text: string }[] } };
      return json.rules.traversed.filter((t) => t.text.includes("multiport"));
    };
    const [first] = await run("22/TCP");
    const [second] = await run("9000/TCP");
    expect(first?.index).toBe(0);
    expect(first?.text).toMatch(/--destination-ports 21:23,25,53,80:83,110,143,443,465,587,993,995,8000:8010 /);
    expect(second?.index).toBe(1);
    expect(second?.text).toMatch(/--destination-ports 8443,9000,9100:9200 /);
    expect(second?.chain).toBe(first?.chain);
  });

  it("prints JSON with the verdict and the traversed rules", async () => {
    const r = await runCli(["explain", "--node", "node-1", "--from", "web/server-a", "--to", "192.0.2.1", "--port", "ICMP", "--rules", "--format", "json", CASE]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { allowed: boolean; flow: unknown; rules: { verdict: string; hook: string; traversed: { chain: string; text: string }[] } };
    expect(json.allowed).toBe(true);
    expect(json.flow).toEqual({ family: 4, src: { endpoint: "web/server-a" }, dst: { ip: "192.0.2.1" }, protocol: 1, icmpType: 8, icmpCode: 0, port: "ICMP/8/0" });
    expect(json.rules.verdict).toBe("accept");
    expect(json.rules.hook).toBe("FORWARD");
    expect(json.rules.traversed[0]).toEqual({ chain: "FORWARD", index: 0, text: "-A FORWARD --jump cali-FORWARD" });
  });

  it("orders equal-order policies as Felix does, and the compiled rules agree (no disagreement warning)", async () => {
    const dir = "fixtures/conformance/felix-order-ties";
    const files = [`${dir}/pods.yaml`, `${dir}/policy.yaml`];
    const expectations: [string, boolean, string][] = [
      ["ot/srv1", true, "NetworkPolicy ot/web-allow rule 0"],
      ["ot/srv2", true, "tier default: NetworkPolicy ot/aaa rule 0"],
      ["ot/srv3", false, "GlobalNetworkPolicy gx rule 0"],
      ["ot/srv4", true, "tier default: NetworkPolicy ot/dup rule 0"],
    ];
    for (const [to, allowed, decidedBy] of expectations) {
      const r = await runCli(["explain", "--node", "node-1", "--from", "ot/c", "--to", to, "--port", "80/TCP", "--rules", ...files]);
      expect(r.code, to).toBe(0);
      expect(r.stdout.split("\n")[0], to).toMatch(allowed ? /^ALLOW/ : /^DENY/);
      expect(r.stdout, to).toContain(decidedBy);
      expect(r.stdout, to).not.toContain("disagree");
    }
  });

  it("never picks one of two endpoints that claim the same address; a finished pod is no endpoint", async () => {
    const file = "fixtures/invalid/duplicate-endpoint-ip.yaml";
    const r = await runCli(["explain", "--from", "192.0.2.1", "--to", "10.65.0.7", "--port", "80/TCP", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('"10.65.0.7" belongs to 2 workload endpoints (shop/web-1, shop/web-2); name the endpoint instead');
    const finished = await runCli(["explain", "--from", "jobs/report-28914", "--to", "shop/web-1", "--port", "80/TCP", file]);
    expect(finished.code).toBe(2);
    expect(finished.stderr).toContain("--from: unknown endpoint 'jobs/report-28914'");
  });

  it("exits 2 on an unknown endpoint, a bad --port or a family clash", async () => {
    for (const args of [
      ["--from", "web/nope", "--to", "web/client", "--port", "80"],
      ["--from", "web/client", "--to", "web/server-a", "--port", "80/XTP"],
      ["--from", "web/client", "--to", "web/server-a", "--port", "70000"],
      ["--from", "web/client", "--to", "fd00::1", "--port", "ICMP"],
      ["--from", "web/client", "--to", "web/server-a"],
    ]) {
      const r = await runCli(["explain", ...args, CASE]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
    }
  });

  it("exits 1 with diagnostics on invalid input", async () => {
    const r = await runCli(["explain", "--from", "a/b", "--to", "c/d", "--port", "80", "fixtures/invalid"]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toBe("");
  });

  it("--expect exits 1 on a mismatch, for CI", async () => {
    const args = ["explain", "--node", "node-1", "--from", "web/client", "--to", "web/server-a", "--port", "8080/TCP", CASE];
    expect((await runCli([...args, "--expect", "allow"])).code).toBe(0);
    const wrong = await runCli([...args, "--expect", "deny"]);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toBe("policyc explain: expected deny, got allow\n");
    expect((await runCli([...args, "--format", "json", "--expect", "deny"])).code).toBe(1);
    expect((await runCli([...args, "--expect", "maybe"])).code).toBe(2);
  });

  it("names, for a denied direction, the policies isolating the endpoint (file:line) and what denied", async () => {
    const r = await runCli(["explain", "--node", "node-1", "--from", "web/client", "--to", "web/server-a", "--port", "5353/UDP", CASE]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines).toContain("  isolated for egress by:");
    expect(lines).toContain(`    NetworkPolicy web/client-egress-http in tier default (${CASE}/all.yaml:76)`);
    expect(lines).toContain("  denied by the end of tier default: no rule of its policies matched, and its default action is Deny");
    const json = JSON.parse((await runCli(["explain", "--node", "node-1", "--from", "web/client", "--to", "web/server-a", "--port", "5353/UDP", "--format", "json", CASE])).stdout) as {
      denied: { direction: string; endpoint: string; policies: { name: string; id: string; file: string; line: number }[] }[];
    };
    expect(json.denied).toEqual([
      {
        direction: "egress",
        endpoint: "web/client",
        policies: [{ name: "NetworkPolicy web/client-egress-http", id: "web/client-egress-http", kind: "K8sNetworkPolicy", tier: "default", file: `${CASE}/all.yaml`, line: 76 }],
        deniedBy: "the end of tier default: no rule of its policies matched, and its default action is Deny",
      },
    ]);
  });

  it("never prints Calico's derived names (kns., knp.) or internal kinds", async () => {
    const r = await runCli(["explain", "--from", "shop/frontend-0", "--to", "shop/db-0", "--port", "5432", "fixtures/cases/demo-shop"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("  namespace shop rule 0 -> Allow\n");
    expect(r.stdout).toContain("    NetworkPolicy shop/default-deny in tier default (fixtures/cases/demo-shop/policies.yaml:5)\n");
    expect(r.stdout).not.toMatch(/kns\.|knp\.|K8sNetworkPolicy/);
  });

  it("takes named ports, resolved on the destination endpoint as Kubernetes does", async () => {
    const base = ["explain", "--node", "node-1", "--from", "web/client", "--to", "web/server-a"];
    const http = await runCli([...base, "--port", "http", CASE]);
    expect(http.code).toBe(0);
    expect(http.stdout.split("\n")[0]).toBe("ALLOW web/client -> web/server-a http/TCP (8080/TCP) (IPv4)");
    const dns = await runCli([...base, "--port", "dns/UDP", CASE]);
    expect(dns.stdout.split("\n")[0]).toBe("DENY web/client -> web/server-a dns/UDP (5353/UDP) (IPv4)");
    // server-b names 8081 http: the name resolves on each destination.
    const b = await runCli(["explain", "--from", "web/client", "--to", "web/server-b", "--port", "http", CASE]);
    expect(b.stdout.split("\n")[0]).toBe("ALLOW web/client -> web/server-b http/TCP (8081/TCP) (IPv4)");
    const missing = await runCli([...base, "--port", "dns", CASE]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--port dns/TCP: web/server-a has no such named port (it has http=8080/TCP, dns=5353/UDP)");
    const toIp = await runCli(["explain", "--from", "web/client", "--to", "192.0.2.1", "--port", "http", CASE]);
    expect(toIp.code).toBe(2);
    expect(toIp.stderr).toContain("a named port needs a destination endpoint");
  });

  it("--flows answers many flows (text, JSON or CSV in; text, JSON or CSV out) and exits 1 when an expectation fails", async () => {
    const dir = mkdtempSync(join(tmpdir(), "policyc-flows-"));
    try {
      const text = join(dir, "flows.txt");
      writeFileSync(text, "# client to servers\nweb/client web/server-a 8080/TCP allow\nweb/client web/server-a http\n\nweb/client web/server-a 5353/UDP deny\n");
      const r = await runCli(["explain", "--node", "node-1", "--flows", text, CASE]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const blocks = r.stdout.split("\n\n");
      expect(blocks).toHaveLength(4);
      expect(blocks[0]!.split("\n")[0]).toBe("ALLOW web/client -> web/server-a 8080/TCP (IPv4) [expected allow: ok]");
      expect(blocks[1]!.split("\n")[0]).toBe("ALLOW web/client -> web/server-a http/TCP (8080/TCP) (IPv4)");
      expect(blocks[2]!.split("\n")[0]).toBe("DENY web/client -> web/server-a 5353/UDP (IPv4) [expected deny: ok]");
      expect(blocks[3]).toBe("3 flow(s): 2 allowed, 1 denied; 2 of 2 expectation(s) met\n");

      const json = join(dir, "flows.json");
      writeFileSync(json, JSON.stringify([{ from: "web/client", to: "web/server-a", port: 8080, expect: "deny" }, { from: "10.65.1.51", to: "web/server-a", port: "http" }]));
      const j = await runCli(["explain", "--node", "node-1", "--flows", json, "--format", "json", CASE]);
      expect(j.code).toBe(1);
      expect(j.stderr).toBe(`policyc explain: ${json}: flow 1: web/client -> web/server-a 8080: expected deny, got allow\n`);
      const out = JSON.parse(j.stdout) as { flows: { allowed: boolean; expected?: string; met?: boolean; flow: { port: string } }[]; failed: number };
      expect(out.failed).toBe(1);
      expect(out.flows.map((f) => [f.flow.port, f.allowed, f.expected, f.met])).toEqual([
        ["8080/TCP", true, "deny", false],
        ["8080/TCP", true, undefined, undefined],
      ]);

      const csv = join(dir, "flows.csv");
      writeFileSync(csv, 'from,to,port,expect\nweb/client,web/server-a,5353/UDP,deny\n"web/client",web/server-a,http,\n');
      const c = await runCli(["explain", "--node", "node-1", "--flows", csv, "--format", "csv", CASE]);
      expect(c.code).toBe(0);
      expect(c.stdout.split("\n")).toEqual([
        "from,to,port,family,verdict,expected,met,decided by",
        "web/client,web/server-a,5353/UDP,4,deny,deny,true,web/client: tier default: no rule decided -> tier default action Deny",
        "web/client,web/server-a,8080/TCP,4,allow,,,web/server-a: tier default: NetworkPolicy web/server-http rule 0 (fixtures/cases/k8s-named-ports/all.yaml:68) -> Allow",
        "",
      ]);

      const bad = join(dir, "bad.txt");
      writeFileSync(bad, "web/client web/server-a\n");
      const b = await runCli(["explain", "--flows", bad, CASE]);
      expect(b.code).toBe(2);
      expect(b.stderr).toContain(`${bad}:1: expected FROM TO PORT [allow|deny]`);
      const unknown = join(dir, "unknown.txt");
      writeFileSync(unknown, "web/client web/server-a 80\nweb/nobody web/server-a 80\n");
      const u = await runCli(["explain", "--flows", unknown, CASE]);
      expect(u.code).toBe(2);
      expect(u.stderr).toContain(`${unknown}:2: --from: unknown endpoint 'web/nobody'`);
      expect((await runCli(["explain", "--flows", text, "--from", "web/client", CASE])).code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
