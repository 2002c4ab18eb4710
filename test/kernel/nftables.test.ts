/**
 * Loads the nftables backend's script into a real kernel, inside a throwaway network namespace:
 * `nft --check -f` then `nft -f`, twice (the script must be safe to re-load), and checks with
 * `nft list ruleset` that our tables hold every rule (by its `cali:` hash), the verdict maps and
 * the sets, that re-loading changes nothing, and that a foreign table survives byte for byte.
 * Also pins the limits in limits.ts to the kernel's. Skipped (loudly) without root and the tools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderNftables } from "../../src/backends/nftables/index.js";
import { MAX_COMMENT_LENGTH, MAX_LOG_PREFIX_LENGTH, MAX_NAME_LENGTH } from "../../src/backends/nftables/limits.js";
import { dispatchChains } from "../../src/compiler/felixLayout/dispatch.js";
import type { Chain, Family, FamilyIr, Ir, Match, PortRange, Rule } from "../../src/compiler/ir/types.js";
import { createNetns, destroyNetns, kernelAvailable, runInNetns, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";
import { MARKS, sampleIr } from "./sampleIr.js";

const SUITE = "nftables backend in a real kernel (test/kernel/nftables.test.ts)";
warnIfKernelUnavailable(SUITE);

/** Someone else's tables: an iptables-nft style filter table and an inet table with a set. */
const FOREIGN = `table ip filter {
	chain INPUT {
		type filter hook input priority 0; policy accept;
		ip saddr 198.51.100.0/24 counter drop comment "not ours"
	}
}
table inet foreign {
	set blocked {
		type ipv4_addr
		elements = { 192.0.2.7 }
	}
	chain foreign_forward {
		type filter hook forward priority -10; policy accept;
		ip daddr @blocked drop
	}
}
`;

const WORKLOADS = ["cali1234abcd", "cali1234abce", "cali1299ffff", "cali5678ef01"];
const rule = (matches: Match[], action: Rule["action"], comments: string[] = []): Rule => ({ matches, action, comments });
const singles = (...ports: number[]): PortRange[] => ports.map((p) => ({ first: p, last: p }));

/** A policy chain with more than 15 ports (a list, and a negated list), whole as the IR keeps them. */
function manyPortsChain(family: Family): Chain {
  const v4 = family === 4;
  return {
    name: "cali-pi-np/kernel/many-ports",
    rules: [
      rule(
        [{ kind: "protocol", protocol: 6, negate: false },
          { kind: "ports", dir: "dst", ranges: [...singles(21, 22, 23, 25, 53, 80, 110, 143, 443, 465, 587, 993, 995, 8443, 9000), { first: 8000, last: 8010 }, { first: 9100, last: 9200 }], negate: false },
          { kind: "addr", dir: "src", cidrs: v4 ? ["10.0.0.0/8", "10.1.0.0/16", "172.16.0.0/12"] : ["fd00::/8", "fd00:1::/64", "2001:db8::/32"], negate: false }],
        { kind: "setMark", value: MARKS.accept, mask: MARKS.accept },
        ["NetworkPolicy kernel/many-ports ingress"],
      ),
      rule([{ kind: "mark", value: MARKS.accept, mask: MARKS.accept, negate: false }], { kind: "return" }),
      rule(
        [{ kind: "protocol", protocol: 17, negate: false },
          { kind: "ports", dir: "dst", ranges: singles(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18), negate: true },
          { kind: "addr", dir: "dst", cidrs: v4 ? ["192.0.2.0/24", "198.51.100.0/24"] : ["2001:db8:1::/48", "2001:db8:2::/48"], negate: true }],
        { kind: "drop" },
      ),
    ],
  };
}

