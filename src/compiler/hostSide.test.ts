import { describe, expect, it } from "vitest";
import { loadModel } from "../model/loadModel.js";
import { compileModel } from "./compile.js";
import { createCompiler } from "./incremental/createCompiler.js";
import { diffIr } from "./ir/delta.js";
import { interpret, type Packet } from "./ir/interpret.js";
import type { FamilyIr, Ir } from "./ir/types.js";

const load = (...docs: string[]) => {
  const { model, diagnostics } = loadModel([{ path: "c.yaml", text: docs.join("\n---\n") }]);
  expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  return { model, diagnostics };
};
const compile = (...docs: string[]): Ir => compileModel(load(...docs).model, { node: "node-1" }).ir;

const pod = `apiVersion: v1
kind: Pod
metadata: {name: a, namespace: ns}
spec: {nodeName: node-1}
status: {podIPs: [{ip: 10.0.0.5}]}`;
const pool = (cidr: string, extra = "") => `apiVersion: projectcalico.org/v3
kind: IPPool
metadata: {name: p-${cidr.replace(/[./:]/g, "-")}}
spec: {cidr: ${cidr}${extra}}`;
const v3Node = (name: string, ip: string, extra = "") => `apiVersion: projectcalico.org/v3
kind: Node
metadata: {name: ${name}}
spec: {bgp: {ipv4Address: ${ip}/24}${extra}}`;
const k8sNode = (name: string, ip: string) => `apiVersion: v1
kind: Node
metadata: {name: ${name}}
status: {addresses: [{type: Hostname, address: ${name}}, {type: InternalIP, address: ${ip}}]}`;

const packet = (p: Partial<Packet> & Pick<Packet, "src" | "dst" | "proto">): Packet => ({ family: 4, ctstate: "NEW", mark: 0, ...p });
const postrouting = (fam: FamilyIr, p: Packet) => interpret(fam, "nat", "POSTROUTING", p);
const input = (fam: FamilyIr, p: Packet) => interpret(fam, "filter", "INPUT", p).verdict;

describe("host side: NAT outgoing", () => {
  it("masquerades a NAT pool's traffic to outside every pool, and nothing else", () => {
    const ir = compile(pod, pool("10.0.0.0/16", ", natOutgoing: true"), pool("10.1.0.0/16"));
    const out = postrouting(ir.v4, packet({ src: "10.0.0.5", dst: "192.0.2.1", proto: 6, dport: 80, oifname: "eth0" }));
    expect(out.masquerade).toBe(true);
    expect(postrouting(ir.v4, packet({ src: "10.0.0.5", dst: "10.1.0.9", proto: 6, dport: 80 })).masquerade).toBeUndefined();
    expect(postrouting(ir.v4, packet({ src: "10.1.0.9", dst: "192.0.2.1", proto: 6, dport: 80 })).masquerade).toBeUndefined();
    const nat = ir.v4.tables.find((t) => t.name === "nat")!;
    expect(nat.hooks).toEqual([{ kernelChain: "POSTROUTING", target: "cali-POSTROUTING", position: "append", matches: [] }]);
  });

  it("counts a disabled pool as Felix does: still masqueraded, still inside the pools", () => {
    const ir = compile(pod, pool("10.0.0.0/16", ", natOutgoing: true, disabled: true"), pool("192.0.2.0/24", ", disabled: true"));
    expect(postrouting(ir.v4, packet({ src: "10.0.0.5", dst: "198.51.100.1", proto: 17, dport: 53 })).masquerade).toBe(true);
    expect(postrouting(ir.v4, packet({ src: "10.0.0.5", dst: "192.0.2.1", proto: 17, dport: 53 })).masquerade).toBeUndefined();
  });

  it("masquerades traffic to a LoadBalancer-only pool (not one of the pools traffic to which stays unmasqueraded)", () => {
    const ir = compile(pod, pool("10.0.0.0/16", ", natOutgoing: true"), pool("192.0.2.0/24", ", allowedUses: [LoadBalancer]"), pool("198.51.100.0/24", ", allowedUses: [Workload, LoadBalancer]"));
    expect(postrouting(ir.v4, packet({ src: "10.0.0.5", dst: "192.0.2.1", proto: 6, dport: 80 })).masquerade).toBe(true);
    expect(postrouting(ir.v4, packet({ src: "10.0.0.5", dst: "198.51.100.1", proto: 6, dport: 80 })).masquerade).toBeUndefined();
  });

  it("reads the Docker CNM v1 pool", () => {
    const v1 = `apiVersion: v1
kind: ipPool
metadata: {cidr: 10.0.0.0/16}
spec: {nat-outgoing: true}`;
    const ir = compile(pod, v1);
    expect(postrouting(ir.v4, packet({ src: "10.0.0.5", dst: "192.0.2.1", proto: 6, dport: 80 })).masquerade).toBe(true);
    expect(ir.v6.tables.find((t) => t.name === "nat")!.chains.find((c) => c.name === "cali-nat-outgoing")!.rules).toEqual([]);
  });

  it("has no nat table and no pool sets without pools", () => {
    const ir = compile(pod);
    expect(ir.v4.tables.map((t) => t.name)).toEqual(["filter"]);
    expect(ir.v4.sets.map((s) => s.id)).toEqual([]);
  });
});

