import { describe, expect, it } from "vitest";
import type { Chain, FamilyIr, Ir, IpSet, Table } from "../../compiler/ir/types.js";
import { buildNftLayout } from "./buildLayout.js";
import { renderNftables } from "./index.js";
import { printNftFamily } from "./layout.js";
import { MARKS, dropRule, emptyChain, familyIr, filterTable, gotoRule, rule, v4Ir } from "./testIr.js";

/** The script lines of one family's table, as renderNftables prints them. */
function renderFamily(fam: FamilyIr): string[] {
  const layout = buildNftLayout({ marks: MARKS, v4: fam.family === 4 ? fam : familyIr(4, []), v6: fam.family === 6 ? fam : familyIr(6, []) });
  const out: string[] = [];
  printNftFamily(fam.family === 4 ? layout.v4 : layout.v6, out);
  return out;
}

const sets: IpSet[] = [
  { id: "n:web", type: "addrPort", family: 4, members: ["10.0.0.2,tcp:8080", "10.0.0.1,tcp:8080"], comment: 'named port "http"' },
  { id: "s:db", type: "net", family: 4, members: ["10.0.0.0/24", "10.0.0.7/32"], comment: "role == db" },
  { id: "s:none", type: "net", family: 4, members: [], comment: "" },
];

function sample(): Ir {
  const dispatch: Chain[] = [
    { name: "cali-from-wl-dispatch", rules: [gotoRule("in", "cali1", "cali-from-wl-dispatch-1", true), gotoRule("in", "cali9", "cali-fw-cali9"), dropRule()] },
    { name: "cali-from-wl-dispatch-1", rules: [gotoRule("in", "cali11", "cali-fw-cali11"), gotoRule("in", "cali12", "cali-fw-cali12"), dropRule()] },
  ];
  const table = filterTable(
    [
      { name: "cali-FORWARD", rules: [rule([{ kind: "iface", dir: "in", name: "cali", prefix: true, negate: false }], { kind: "jump", chain: "cali-from-wl-dispatch" })] },
      ...dispatch,
      ...["cali11", "cali12", "cali9"].map((i) => ({
        name: `cali-fw-${i}`,
        rules: [rule([{ kind: "set", dir: "src", set: "s:db", negate: false }, { kind: "addrPortSet", dir: "dst", set: "n:web", negate: true }], { kind: "accept" })],
      })),
    ],
    [
      { kernelChain: "FORWARD", target: "cali-FORWARD", position: "append", matches: [] },
      { kernelChain: "FORWARD", target: "cali-FORWARD", position: "insert", matches: [{ kind: "mark", value: 0, mask: MARKS.accept, negate: false }] },
    ],
  );
  return v4Ir([table], sets);
}