/** The iptables helper's sample IR, with a Felix prefix-tree dispatch and a many-ports policy. */
function nftSampleIr(): Ir {
  const base = sampleIr();
  const extend = (fam: FamilyIr): FamilyIr => ({
    ...fam,
    tables: fam.tables.map((t) => {
      if (t.name !== "filter") return t;
      const endpoint = t.chains.find((c) => c.name === "cali-fw-cali1234abcd");
      const keep = t.chains.filter((c) => !c.name.includes("-wl-dispatch"));
      const extraEndpoints = WORKLOADS.filter((w) => !t.chains.some((c) => c.name === `cali-fw-${w}`)).flatMap((w) => [
        { name: `cali-fw-${w}`, rules: endpoint?.rules ?? [] },
        { name: `cali-tw-${w}`, rules: endpoint?.rules ?? [] },
      ]);
      const chains = [
        ...keep,
        ...extraEndpoints,
        ...dispatchChains("cali-from-wl-dispatch", WORKLOADS, "in", (w) => `cali-fw-${w}`),
        ...dispatchChains("cali-to-wl-dispatch", WORKLOADS, "out", (w) => `cali-tw-${w}`),
        manyPortsChain(fam.family),
      ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { ...t, chains };
    }),
  });
  return { ...base, v4: extend(base.v4), v6: extend(base.v6) };
}

function hashesIn(text: string): string[] {
  return [...text.matchAll(/comment "cali:([\w-]{16});/g)].map((m) => m[1] ?? "").sort();
}

/** One table's listing, counters zeroed, so two listings of the same ruleset compare equal. */
function listTable(ns: string, family: string, name: string): string {
  return runInNetnsOk(ns, ["nft", "list", "table", family, name]).replace(/packets \d+ bytes \d+/g, "packets 0 bytes 0");
}

describe.skipIf(!kernelAvailable())(SUITE, () => {
  let ns = "";
  const script = renderNftables(nftSampleIr())[0]?.contents ?? "";

  beforeAll(() => {
    ns = createNetns();
    runInNetnsOk(ns, ["nft", "-f", "-"], FOREIGN);
  });
  afterAll(() => {
    if (ns !== "") destroyNetns(ns);
  });

  it("the sample exercises what the backend must handle", () => {
    expect(script).toContain("iifname vmap @filter-cali-from-wl-dispatch");
    expect(script).toContain("oifname vmap @filter-cali-to-wl-dispatch");
    expect(script).not.toContain("filter-cali-from-wl-dispatch-1");
    expect(script).toContain("th dport { 21-23, 25, 53, 80, 110, 143, 443, 465, 587, 993, 995, 8000-8010, 8443, 9000, 9100-9200 }");
    expect(script).toContain("th dport != 1-18 ");
    expect(script).toContain("type ipv4_addr . inet_proto . inet_service");
    expect(script).toContain("type ipv6_addr . inet_proto . inet_service");
    expect(script).toContain("icmpv6 type . icmpv6 code != { 3 . 4 }");
    expect(script).toContain('log prefix "calico-packet: " level notice');
    expect(script).toContain("chain filter-cali-pi-gnp/long-policy-name-that-gets-hashed {");
  });

  it("passes nft --check", () => {
    const result = runInNetns(ns, ["nft", "--check", "-f", "-"], script);
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  });

  it("loads, and every rule, map and set arrives", () => {
    const foreignBefore = runInNetnsOk(ns, ["nft", "list", "ruleset"]);
    runInNetnsOk(ns, ["nft", "-f", "-"], script);
    const ruleset = runInNetnsOk(ns, ["nft", "list", "ruleset"]);
    expect(ruleset).toContain("table ip policyc {");
    expect(ruleset).toContain("table ip6 policyc {");
    expect(hashesIn(ruleset)).toEqual(hashesIn(script));
    for (const w of WORKLOADS) expect(ruleset).toContain(`"${w}" : goto filter-cali-fw-${w}`);
    expect(ruleset).toMatch(/set cali40s-db-v4-\S+ \{\n\t\ttype ipv4_addr\n\t\tflags interval/);
    // A set holding no prefix (here: nothing) is a plain hash set, without `flags interval`.
    expect(ruleset).toMatch(/set cali60s-empty-v6-\S+ \{\n\t\ttype ipv6_addr\n\t\tcomment /);
    expect(foreignBefore).not.toContain("policyc");
  });

  it("re-loads to the same ruleset, and foreign tables survive unchanged", () => {
    const foreignFilter = listTable(ns, "ip", "filter");
    const foreignInet = listTable(ns, "inet", "foreign");
    const before = [listTable(ns, "ip", "policyc"), listTable(ns, "ip6", "policyc")];
    runInNetnsOk(ns, ["nft", "-f", "-"], script);
    expect([listTable(ns, "ip", "policyc"), listTable(ns, "ip6", "policyc")]).toEqual(before);
    expect(listTable(ns, "ip", "filter")).toBe(foreignFilter);
    expect(listTable(ns, "inet", "foreign")).toBe(foreignInet);
    expect(foreignFilter).toContain('ip saddr 198.51.100.0/24 counter packets 0 bytes 0 drop comment "not ours"');
    const tables = runInNetnsOk(ns, ["nft", "list", "tables"]).trim().split("\n").sort();
    expect(tables).toEqual(["table inet foreign", "table ip filter", "table ip policyc", "table ip6 policyc"]);
  });

  it("a smaller ruleset replaces a bigger one completely (no stale chains, sets or elements)", () => {
    const small = renderNftables({ marks: MARKS, v4: { family: 4, tables: [], sets: [] }, v6: { family: 6, tables: [], sets: [] } })[0]?.contents ?? "";
    runInNetnsOk(ns, ["nft", "-f", "-"], small);
    expect(listTable(ns, "ip", "policyc")).toBe("table ip policyc {\n}\n");
    runInNetnsOk(ns, ["nft", "-f", "-"], script);
    expect(hashesIn(runInNetnsOk(ns, ["nft", "list", "ruleset"]))).toEqual(hashesIn(script));
  });

  it("loads into a fresh namespace too (first load creates the tables)", () => {
    const fresh = createNetns();
    try {
      runInNetnsOk(fresh, ["nft", "-f", "-"], script);
      expect(hashesIn(runInNetnsOk(fresh, ["nft", "list", "ruleset"]))).toEqual(hashesIn(script));
    } finally {
      destroyNetns(fresh);
    }
  });

  it("the limits in limits.ts are the kernel's", () => {
    const check = (body: string): number | null => runInNetns(ns, ["nft", "--check", "-f", "-"], `table ip limits {\n${body}\n}\n`).status;
    const chain = (name: string, rule: string): string => `chain ${name} {\n${rule}\n}`;
    expect(check(chain(`c${"a".repeat(MAX_NAME_LENGTH - 1)}`, "counter"))).toBe(0);
    expect(check(chain(`c${"a".repeat(MAX_NAME_LENGTH)}`, "counter"))).not.toBe(0);
    expect(check(chain("c", `counter comment "${"x".repeat(MAX_COMMENT_LENGTH)}"`))).toBe(0);
    expect(check(chain("c", `counter comment "${"x".repeat(MAX_COMMENT_LENGTH + 1)}"`))).not.toBe(0);
    expect(check(chain("c", `log prefix "${"p".repeat(MAX_LOG_PREFIX_LENGTH)}" level notice`))).toBe(0);
    expect(check(chain("c", `log prefix "${"p".repeat(MAX_LOG_PREFIX_LENGTH + 1)}" level notice`))).not.toBe(0);
    // Quoted chain names are a syntax error in the nft we target: names must be identifiers.
    expect(check(chain('"quoted-name"', "counter"))).not.toBe(0);
  });
});
