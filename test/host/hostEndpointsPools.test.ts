/**
 * Host endpoints and IP pools together, on the host-endpoints-pools fixture: the encapsulation
 * rules of the pools (felix/rules/static.go `filterInputChain`, `filterOutputChain`) come before
 * host endpoint policy, so IPIP and VXLAN between known nodes pass a host policy that allows
 * neither, strangers' tunnel packets are dropped whatever host policy says, and workloads never
 * send them. The reference evaluator and the compiled IR (`interpretPath`) agree on every flow.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Flow } from "../../src/semantics/index.js";
import { evaluateFlow } from "../../src/semantics/index.js";
import { compileYaml, disagreements } from "../fuzz/differential.js";

const text = readFileSync("fixtures/cases/host-endpoints-pools/cluster.yaml", "utf8");
const c = compileYaml(text, "node-1");
if (typeof c === "string") throw new Error(c);

const NODE = "192.168.1.1";
const NODE2 = "192.168.1.2";
const STRANGER = "203.0.113.5";
const POD = "10.48.0.5";
const ENDS = [NODE, NODE2, STRANGER, POD];
const IPIP = 4;
const PORTS: readonly [number, number][] = [[IPIP, 0], [17, 4789], [17, 4790], [6, 22], [17, 53], [6, 80]];

function flow(src: string, dst: string, protocol: number, port: number): Flow {
  const base = { family: 4 as const, src: { ip: src }, dst: { ip: dst }, protocol };
  return protocol === IPIP ? base : { ...base, srcPort: 40000, dstPort: port };
}

const allows = (src: string, dst: string, protocol: number, port = 0): boolean => evaluateFlow(c.prepared, flow(src, dst, protocol, port)).allowed;

describe("host endpoints with IP pools (fixtures/cases/host-endpoints-pools)", () => {
  it("the evaluator and the compiled IR agree on every flow", () => {
    const flows: Flow[] = [];
    const onNode = (a: string): boolean => a === NODE || a === POD;
    for (const s of ENDS) for (const d of ENDS) if (s !== d && (onNode(s) || onNode(d))) for (const [p, port] of PORTS) flows.push(flow(s, d, p, port));
    expect(disagreements(c, flows).map((x) => x.explanation)).toEqual([]);
  });

  it("to the node: tunnels from known nodes pass host policy, strangers' are dropped", () => {
    expect(allows(NODE2, NODE, IPIP)).toBe(true);
    expect(allows(NODE2, NODE, 17, 4789)).toBe(true);
    expect(allows(STRANGER, NODE, IPIP)).toBe(false);
    expect(allows(STRANGER, NODE, 17, 4789)).toBe(false);
    // Other traffic is host policy's: SSH allowed, the rest denied.
    expect(allows(NODE2, NODE, 6, 22)).toBe(true);
    expect(allows(NODE2, NODE, 6, 80)).toBe(false);
    expect(allows(NODE2, NODE, 17, 4790)).toBe(false);
  });

  it("from the node: tunnels to known nodes skip host egress policy; to anyone else they meet it", () => {
    expect(allows(NODE, NODE2, IPIP)).toBe(true);
    expect(allows(NODE, NODE2, 17, 4789)).toBe(true);
    expect(allows(NODE, STRANGER, IPIP)).toBe(false);
    expect(allows(NODE, STRANGER, 17, 4789)).toBe(false);
    expect(allows(NODE, NODE2, 6, 80)).toBe(false);
    expect(allows(NODE, NODE2, 17, 53)).toBe(true);
  });

  it("workloads never send tunnel packets, to the node or beyond", () => {
    expect(allows(POD, NODE, 17, 4789)).toBe(false);
    expect(allows(POD, NODE2, 17, 4789)).toBe(false);
    expect(allows(POD, NODE2, IPIP)).toBe(false);
    expect(allows(POD, NODE2, 6, 80)).toBe(true);
  });
});