describe("renderNftables", () => {
  const [file, ...others] = renderNftables(sample());
  const text = file?.contents ?? "";

  it("writes one file, ruleset.nft", () => {
    expect(file?.path).toBe("ruleset.nft");
    expect(others).toEqual([]);
  });

  it("replaces only our own tables, both families, in one script", () => {
    const tableLines = text.split("\n").filter((l) => /^(table|delete|flush|add)\b/.test(l));
    expect(tableLines).toEqual([
      "table ip policyc {}", "delete table ip policyc", "table ip policyc {",
      "table ip6 policyc {}", "delete table ip6 policyc", "table ip6 policyc {",
    ]);
    expect(text).not.toMatch(/flush ruleset/);
  });

  it("declares every set, empty ones without elements, with nft types; `flags interval` only for a set holding a prefix", () => {
    expect(text).toContain("\tset cali40n-web {\n\t\ttype ipv4_addr . inet_proto . inet_service\n\t\tcomment \"named port _http_\"\n\t\telements = {\n\t\t\t10.0.0.1 . tcp . 8080,\n\t\t\t10.0.0.2 . tcp . 8080\n\t\t}\n\t}");
    expect(text).toContain("\tset cali40s-db {\n\t\ttype ipv4_addr\n\t\tflags interval\n\t\tcomment \"role == db\"\n\t\telements = {\n\t\t\t10.0.0.0/24\n\t\t}\n\t}");
    expect(text).toContain("\tset cali40s-none {\n\t\ttype ipv4_addr\n\t}");
  });

  it("turns the dispatch tree into a verdict map and drops the child chain", () => {
    expect(text).toContain(
      "\tmap filter-cali-from-wl-dispatch {\n\t\ttype ifname : verdict\n\t\telements = {\n" +
        '\t\t\t"cali11" : goto filter-cali-fw-cali11,\n\t\t\t"cali12" : goto filter-cali-fw-cali12,\n\t\t\t"cali9" : goto filter-cali-fw-cali9\n\t\t}\n\t}',
    );
    expect(text).toMatch(/\tchain filter-cali-from-wl-dispatch \{\n\t\tcounter iifname vmap @filter-cali-from-wl-dispatch comment "cali:[\w-]{16};"\n\t\tcounter drop comment "cali:[\w-]{16};Unknown interface"\n\t\}/);
    expect(text).not.toContain("cali-from-wl-dispatch-1");
  });

  it("hooks a base chain at filter priority with policy accept, inserts before appends", () => {
    expect(text).toMatch(
      /\tchain filter-FORWARD \{\n\t\ttype filter hook forward priority 0; policy accept;\n\t\tmeta mark & 0x10000 == 0x0 counter jump filter-cali-FORWARD comment "cali:[\w-]{16};"\n\t\tcounter jump filter-cali-FORWARD comment "cali:[\w-]{16};"\n\t\}/,
    );
  });

  it("renders other chains rule by rule with set lookups", () => {
    expect(text).toMatch(/\tchain filter-cali-fw-cali9 \{\n\t\tip saddr @cali40s-db ip daddr \. meta l4proto \. th dport != @cali40n-web counter accept comment "cali:[\w-]{16};"\n\t\}/);
  });

  it("is deterministic and does not depend on object identity", () => {
    const again = renderNftables(JSON.parse(JSON.stringify(sample())) as Ir)[0]?.contents;
    expect(again).toBe(text);
  });

  it("gives every rule a distinct cali: hash", () => {
    const hashes = [...text.matchAll(/cali:([\w-]{16});/g)].map((m) => m[1]);
    expect(hashes.length).toBeGreaterThan(5);
    expect(new Set(hashes).size).toBe(hashes.length);
  });
});

describe("one family's table", () => {
  it("uses Felix's priorities for raw, mangle and nat base chains", () => {
    const table = (name: Table["name"], kernelChain: Table["hooks"][number]["kernelChain"]): Table => ({
      name,
      hooks: [{ kernelChain, target: "cali-x", position: "insert", matches: [] }],
      chains: [emptyChain("cali-x")],
    });
    const text = renderFamily(familyIr(6, [table("raw", "PREROUTING"), table("mangle", "OUTPUT"), table("nat", "POSTROUTING"), table("nat", "PREROUTING")])).join("\n");
    expect(text).toContain("chain raw-PREROUTING {\n\t\ttype filter hook prerouting priority -300; policy accept;");
    expect(text).toContain("chain mangle-OUTPUT {\n\t\ttype route hook output priority -150; policy accept;");
    expect(text).toContain("chain nat-POSTROUTING {\n\t\ttype nat hook postrouting priority 110; policy accept;");
    expect(text).toContain("chain nat-PREROUTING {\n\t\ttype nat hook prerouting priority -100; policy accept;");
    expect(text).toContain("jump nat-cali-x");
  });

  it("refuses a hook the table does not have and a set of the wrong family", () => {
    const bad: Table = { name: "raw", hooks: [{ kernelChain: "FORWARD", target: "cali-x", position: "insert", matches: [] }], chains: [emptyChain("cali-x")] };
    expect(() => renderFamily(familyIr(4, [bad]))).toThrow(/table raw has no FORWARD hook/);
    expect(() => renderFamily(familyIr(4, [], [{ id: "s:x", type: "net", family: 6, members: [], comment: "" }]))).toThrow(/listed under IPv4/);
  });
});
