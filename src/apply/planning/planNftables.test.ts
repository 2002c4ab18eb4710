import { describe, expect, it } from "vitest";
import { readInputs } from "../../cli/readInputs.js";
import { compileModel } from "../../compiler/compile.js";
import { loadModel } from "../../model/loadModel.js";
import { desiredNftTables } from "../state/desiredNftables.js";
import type { NftTable } from "../state/nftState.js";
import { normalizeElement, parseNftJson } from "../state/nftState.js";
import { planNftables } from "./planNftables.js";

function desired(fixture: string): NftTable[] {
  const read = readInputs([`fixtures/cases/${fixture}`]);
  return desiredNftTables(compileModel(loadModel(read.files).model, { node: "node-1" }).ir, { script: true });
}

/** What `nft -j list` would give back for a desired table: the same, minus script and declarations. */
function asKernel(tables: readonly NftTable[]): NftTable[] {
  return tables.map((t) => ({ family: t.family, chains: t.chains, sets: t.sets.map((s) => ({ ...s, declaration: [] })) }));
}

describe("desired tables and parseNftJson", () => {
  it("holds both families' chains, hashes, sets and maps, and each table's creation script", () => {
    const [ip, ip6] = desired("k8s-named-ports");
    expect([ip?.family, ip6?.family]).toEqual(["ip", "ip6"]);
    const input = ip?.chains.find((c) => c.name === "filter-INPUT");
    expect(input?.header).toBe("type filter hook input priority 0; policy accept;");
    expect(input?.rules[0]?.hash).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const map = ip?.sets.find((s) => s.kind === "map");
    expect(map?.signature).toBe("map:ifname : verdict|");
    expect(map?.elements[0]).toMatch(/^cali\w+ : goto filter-cali-fw-/);
    expect(ip?.script?.slice(0, 3)).toEqual(["table ip policyc {}", "delete table ip policyc", "table ip policyc {"]);
  });

  it("reads nft -j output with the same spellings", () => {
    const json = JSON.stringify({
      nftables: [
        { metainfo: { version: "1.0.6" } },
        { table: { family: "ip", name: "policyc", handle: 3 } },
        { set: { family: "ip", name: "s1", table: "policyc", type: ["ipv4_addr", "inet_proto", "inet_service"], elem: [{ concat: ["10.65.0.50", "tcp", 8080] }] } },
        { set: { family: "ip", name: "s2", table: "policyc", type: "ipv4_addr", flags: ["interval"], elem: ["10.0.0.1", { prefix: { addr: "10.1.0.0", len: 16 } }] } },
        { map: { family: "ip", name: "m", table: "policyc", type: "ifname", map: "verdict", elem: [["cali1", { goto: { target: "filter-cali-fw-cali1" } }]] } },
        { chain: { family: "ip", table: "policyc", name: "filter-INPUT", type: "filter", hook: "input", prio: 0, policy: "accept" } },
        { rule: { family: "ip", table: "policyc", chain: "filter-INPUT", handle: 9, comment: "cali:H0S9z2pOh43UL0cc;", expr: [] } },
      ],
    });
    const table = parseNftJson(json, "ip");
    expect(table.sets.map((s) => [s.signature, s.elements])).toEqual([
      ["set:ipv4_addr . inet_proto . inet_service|", ["10.65.0.50 . tcp . 8080"]],
      ["set:ipv4_addr|interval", ["10.0.0.1", "10.1.0.0/16"]],
      ["map:ifname : verdict|", ["cali1 : goto filter-cali-fw-cali1"]],
    ]);
    expect(table.chains).toEqual([{ name: "filter-INPUT", header: "type filter hook input priority 0; policy accept;", rules: [{ text: "handle 9", hash: "H0S9z2pOh43UL0cc" }] }]);
    expect(normalizeElement('"cali1" : goto x')).toBe("cali1 : goto x");
    expect(normalizeElement("10.0.0.1/32 . tcp . 80")).toBe("10.0.0.1 . tcp . 80");
  });
});