describe("host side: IPIP and VXLAN", () => {
  const nodes = [v3Node("node-1", "192.0.2.1"), k8sNode("node-2", "192.0.2.2"), v3Node("node-3", "192.0.2.3", ", ipv4VXLANTunnelAddr: 10.0.3.1")];

  it("accepts IPIP only from known hosts (Calico and Kubernetes Nodes) to a local address", () => {
    const ir = compile(pod, pool("10.0.0.0/16", ", ipipMode: CrossSubnet"), ...nodes);
    const ipip = (src: string, dstLocal = true) => input(ir.v4, packet({ src, dst: "192.0.2.1", proto: 4, iifname: "eth0", dstLocal }));
    expect(ipip("192.0.2.2")).toBe("accept");
    expect(ipip("192.0.2.3")).toBe("accept");
    expect(ipip("198.51.100.7")).toBe("drop");
    expect(ipip("192.0.2.2", false)).toBe("drop");
    expect(ir.v4.sets.find((s) => s.id === "all-hosts-net")!.members).toEqual(["192.0.2.1/32", "192.0.2.2/31"]);
    // No VXLAN rules: no pool uses it.
    expect(input(ir.v4, packet({ src: "198.51.100.7", dst: "192.0.2.1", proto: 17, dport: 4789, dstLocal: true }))).toBe("accept");
  });

  it("accepts VXLAN only from nodes with a tunnel endpoint, and drops it from others", () => {
    const ir = compile(pod, pool("10.0.0.0/16", ", vxlanMode: Always"), ...nodes);
    const vxlan = (src: string, dport = 4789) => input(ir.v4, packet({ src, dst: "192.0.2.1", proto: 17, dport, iifname: "eth0", dstLocal: true }));
    expect(vxlan("192.0.2.3")).toBe("accept");
    expect(vxlan("192.0.2.2")).toBe("drop");
    expect(vxlan("198.51.100.7")).toBe("drop");
    expect(vxlan("198.51.100.7", 4790)).toBe("accept");
    // IPIP is not filtered: no pool uses it.
    expect(input(ir.v4, packet({ src: "198.51.100.7", dst: "192.0.2.1", proto: 4, dstLocal: true }))).toBe("accept");
  });

  it("allows tunnel packets with FelixConfiguration's iptablesFilterAllowAction (Return), as Felix's filterAllowAction", () => {
    const felix = "apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec: {iptablesFilterAllowAction: Return}";
    const ir = compile(pod, pool("10.0.0.0/16", ", ipipMode: Always"), felix, ...nodes);
    const filter = ir.v4.tables.find((t) => t.name === "filter")!;
    const allows = filter.chains.flatMap((c) => (c.name === "cali-INPUT" || c.name === "cali-OUTPUT" ? c.rules : [])).filter((r) => r.comments.some((x) => x.startsWith("Allow IPIP")));
    expect(allows.map((r) => r.action.kind)).toEqual(["return", "return"]);
    // Returned to the kernel's INPUT, whose policy accepts it.
    expect(input(ir.v4, packet({ src: "192.0.2.2", dst: "192.0.2.1", proto: 4, iifname: "eth0", dstLocal: true }))).toBe("accept");
    expect(input(ir.v4, packet({ src: "198.51.100.7", dst: "192.0.2.1", proto: 4, iifname: "eth0", dstLocal: true }))).toBe("drop");
  });

  it("drops IPIP and VXLAN a workload sends, with or without pools", () => {
    for (const ir of [compile(pod), compile(pod, pool("10.0.0.0/16", ", ipipMode: Always"))]) {
      const fw = ir.v4.tables[0]!.chains.find((c) => c.name.startsWith("cali-fw-"))!;
      const from = (proto: number, dport?: number) =>
        interpret(ir.v4, "filter", "FORWARD", packet({ src: "10.0.0.5", dst: "192.0.2.9", proto, ...(dport ? { dport } : {}), iifname: fw.name.slice(8), oifname: "eth0" })).verdict;
      expect(from(4)).toBe("drop");
      expect(from(17, 4789)).toBe("drop");
      expect(from(17, 53)).toBe("accept");
    }
  });
});

