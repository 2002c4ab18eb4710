/**
 * Loads the iptables backend's output into a real kernel, inside a throwaway network namespace:
 * `ipset restore`, then `iptables-restore --noflush` / `ip6tables-restore --noflush` (after a
 * `--test` dry run), and checks with `iptables-save` that every rule arrived, the hooks are in
 * place, and foreign chains, rules and sets survive byte for byte. Also checks that the limits
 * in limits.ts are the kernel's. Skipped (loudly) without root and the tools.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderIptables } from "../../src/backends/iptables/index.js";
import {
  MAX_CHAIN_NAME_LENGTH,
  MAX_COMMENT_LENGTH,
  MAX_IPSET_NAME_LENGTH,
  MAX_LOG_PREFIX_LENGTH,
  MAX_MULTIPORT_SLOTS,
} from "../../src/backends/iptables/limits.js";
import { createNetns, destroyNetns, kernelAvailable, runInNetns, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";
import { sampleIr } from "./sampleIr.js";

const SUITE = "iptables backend in a real kernel (test/kernel/iptablesRestore.test.ts)";
warnIfKernelUnavailable(SUITE);

/** State someone else (kube-proxy, an admin) put there before us. */
const FOREIGN_V4 = `*filter
:FOREIGN - [0:0]
-A INPUT -j FOREIGN
-A FORWARD -s 198.51.100.0/24 -j DROP
-A FOREIGN -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -m comment --comment "not ours" -j ACCEPT
COMMIT
*nat
:KUBE-POSTROUTING - [0:0]
-A POSTROUTING -j KUBE-POSTROUTING
-A KUBE-POSTROUTING -s 10.0.0.0/8 -j MASQUERADE
COMMIT
`;
const FOREIGN_V6 = `*filter
:FOREIGN6 - [0:0]
-A INPUT -j FOREIGN6
-A FOREIGN6 -s 2001:db8::1/128 -j ACCEPT
COMMIT
`;
const FOREIGN_IPSET = "create foreign-set hash:ip family inet\nadd foreign-set 192.0.2.7\n";

/** The lines of each table in iptables-save output, without the `#` header/footer lines. */
function tableSections(save: string): Map<string, string[]> {
  const sections = new Map<string, string[]>();
  let current: string[] | undefined;
  for (const line of save.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    if (line.startsWith("*")) sections.set(line.slice(1), (current = []));
    else current?.push(line);
  }
  return sections;
}

function withoutOurs(lines: readonly string[]): string[] {
  return lines.filter((l) => !/cali[-:]/.test(l));
}

function hashesIn(text: string): string[] {
  return [...text.matchAll(/cali:([A-Za-z0-9_-]{16})/g)].map((m) => m[1] ?? "").sort();
}

function fileOf(name: string): string {
  const file = renderIptables(sampleIr()).find((f) => f.path === name);
  if (file === undefined) throw new Error(`no ${name}`);
  return file.contents;
}