describe("planNftables", () => {
  const a = desired("k8s-named-ports");
  const b = desired("demo-shop");
  it("creates missing tables from scratch in one transaction, checked first", () => {
    const plan = planNftables(a, []);
    expect(plan.steps.map((s) => [s.argv.join(" "), s.checkArgv?.join(" ")])).toEqual([["nft -f -", "nft --check -f -"]]);
    expect(plan.steps[0]?.stdin).toContain("table ip policyc {\n");
  });
  it("writes nothing when the kernel matches", () => {
    expect(planNftables(a, asKernel(a)).steps).toEqual([]);
  });
  it("from A to B: declarations, element deletes, flushes, element adds, chain refills, deletes last (sets and maps before chains)", () => {
    const plan = planNftables(b, asKernel(a));
    const all = (plan.steps[0]?.stdin ?? "").split("\n").filter((l) => l !== "");
    // Order is per family; look at the IPv4 table's part.
    const lines = all.filter((l) => l.includes(" ip policyc "));
    const kinds = lines.map((l) => /^(add set|add chain|delete element|flush chain|add element|add rule|delete chain|delete set|delete map)/.exec(l)?.[1] ?? l);
    const firstIndex = (k: string): number => kinds.indexOf(k);
    const lastIndex = (k: string): number => kinds.lastIndexOf(k);
    expect(kinds.every((k) => /^(add|delete|flush)/.test(k))).toBe(true);
    expect(lastIndex("add set")).toBeLessThan(firstIndex("delete element"));
    expect(lastIndex("delete element")).toBeLessThan(firstIndex("flush chain"));
    expect(lastIndex("add rule")).toBeLessThan(firstIndex("delete set"));
    expect(lastIndex("delete set")).toBeLessThan(firstIndex("delete chain"));
    // Chains both sides have with the same rules are not touched.
    expect(lines.some((l) => l.includes(" filter-cali-FORWARD"))).toBe(false);
    expect(plan.summary.chainsRemoved.length).toBeGreaterThan(0);
    expect(plan.summary.setsChanged).toContain("ip policyc/filter-cali-from-wl-dispatch");
  });
  it("replaces a set whose type or flags change: the chains that look it up flushed first and refilled after", () => {
    const [ip] = a;
    const set = ip?.sets.find((s) => s.kind === "set");
    const kernel = asKernel(a).map((t) => ({ ...t, sets: t.sets.map((s) => (s.name === set?.name ? { ...s, signature: `${s.signature}x` } : s)) }));
    const lines = (planNftables(a, kernel).steps[0]?.stdin ?? "").split("\n").filter((l) => l !== "");
    const users = ip?.chains.filter((c) => c.rules.some((r) => r.text.includes(`@${set?.name} `))).map((c) => c.name) ?? [];
    expect(users.length).toBeGreaterThan(0);
    const at = (line: string): number => lines.indexOf(line);
    expect(at(`delete set ip policyc ${set?.name}`)).toBeGreaterThan(Math.max(...users.map((c) => at(`flush chain ip policyc ${c}`))));
    expect(at(`add set ip policyc ${set?.name} { ${set?.declaration.map((d) => `${d};`).join(" ")} }`)).toBe(at(`delete set ip policyc ${set?.name}`) + 1);
    const adds = lines.findIndex((l) => l.startsWith(`add element ip policyc ${set?.name} `));
    expect(adds).toBeGreaterThan(at(`delete set ip policyc ${set?.name}`));
    for (const c of users) expect(lines.findIndex((l) => l.startsWith(`add rule ip policyc ${c} `))).toBeGreaterThan(adds);
    expect(lines.some((l) => l.startsWith("delete table"))).toBe(false);
  });

  it("re-creates a family's table when a base chain's hook changes", () => {
    const kernel = asKernel(a).map((t) => ({ ...t, chains: t.chains.map((c) => (c.header === undefined ? c : { ...c, header: c.header.replace("priority 0", "priority 1") })) }));
    const text = planNftables(a, kernel).steps[0]?.stdin ?? "";
    expect(text).toMatch(/^# ip policyc re-created: /m);
    expect(text).toContain("delete table ip policyc\ntable ip policyc {");
  });
});