describe("host side: the incremental compiler", () => {
  it("follows pools and nodes coming and going, with the reference delta", () => {
    const docs = [pod, pool("10.0.0.0/16", ", natOutgoing: true, ipipMode: Always"), v3Node("node-2", "192.0.2.2")];
    const full = load(...docs).model;
    const c = createCompiler({ node: "node-1" });
    const empty = c.ir;
    const first = c.load(full);
    expect(first.ir).toEqual(compileModel(full, { node: "node-1" }).ir);
    expect(first.delta).toEqual(diffIr(empty, first.ir));
    const withoutNode = { resources: full.resources.filter((r) => r.kind !== "Node") };
    const second = c.load(withoutNode);
    expect(second.ir).toEqual(compileModel(withoutNode, { node: "node-1" }).ir);
    expect(second.delta).toEqual(diffIr(first.ir, second.ir));
  });
});

describe("nodes: validation", () => {
  it("reports a BGP address that is not a CIDR, and annotation addresses that do not parse", () => {
    const bare = loadModel([{ path: "n.yaml", text: v3Node("node-9", "192.0.2.1").replace("192.0.2.1/24", "192.0.2.1") }]);
    expect(bare.diagnostics.map((d) => [d.code, d.severity])).toEqual([["invalid-cidr", "error"]]);
    const k8s = loadModel([{ path: "n.yaml", text: `apiVersion: v1\nkind: Node\nmetadata: {name: node-9, annotations: {projectcalico.org/IPv4Address: nope}}` }]);
    expect(k8s.diagnostics.map((d) => [d.code, d.severity])).toEqual([["invalid-cidr", "warning"]]);
  });
});

describe("host side: the evaluator agrees", () => {
  it("decides IPIP and VXLAN to the node before any policy, from known nodes only", async () => {
    const { prepareModel, evaluateFlow } = await import("../semantics/index.js");
    const hep = `apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata: {name: node-1-eth0}
spec: {node: node-1, interfaceName: eth0, expectedIPs: [192.0.2.1]}`;
    const { model } = load(pod, hep, pool("10.0.0.0/16", ", ipipMode: Always, vxlanMode: Always"), k8sNode("node-2", "192.0.2.2"), v3Node("node-3", "192.0.2.3", ", ipv4VXLANTunnelAddr: 10.0.3.1"));
    const p = prepareModel(model, { node: "node-1" });
    const to = (src: string, protocol: number, dstPort?: number) =>
      evaluateFlow(p, { family: 4, src: { ip: src }, dst: { ip: "192.0.2.1" }, protocol, ...(dstPort ? { dstPort } : {}) }).hostEncapsulation;
    expect(to("192.0.2.2", 4)).toEqual({ what: "IPIP", fromKnownNode: true });
    expect(to("198.51.100.1", 4)).toEqual({ what: "IPIP", fromKnownNode: false });
    expect(to("192.0.2.3", 17, 4789)).toEqual({ what: "VXLAN", fromKnownNode: true });
    expect(to("192.0.2.2", 17, 4789)).toEqual({ what: "VXLAN", fromKnownNode: false });
    expect(to("192.0.2.2", 17, 53)).toBeUndefined();
  });
});