describe.skipIf(!kernelAvailable())(SUITE, () => {
  let ns = "";
  beforeAll(() => {
    ns = createNetns();
  });
  afterAll(() => {
    if (ns !== "") destroyNetns(ns);
  });

  it("loads ipsets and rules next to foreign state, which survives byte for byte", () => {
    runInNetnsOk(ns, ["iptables-restore", "--noflush"], FOREIGN_V4);
    runInNetnsOk(ns, ["ip6tables-restore", "--noflush"], FOREIGN_V6);
    runInNetnsOk(ns, ["ipset", "restore"], FOREIGN_IPSET);
    const before4 = tableSections(runInNetnsOk(ns, ["iptables-save"]));
    const before6 = tableSections(runInNetnsOk(ns, ["ip6tables-save"]));

    const ipsets = fileOf("ipset.restore");
    const v4 = fileOf("iptables.rules");
    const v6 = fileOf("ip6tables.rules");
    runInNetnsOk(ns, ["ipset", "restore"], ipsets);
    runInNetnsOk(ns, ["ipset", "restore"], ipsets); // a second load refills the sets in place
    runInNetnsOk(ns, ["iptables-restore", "--test", "--noflush"], v4);
    runInNetnsOk(ns, ["ip6tables-restore", "--test", "--noflush"], v6);
    runInNetnsOk(ns, ["iptables-restore", "--noflush"], v4);
    runInNetnsOk(ns, ["ip6tables-restore", "--noflush"], v6);

    const save4 = runInNetnsOk(ns, ["iptables-save"]);
    const save6 = runInNetnsOk(ns, ["ip6tables-save"]);
    const after4 = tableSections(save4);
    const after6 = tableSections(save6);

    // Foreign chains and rules: unchanged, in order.
    for (const [before, after] of [[before4, after4], [before6, after6]] as const) {
      for (const [table, lines] of before) expect(withoutOurs(after.get(table) ?? []), table).toEqual(lines);
    }

    // Every rule we wrote is there (hash for hash), and every chain we declared.
    expect(hashesIn(save4)).toEqual(hashesIn(v4));
    expect(hashesIn(save6)).toEqual(hashesIn(v6));
    for (const [rules, save] of [[v4, save4], [v6, save6]] as const) {
      for (const chain of rules.match(/^:cali-\S+/gm) ?? []) expect(save).toContain(`${chain} - [0:0]`);
    }
    expect(save4).toContain(":cali-pi-_PymyFHQQg3808jiz1OJ - [0:0]");

    // Hooks: inserted ones on top (Felix's FORWARD hook hash), the nat one appended after kube's.
    const filter4 = after4.get("filter") ?? [];
    expect(filter4.find((l) => l.startsWith("-A FORWARD "))).toBe('-A FORWARD -m comment --comment "cali:wUHhoiAYhphO9Mso" -j cali-FORWARD');
    expect(filter4.filter((l) => l.startsWith("-A INPUT ")).map((l) => l.split(" -j ")[1])).toEqual(["cali-INPUT", "FOREIGN"]);
    expect((after4.get("nat") ?? []).filter((l) => l.startsWith("-A POSTROUTING ")).map((l) => l.split(" -j ")[1])).toEqual(["KUBE-POSTROUTING", "cali-POSTROUTING"]);
    expect((after6.get("filter") ?? []).filter((l) => l.startsWith("-A INPUT ")).map((l) => l.split(" -j ")[1])).toEqual(["cali-INPUT", "FOREIGN6"]);

    // Sets: ours with their members, no temporary sets left, the foreign one untouched.
    const names = runInNetnsOk(ns, ["ipset", "list", "-n"]).trim().split("\n").sort();
    const ours = [...ipsets.matchAll(/^create (cali[46]0\S+)/gm)].map((m) => m[1] ?? "");
    expect(names).toEqual([...new Set(ours)].concat("foreign-set").sort());
    const db = runInNetnsOk(ns, ["ipset", "list", ours.find((n) => n.startsWith("cali40s:db")) ?? ""]);
    expect(db).toMatch(/Type: hash:net/);
    expect(db).toMatch(/maxelem 1048576/);
    expect(db.split("Members:\n")[1]?.trim().split("\n").sort()).toEqual(["10.65.0.10", "10.65.1.0/24"]);
    const web6 = runInNetnsOk(ns, ["ipset", "list", ours.find((n) => n.startsWith("cali60n:web")) ?? ""]);
    expect(web6).toMatch(/Type: hash:ip,port[\s\S]*family inet6/);
    expect(web6.split("Members:\n")[1]?.trim().split("\n").sort()).toEqual(["fd00::2,tcp:8080", "fd00::3,tcp:8080"]);
    expect(runInNetnsOk(ns, ["ipset", "list", "foreign-set"])).toMatch(/Members:\n192\.0\.2\.7\n/);
  });

  it("agrees with the kernel on the limits in limits.ts", () => {
    const ok = (argv: string[]): boolean => runInNetns(ns, argv).status === 0;
    const chain = (n: number): string => `cali-${"x".repeat(n - 5)}`;
    expect(ok(["iptables", "-N", chain(MAX_CHAIN_NAME_LENGTH)])).toBe(true);
    expect(ok(["iptables", "-N", chain(MAX_CHAIN_NAME_LENGTH + 1)])).toBe(false);
    const target = chain(MAX_CHAIN_NAME_LENGTH);
    // iptables 1.8.9 does not reject a longer comment: it silently keeps the first 255 characters.
    expect(ok(["iptables", "-A", target, "-m", "comment", "--comment", "c".repeat(MAX_COMMENT_LENGTH + 10)])).toBe(true);
    const stored = /--comment "?(c{100,})/.exec(runInNetnsOk(ns, ["iptables-save", "-t", "filter"]))?.[1];
    expect(stored).toHaveLength(MAX_COMMENT_LENGTH);
    // The same for LOG prefixes: the first 29 characters are kept.
    expect(ok(["iptables", "-A", target, "-j", "LOG", "--log-prefix", "p".repeat(MAX_LOG_PREFIX_LENGTH + 5)])).toBe(true);
    const prefix = /--log-prefix "?(p+)/.exec(runInNetnsOk(ns, ["iptables-save", "-t", "filter"]))?.[1];
    expect(prefix).toHaveLength(MAX_LOG_PREFIX_LENGTH);
    const ports = (n: number): string => Array.from({ length: n }, (_, i) => `${1000 + i}`).join(",");
    expect(ok(["iptables", "-A", target, "-p", "tcp", "-m", "multiport", "--dports", ports(MAX_MULTIPORT_SLOTS)])).toBe(true);
    expect(ok(["iptables", "-A", target, "-p", "tcp", "-m", "multiport", "--dports", ports(MAX_MULTIPORT_SLOTS + 1)])).toBe(false);
    const set = (n: number): string => `cali40${"s".repeat(n - 6)}`;
    expect(ok(["ipset", "create", set(MAX_IPSET_NAME_LENGTH), "hash:net"])).toBe(true);
    expect(ok(["ipset", "create", set(MAX_IPSET_NAME_LENGTH + 1), "hash:net"])).toBe(false);
  });
});
