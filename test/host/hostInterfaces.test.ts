/**
 * Host endpoints bound by address (`expectedIPs` without `interfaceName`): Felix's resolution
 * (src/calico/hostEndpointBinding.ts, felix/dataplane/linux/endpoint_mgr.go
 * `resolveHostEndpoints`), the compiler and the evaluator given the node's interfaces, their
 * agreement on the fixtures/cases/host-endpoints-expected-ips flows, goldens with the interfaces,
 * and the readers of the interfaces (`--host-interface`, `ip -j addr show`).
 */
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseIpAddrJson, readHostInterfaces } from "../../src/apply/index.js";
import { renderIptables } from "../../src/backends/iptables/index.js";
import { renderNftables } from "../../src/backends/nftables/index.js";
import { bindHostEndpoints, type BindableHostEndpoint, type HostInterfaces } from "../../src/calico/index.js";
import { parseHostInterfaces } from "../../src/cli/hostInterfaceFlag.js";
import { compileModel } from "../../src/compiler/compile.js";
import { needsHostInterfaces } from "../../src/compiler/hostEndpoints.js";
import { printIr } from "../../src/compiler/ir/print.js";
import { loadModel } from "../../src/model/loadModel.js";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow, prepareModel } from "../../src/semantics/index.js";
import { disagreements, type Compiled } from "../fuzz/differential.js";
import { expectGoldens } from "../helpers/golden.js";

const hep = (name: string, interfaceName: string | undefined, ...expectedIPs: string[]): BindableHostEndpoint => ({
  name,
  ...(interfaceName !== undefined ? { interfaceName } : {}),
  expectedIPs,
});
const bind = (eps: readonly BindableHostEndpoint[], ifaces: HostInterfaces | undefined): Record<string, string> => {
  const b = bindHostEndpoints(eps, (e) => e, ifaces);
  return Object.fromEntries([...[...b.byIface].map(([i, e]) => [i, e.name]), ...(b.all ? [["*", b.all.name]] : [])]);
};

describe("bindHostEndpoints (Felix's resolveHostEndpoints)", () => {
  const ifaces = { eth0: ["192.0.2.1", "2001:db8::1"], eth1: ["198.51.100.1"], lo: ["127.0.0.1"], cali1234: ["192.0.2.1"], "kube-ipvs0": ["192.0.2.1"] };

  it("binds an endpoint without interfaceName to every host interface holding one of its addresses", () => {
    expect(bind([hep("a", undefined, "192.0.2.1", "198.51.100.1")], ifaces)).toEqual({ eth0: "a", eth1: "a" });
    expect(bind([hep("a", undefined, "2001:db8::1")], ifaces)).toEqual({ eth0: "a" });
    expect(bind([hep("a", undefined, "203.0.113.1")], ifaces)).toEqual({});
  });

  it("leaves out workload interfaces and InterfaceExclude's kube-ipvs0", () => {
    expect(bind([hep("a", undefined, "192.0.2.1")], { cali1234: ["192.0.2.1"], "kube-ipvs0": ["192.0.2.1"] })).toEqual({});
  });

  it("gives an interface to the candidate whose name sorts first, named or by address", () => {
    expect(bind([hep("b", "eth0"), hep("a", undefined, "192.0.2.1")], ifaces)).toEqual({ eth0: "a" });
    expect(bind([hep("a", "eth0"), hep("b", undefined, "192.0.2.1")], ifaces)).toEqual({ eth0: "a" });
    // An endpoint naming another interface never matches by address.
    expect(bind([hep("a", "eth1", "192.0.2.1")], ifaces)).toEqual({ eth1: "a" });
  });

  it("binds a named endpoint only to an interface the node has, once the interfaces are known", () => {
    expect(bind([hep("a", "eth9")], ifaces)).toEqual({});
    expect(bind([hep("a", "eth9")], undefined)).toEqual({ eth9: "a" });
    expect(bind([hep("a", undefined, "192.0.2.1")], undefined)).toEqual({});
  });

  it("does not depend on the order endpoints and interfaces come in (Felix walks Go maps)", () => {
    const names = ["a", "b", "c", "d"];
    const ifaceNames = ["eth0", "eth1", "lo", "cali1", "*"];
    const addrs = ["192.0.2.1", "192.0.2.2", "2001:db8::1"];
    const epArb = fc.record({ name: fc.constantFrom(...names), iface: fc.option(fc.constantFrom(...ifaceNames), { nil: undefined }), ips: fc.subarray(addrs) });
    const arb = fc.record({
      eps: fc.uniqueArray(epArb, { selector: (e) => e.name, maxLength: 4 }),
      ifaces: fc.dictionary(fc.constantFrom("eth0", "eth1", "lo", "cali1"), fc.subarray(addrs)),
      seed: fc.integer(),
    });
    fc.assert(
      fc.property(arb, ({ eps, ifaces, seed }) => {
        const list = eps.map((e) => hep(e.name, e.iface, ...e.ips));
        const shuffled = [...list].sort((x, y) => ((x.name.charCodeAt(0) * 31 + seed) % 7) - ((y.name.charCodeAt(0) * 31 + seed) % 7));
        const reversedIfaces = Object.fromEntries(Object.entries(ifaces).reverse());
        expect(bind(shuffled, reversedIfaces)).toEqual(bind(list, ifaces));
        // And the winner of each interface is a candidate whose name no other candidate beats.
        for (const [iface, name] of Object.entries(bind(list, ifaces))) {
          if (iface === "*") continue;
          const candidates = list.filter((e) => (e.interfaceName !== undefined ? e.interfaceName === iface : e.expectedIPs.some((a) => (ifaces[iface] ?? []).includes(a))));
          expect(name).toBe(candidates.map((e) => e.name).sort()[0]);
        }
      }),
      { seed: 20261206, numRuns: 300 },
    );
  });

  it("keeps the all-interfaces endpoint apart: the first by name", () => {
    expect(bind([hep("z", "*"), hep("y", "*"), hep("a", undefined, "192.0.2.1")], ifaces)).toEqual({ eth0: "a", "*": "y" });
  });
});

const FIXTURE = "fixtures/cases/host-endpoints-expected-ips/cluster.yaml";
const IFACES: HostInterfaces = { eth0: ["192.0.2.1", "2001:db8::1"], lo: ["127.0.0.1", "::1"], cali0123456789a: ["169.254.1.1"] };

function compileWith(hostInterfaces: HostInterfaces | undefined): Compiled & { warnings: string[] } {
  const text = readFileSync(FIXTURE, "utf8");
  const loaded = loadModel([{ path: FIXTURE, text }]);
  expect(loaded.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const options = { node: "node-1", ...(hostInterfaces ? { hostInterfaces } : {}) };
  const { ir, diagnostics } = compileModel(loaded.model, options);
  return { model: loaded.model, ir, prepared: prepareModel(loaded.model, options), warnings: diagnostics.map((d) => `${d.code}: ${d.message}`) };
}

const flow = (src: string, dst: string, port: number, family: 4 | 6 = 4): Flow => ({ family, src: { ip: src }, dst: { ip: dst }, protocol: 6, srcPort: 40000, dstPort: port });

describe("host endpoints bound by expectedIPs, compiled and evaluated with the node's interfaces", () => {
  it("without the interfaces: the endpoint guards nothing and is reported", () => {
    const c = compileWith(undefined);
    expect(c.warnings.filter((w) => w.includes("node-1-by-ip"))).toHaveLength(1);
    expect(evaluateFlow(c.prepared, flow("198.51.100.5", "192.0.2.1", 22)).host).toBeUndefined();
  });

  it("with them: it guards eth0 (no warning), and eth9, which the node lacks, is not guarded", () => {
    const c = compileWith(IFACES);
    expect(c.warnings).toEqual([]);
    const text = printIr(c.ir);
    expect(text).toContain("cali-th-eth0");
    expect(text).not.toContain("eth9");
    const v = evaluateFlow(c.prepared, flow("198.51.100.5", "192.0.2.1", 8080));
    expect(v.allowed).toBe(false);
    expect(v.host?.map((h) => h.hostEndpoint)).toEqual(["HostEndpoint:node-1-by-ip"]);
    expect(evaluateFlow(c.prepared, flow("198.51.100.5", "192.0.2.1", 80)).allowed).toBe(true);
    expect(evaluateFlow(c.prepared, flow("2001:db8::5", "2001:db8::1", 8080, 6)).allowed).toBe(false);
  });

  it("the evaluator and the compiled IR agree on every flow between the node, the pod and outside", () => {
    const c = compileWith(IFACES);
    const ends: Record<4 | 6, string[]> = { 4: ["192.0.2.1", "10.65.0.10", "198.51.100.5"], 6: ["2001:db8::1", "fd00::10", "2001:db8::5"] };
    const flows: Flow[] = [];
    for (const family of [4, 6] as const) {
      for (const s of ends[family]) for (const d of ends[family]) if (s !== d) for (const port of [22, 80, 8080, 53]) flows.push(flow(s, d, port, family));
    }
    expect(disagreements(c, flows).map((x) => x.explanation)).toEqual([]);
  });

  it("goldens with the interfaces", () => {
    const c = compileWith(IFACES);
    const files = [{ path: "ir.txt", contents: printIr(c.ir) }, ...renderIptables(c.ir), ...renderNftables(c.ir)];
    expectGoldens(files.map((f) => ({ path: `test/golden/host-interfaces/host-endpoints-expected-ips/${f.path}`, actual: f.contents })));
  });

  it("needsHostInterfaces: only for the node's endpoints without interfaceName", () => {
    const model = compileWith(undefined).model;
    expect(needsHostInterfaces(model, "node-1")).toBe(true);
    expect(needsHostInterfaces(model, "node-2")).toBe(false);
  });
});

describe("reading the node's interfaces", () => {
  it("--host-interface NAME=IP[,IP]: canonical addresses, NAME= for none, errors for the malformed", () => {
    expect(parseHostInterfaces(undefined)).toBeUndefined();
    expect(parseHostInterfaces(["eth0=192.0.2.1, 2001:DB8:0::1", "eth1=", "lo=127.0.0.1/8"])).toEqual({ eth0: ["192.0.2.1", "2001:db8::1"], eth1: [], lo: ["127.0.0.1"] });
    expect(() => parseHostInterfaces(["eth0"])).toThrow(/NAME=IP/);
    expect(() => parseHostInterfaces(["eth0=300.1.1.1"])).toThrow(/not an IP address/);
    expect(() => parseHostInterfaces(["eth0=192.0.2.1", "eth0=192.0.2.2"])).toThrow(/twice/);
    expect(() => parseHostInterfaces(["a-very-long-interface-name=192.0.2.1"])).toThrow(/NAME=IP/);
  });

  it("ip -j addr show, through the injected process runner", async () => {
    const json = JSON.stringify([
      { ifindex: 1, ifname: "lo", addr_info: [{ family: "inet", local: "127.0.0.1", prefixlen: 8 }, { family: "inet6", local: "::1", prefixlen: 128 }] },
      { ifindex: 2, ifname: "eth0", addr_info: [{ family: "inet", local: "192.0.2.1", prefixlen: 24 }, { family: "inet6", local: "2001:0db8::0001", prefixlen: 64 }] },
      { ifindex: 3, ifname: "eth1", addr_info: [] },
    ]);
    expect(parseIpAddrJson(json)).toEqual({ lo: ["127.0.0.1", "::1"], eth0: ["192.0.2.1", "2001:db8::1"], eth1: [] });
    const seen: string[][] = [];
    const exec = { run: (argv: readonly string[]) => (seen.push([...argv]), Promise.resolve({ code: 0, stdout: json, stderr: "" })) };
    await expect(readHostInterfaces(exec)).resolves.toEqual({ lo: ["127.0.0.1", "::1"], eth0: ["192.0.2.1", "2001:db8::1"], eth1: [] });
    expect(seen).toEqual([["ip", "-j", "addr", "show"]]);
    const failing = { run: () => Promise.resolve({ code: 1, stdout: "", stderr: "Cannot open netlink socket" }) };
    await expect(readHostInterfaces(failing)).rejects.toThrow(/reading the node's interfaces/);
    const garbage = { run: () => Promise.resolve({ code: 0, stdout: "{}", stderr: "" }) };
    await expect(readHostInterfaces(garbage)).rejects.toThrow(/JSON array/);
  });
});
