/**
 * `apply` against a real kernel, in throwaway network namespaces, for iptables-legacy and
 * iptables-nft (and the nftables backend): A, then B, then A again; foreign rules and sets (a
 * kube-proxy-like chain, a Docker-like chain, an administrator's rule in INPUT, a kube ipset, a
 * foreign nft table) byte-for-byte unchanged; a repeat apply writes nothing; a failure injected
 * in the middle leaves the node as it was; two concurrent applies serialize; applies through a
 * ledger plan exactly as whole reads do and notice drift made by hand. Skipped (loudly)
 * without root and the tools.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { apply, createApplyCache, fileLedgerStore, fileLock, spawnExec, type ApplyOptions, type Exec, type LedgerStore } from "../../src/apply/index.js";
import { readsLockFileVariable } from "../../src/apply/execution/xtablesLock.js";
import { SPLIT_SET_MEMBERS } from "../../src/apply/planning/planIptables.js";
import { ipsetName } from "../../src/backends/iptables/renderIpset.js";
import { canonicalDump } from "../../src/apply/testing/fakeKernel.js";
import { readInputs } from "../../src/cli/readInputs.js";
import { fixtureNode } from "../helpers/compileCase.js";
import { compileModel } from "../../src/compiler/compile.js";
import type { Ir } from "../../src/compiler/ir/types.js";
import { loadModel } from "../../src/model/loadModel.js";
import { createNetns, destroyNetns, kernelAvailable, run, runInNetns, runInNetnsOk, warnIfKernelUnavailable } from "../helpers/netns.js";

const SUITE = "policyc apply on a real kernel (test/kernel/apply.test.ts)";
warnIfKernelUnavailable(SUITE);

function compile(dir: string, node = "node-1"): Ir {
  const read = readInputs([`test/kernel/apply-fixtures/${dir}`]);
  return compileModel(loadModel(read.files).model, { node }).ir;
}
const A = compile("shop-a");
const B = compile("shop-b");
/** The same cluster seen from node-2, which has no local endpoint policy applies to: no sets at all. */
const C = compile("shop-a", "node-2");

/**
 * `ir` with two of its IPv4 address sets grown to SPLIT_SET_MEMBERS members between them
 * (10.100.0.0/16 and 10.101.0.0/16), so that its fill comes as two ipset steps
 * (planIptables.ts `setSteps`).
 */
function grown(ir: Ir): Ir {
  const half = SPLIT_SET_MEMBERS / 2;
  const addresses = (second: number): string[] => Array.from({ length: half }, (_, i) => `10.${second}.${i >> 8}.${i & 255}/32`);
  const nets = ir.v4.sets.filter((s) => s.type === "net").slice(0, 2);
  const sets = ir.v4.sets.map((s) => (nets.includes(s) ? { ...s, members: [...s.members, ...addresses(100 + nets.indexOf(s))] } : s));
  return { ...ir, v4: { ...ir.v4, sets } };
}

const namespaces: string[] = [];
afterEach(() => {
  for (const ns of namespaces.splice(0)) destroyNetns(ns);
});

const lockPath = join(mkdtempSync(join(tmpdir(), "policyc-apply-")), "lock");

/** An Exec into `ns` that records what it ran, and can rewrite a call's input to make it fail. */
function netnsExec(ns: string, sabotage?: (argv: readonly string[], stdin: string) => string | undefined): Exec & { calls: string[] } {
  const inner = spawnExec({ prefix: ["ip", "netns", "exec", ns] });
  const calls: string[] = [];
  return {
    calls,
    run(argv, stdin = "") {
      calls.push(argv.join(" "));
      return inner.run(argv, sabotage?.(argv, stdin) ?? stdin);
    },
  };
}

/** Foreign state, installed with the node's own tools before policyc ever runs. */
function installForeign(ns: string, mode: "legacy" | "nft"): void {
  const v4 = `*filter
:KUBE-FIREWALL - [0:0]
:DOCKER - [0:0]
:DOCKER-USER - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -s 192.0.2.99/32 -p tcp -m tcp --dport 22 -m comment --comment "admin: block scanner" -j DROP
-A FORWARD -j DOCKER-USER
-A FORWARD -o docker0 -j DOCKER
-A DOCKER -d 172.17.0.2/32 ! -i docker0 -o docker0 -p tcp -m tcp --dport 80 -j ACCEPT
-A DOCKER-USER -j RETURN
-A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
COMMIT
*nat
:KUBE-SERVICES - [0:0]
:KUBE-SVC-NPX46M4PTMTKRN6Y - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A KUBE-SERVICES -d 10.96.0.1/32 -p tcp -m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
-A KUBE-SVC-NPX46M4PTMTKRN6Y -p tcp -m tcp -j DNAT --to-destination 192.168.1.10:6443
COMMIT
`;
  const v6 = `*filter
-A INPUT -s 2001:db8::99/128 -p tcp -m tcp --dport 22 -j DROP
COMMIT
`;
  runInNetnsOk(ns, [`iptables-${mode}-restore`, "--noflush"], v4);
  runInNetnsOk(ns, [`ip6tables-${mode}-restore`, "--noflush"], v6);
  runInNetnsOk(ns, ["ipset", "restore"], "create KUBE-LOOP-BACK hash:ip,port,ip family inet\nadd KUBE-LOOP-BACK 10.65.0.10,tcp:80,10.65.0.10\n");
  runInNetnsOk(ns, ["nft", "-f", "-"], "table inet admin {\n\tchain input {\n\t\ttype filter hook input priority 10; policy accept;\n\t\ttcp dport 2222 counter drop\n\t}\n}\n");
}

/** Every table of a family, as iptables-save prints it, without the timestamp comment lines. */
function save(ns: string, mode: "legacy" | "nft", family: 4 | 6): string {
  const text = runInNetnsOk(ns, [`ip${family === 6 ? "6" : ""}tables-${mode}-save`]);
  return text.split("\n").filter((l) => !l.startsWith("#")).join("\n");
}

function ipsetSave(ns: string): string {
  return runInNetnsOk(ns, ["ipset", "save"]);
}

/** What we do not own: every line that is not one of our chains, hooks or sets. */
function foreign(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/^(:|-A )(cali-|felix-)/.test(l) && !/cali:/.test(l) && !/^(create|add) cali[46]/.test(l))
    .join("\n");
}

function node(ns: string, mode: "legacy" | "nft") {
  return {
    all: () => save(ns, mode, 4) + save(ns, mode, 6) + ipsetSave(ns),
    foreign: () => foreign(save(ns, mode, 4)) + foreign(save(ns, mode, 6)) + foreign(ipsetSave(ns)) + runInNetnsOk(ns, ["nft", "list", "table", "inet", "admin"]),
  };
}

const WRITERS = /-restore --noflush|^ipset restore|^nft -f/;

/**
 * The program an argv runs: iptables-legacy's tools run through `env GLIBC_TUNABLES=…
 * XTABLES_LOCKFILE=…` (execution/hugePages.ts, execution/xtablesLock.ts).
 */
function program(argv: readonly string[]): string {
  return argv.find((word) => word !== "env" && !/^[A-Z_]+=/.test(word)) ?? "";
}

/** Whether this host's iptables-legacy-restore reads XTABLES_LOCKFILE (then legacy tables commit at once). */
const legacyCommitsAtOnce = readsLockFileVariable(run(["iptables-legacy-restore", "--version"]).stdout);

/** Whether python3 can read the nf_tables generation, without which no ledger is trusted on nf_tables. */
function generationReadable(what: string): boolean {
  const ok = run(["sh", "-c", "command -v python3"]).status === 0;
  if (!ok) console.warn(`!!! python3 is missing: the ${what} ledger test checks only that every apply falls back to a whole read`);
  return ok;
}

/**
 * In `ns` (foreign state installed), applies A, B, A through a fresh file ledger: each plan must
 * equal a whole read's, foreign state stays as it was, a whole read afterwards finds nothing to
 * do, and (when `probes`) every apply after the first uses the ledger and runs no call matching
 * `dumps`. Returns the ledger for more steps.
 */
async function applyThroughLedger(ns: string, options: (exec: Exec) => ApplyOptions, foreignOf: () => string, dumps: RegExp, probes: boolean): Promise<LedgerStore> {
  const foreignBefore = foreignOf();
  const ledger = fileLedgerStore(mkdtempSync(join(tmpdir(), "policyc-ledger-")));
  for (const [i, ir] of [A, B, A].entries()) {
    const whole = await apply(ir, { ...options(netnsExec(ns)), dryRun: true });
    const exec = netnsExec(ns);
    const result = await apply(ir, { ...options(exec), ledger });
    expect(result.error).toBeUndefined();
    expect(result.plan?.steps).toEqual(whole.plan?.steps);
    expect(foreignOf()).toBe(foreignBefore);
    if (i > 0 && probes) {
      expect(result.notes.join("\n")).toMatch(/kernel state from the ledger/);
      expect(exec.calls.filter((c) => dumps.test(c))).toEqual([]);
    }
    expect((await apply(ir, options(netnsExec(ns)))).changed).toBe(false);
  }
  return ledger;
}

describe.skipIf(!kernelAvailable())(SUITE, () => {
  for (const mode of ["legacy", "nft"] as const) {
    describe(`iptables-${mode}`, () => {
      const options = (exec: Exec): ApplyOptions => ({ exec, backendMode: mode, lock: fileLock(lockPath) });

      it("A, B, A: right state each time, foreign rules and sets untouched, repeats write nothing", async () => {
        const ns = createNetns();
        namespaces.push(ns);
        installForeign(ns, mode);
        const n = node(ns, mode);
        const foreignBefore = n.foreign();
        const states: string[] = [];
        for (const [name, ir] of [["A", A], ["B", B], ["A", A]] as const) {
          const exec = netnsExec(ns);
          const result = await apply(ir, options(exec));
          expect(result.error, name).toBeUndefined();
          expect(result.changed, name).toBe(true);
          expect(n.foreign(), name).toBe(foreignBefore);
          states.push(canonicalDump(n.all()));
          // Our hooks are on top of the kernel chains, above the administrator's rules.
          const input = runInNetnsOk(ns, [`iptables-${mode}`, "-S", "INPUT"]).split("\n");
          expect(input[1]).toMatch(/--comment "?cali:\S+"? -j cali-INPUT$/);
          expect(input.filter((l) => l.includes("cali:"))).toHaveLength(1);
          // The same input again: only reads.
          const again = netnsExec(ns);
          const second = await apply(ir, options(again));
          expect(second.changed, `${name} again`).toBe(false);
          expect(second.plan?.steps, `${name} again`).toEqual([]);
          expect(again.calls.filter((c) => WRITERS.test(c)), `${name} again`).toEqual([]);
        }
        expect(states[2]).toBe(states[0]);
        expect(states[1]).not.toBe(states[0]);
        // B moved the policy rule to 9091 and put db-0 (10.65.1.20) into the frontend set.
        await apply(B, options(netnsExec(ns)));
        expect(save(ns, mode, 4)).toMatch(/--dports 9091 /);
        expect(ipsetSave(ns)).toMatch(/^add cali40s:\S+ 10\.65\.1\.20$/m);
      });

      it("only the changed chains and set members are written for B after A", async () => {
        const ns = createNetns();
        namespaces.push(ns);
        await apply(A, options(netnsExec(ns)));
        const exec = netnsExec(ns);
        const result = await apply(B, options(exec));
        expect(result.plan?.summary.chainsCreated).toEqual([]);
        expect(result.plan?.summary.chainsRemoved).toEqual([]);
        expect(result.plan?.summary.chainsChanged).toEqual(["filter/cali-pi-_2LOc554E9PoNLgGSKBk", "v6:filter/cali-pi-_2LOc554E9PoNLgGSKBk"]);
        expect(result.plan?.summary.hooksChanged).toEqual([]);
        const sets = result.plan?.steps.find((s) => s.phase === "sets")?.stdin;
        expect(sets).toMatch(/^add cali40s:\S+ 10\.65\.1\.20\nadd cali60s:\S+ fd00:65:1::20\n$/);
        // The changed chain is rewritten from its first changed rule on, nothing else.
        const v4 = result.plan?.steps.find((s) => s.label === "iptables filter")?.stdin ?? "";
        expect(v4.split("\n").filter((l) => l !== "" && l !== "*filter" && l !== "COMMIT").every((l) => l.startsWith("-R cali-pi-_2LOc554E9PoNLgGSKBk "))).toBe(true);
        // iptables-legacy: both families at once, each restore with a lock file of its own while
        // the apply holds /run/xtables.lock (execution/xtablesLock.ts).
        if (mode === "legacy" && legacyCommitsAtOnce) {
          expect(result.notes.join("\n")).toMatch(/2 tables committed at once, under one hold of \/run\/xtables\.lock/);
          expect(exec.calls.filter((c) => c.includes("-restore --noflush")).map((c) => c.replace(/^env GLIBC_TUNABLES=\S+ /, "env "))).toEqual([
            "env XTABLES_LOCKFILE=/run/policyc-xtables-4.lock iptables-legacy-restore --noflush -w 10",
            "env XTABLES_LOCKFILE=/run/policyc-xtables-6.lock ip6tables-legacy-restore --noflush -w 10",
          ]);
        }
      });

      it.each([
        // iptables-legacy commits both families at once where it can (execution/xtablesLock.ts).
        [mode === "legacy" && legacyCommitsAtOnce ? "the IPv6 commit, made with IPv4's" : "the IPv6 commit, after IPv4 committed", A, (argv: readonly string[]) => /^ip6tables-.*restore$/.test(program(argv)) && !argv.includes("--test")],
        // iptables-nft validates every table first; iptables-legacy commits straight in (planIptables.ts `validatesFirst`).
        mode === "nft"
          ? (["the IPv4 validation", A, (argv: readonly string[]) => /^iptables-.*restore$/.test(program(argv)) && argv.includes("--test")] as const)
          : (["the IPv4 commit", A, (argv: readonly string[]) => /^iptables-.*restore$/.test(program(argv)) && !argv.includes("--test")] as const),
        ["the set cleanup, after both tables committed", C, (argv: readonly string[], stdin: string) => argv.join(" ") === "ipset restore" && stdin.startsWith("destroy")],
      ] as const)("a failure in %s leaves iptables-save and ipset save as before (exit-3 error names tool and line)", async (what, target, when) => {
        const ns = createNetns();
        namespaces.push(ns);
        installForeign(ns, mode);
        await apply(B, options(netnsExec(ns)));
        const n = node(ns, mode);
        const before = { all: canonicalDump(n.all()), iptables: save(ns, mode, 4) + save(ns, mode, 6), foreign: n.foreign() };
        // A real failure: a line the tool rejects, inserted into the input of the chosen call.
        const exec = netnsExec(ns, (argv, stdin) => {
          if (!when(argv, stdin)) return undefined;
          // Replacing the last line keeps the line numbers of the applier's own input valid.
          return argv[0] === "ipset" ? stdin.replace(/[^\n]*\n$/, "destroy no-such-set\n") : stdin.replace(/COMMIT\n$/, "-A cali-FORWARD --no-such-option\n");
        });
        const result = await apply(target, options(exec));
        expect(result.ok).toBe(false);
        expect(result.restored).toBe(true);
        expect(result.error).toMatch(/(ip6?tables filter( \(validation\))?|ipset): `\S+ [^`]*` failed \(exit \d+\) at line \d+ of its input: (COMMIT|destroy \S+)\n {2}\S/);
        expect(n.foreign()).toBe(before.foreign);
        expect(canonicalDump(n.all())).toBe(before.all);
        if (what === "the IPv4 validation") expect(save(ns, mode, 4) + save(ns, mode, 6)).toBe(before.iptables);
        // And the node still converges afterwards.
        expect((await apply(target, options(netnsExec(ns)))).ok).toBe(true);
      });

      it("through a ledger: the plans of a whole read, only probes and the changed parts read, drift by hand repaired", async () => {
        const ns = createNetns();
        namespaces.push(ns);
        installForeign(ns, mode);
        const n = node(ns, mode);
        const foreignBefore = n.foreign();
        // iptables-nft trusts a ledger only when python3 can read the nf_tables generation.
        const probes = mode === "legacy" || generationReadable("iptables-nft");
        const dumps = mode === "nft" ? /^(ip6?tables-\S*save|ipset save)$/ : /^ipset save$/;
        const ledger = await applyThroughLedger(ns, options, n.foreign, dumps, probes);
        // By hand: one of our rules and one member of our sets deleted.
        runInNetnsOk(ns, [`iptables-${mode}`, "-D", "cali-pi-_2LOc554E9PoNLgGSKBk", "1"]);
        const member = /^add (cali40s:\S+) (\S+)$/m.exec(ipsetSave(ns));
        runInNetnsOk(ns, ["ipset", "del", member?.[1] ?? "", member?.[2] ?? ""]);
        const repaired = await apply(A, { ...options(netnsExec(ns)), ledger });
        if (probes) expect(repaired.notes.join("\n")).toMatch(mode === "nft" ? /ledger not used: the nf_tables generation moved/ : /ledger not used: set cali40s:\S+ has \d+ members/);
        expect(repaired.plan?.summary.chainsChanged).toContain("filter/cali-pi-_2LOc554E9PoNLgGSKBk");
        expect(repaired.plan?.summary.setsChanged).toEqual([member?.[1]]);
        expect((await apply(A, options(netnsExec(ns)))).changed).toBe(false);
        expect(n.foreign()).toBe(foreignBefore);
      });

      it("a fill of SPLIT_SET_MEMBERS members or more: two ipset restores at once, every member written, a failure in one rolls back", async () => {
        const ns = createNetns();
        namespaces.push(ns);
        installForeign(ns, mode);
        const big = grown(A);
        const exec = netnsExec(ns);
        const result = await apply(big, options(exec));
        expect(result.error).toBeUndefined();
        expect(result.plan?.steps.filter((s) => s.phase === "sets").map((s) => s.label)).toEqual(["ipset 1/2", "ipset 2/2"]);
        // Both fills before any other write or check.
        expect(exec.calls.filter((c) => WRITERS.test(c) || c.includes("--test")).slice(0, 2)).toEqual(["ipset restore", "ipset restore"]);
        for (const set of big.v4.sets.filter((x) => x.members.length > 1)) {
          const header = runInNetnsOk(ns, ["ipset", "list", "-t", ipsetName(4, set.id)]);
          expect(header).toMatch(new RegExp(`^Number of entries: ${set.members.length}$`, "m"));
        }
        expect((await apply(big, options(netnsExec(ns)))).changed).toBe(false);
        // Back to B, then a failure injected into the second fill: the node stays as B left it.
        expect((await apply(B, options(netnsExec(ns)))).ok).toBe(true);
        const n = node(ns, mode);
        const before = canonicalDump(n.all());
        // Once: the rollback's own fills must go through.
        let sabotaged = false;
        const failing = netnsExec(ns, (argv, stdin) => {
          if (sabotaged || argv.join(" ") !== "ipset restore" || !stdin.includes(" 10.101.")) return undefined;
          sabotaged = true;
          return stdin.replace(/[^\n]*\n$/, "destroy no-such-set\n");
        });
        const failed = await apply(big, options(failing));
        expect(failed.ok).toBe(false);
        expect(failed.restored).toBe(true);
        expect(failed.error).toMatch(/^ipset 2\/2: `ipset restore` failed/);
        expect(canonicalDump(n.all())).toBe(before);
      });

      it("two applies at once serialize on the lock file and never interleave", async () => {
        const ns = createNetns();
        namespaces.push(ns);
        const first = netnsExec(ns);
        const second = netnsExec(ns);
        const timeline: string[] = [];
        const tagged = (tag: string, exec: Exec): Exec => ({
          run: async (argv, stdin) => {
            timeline.push(`${tag} start`);
            const r = await exec.run(argv, stdin);
            timeline.push(`${tag} end`);
            return r;
          },
        });
        const [ra, rb] = await Promise.all([apply(A, options(tagged("a", first))), apply(B, options(tagged("b", second)))]);
        expect(ra.ok && rb.ok).toBe(true);
        const tags = timeline.map((t) => t[0]);
        const switches = tags.filter((t, i) => i > 0 && t !== tags[i - 1]).length;
        expect(switches).toBe(1);
      });
    });
  }

  describe("nftables backend", () => {
    const options = (exec: Exec): ApplyOptions => ({ exec, backend: "nftables", lock: fileLock(lockPath) });
    const ours = (ns: string): string =>
      ["ip", "ip6"].map((f) => runInNetns(ns, ["nft", "list", "table", f, "policyc"]).stdout.replace(/packets \d+ bytes \d+/g, "")).join("");

    it("A, B, A in one transaction each, foreign tables untouched, repeats write nothing", async () => {
      const ns = createNetns();
      namespaces.push(ns);
      installForeign(ns, "nft");
      const n = node(ns, "nft");
      const foreignBefore = n.foreign();
      const states: string[] = [];
      for (const [name, ir] of [["A", A], ["B", B], ["A", A]] as const) {
        const exec = netnsExec(ns);
        const result = await apply(ir, options(exec));
        expect(result.error, name).toBeUndefined();
        expect(exec.calls.filter((c) => WRITERS.test(c)), name).toEqual(["nft -f -"]);
        expect(n.foreign(), name).toBe(foreignBefore);
        states.push(ours(ns));
        const again = netnsExec(ns);
        expect((await apply(ir, options(again))).changed).toBe(false);
        expect(again.calls.filter((c) => WRITERS.test(c) || c.startsWith("nft --check"))).toEqual([]);
      }
      // Same rules and elements as the first time (handles aside).
      const strip = (s: string): string => s.replace(/ # handle \d+/g, "");
      expect(strip(states[2] ?? "")).toBe(strip(states[0] ?? ""));
    });

    it("through a ledger: the plans of a whole read without listing our tables; a rule deleted by hand is put back", async () => {
      const ns = createNetns();
      namespaces.push(ns);
      installForeign(ns, "nft");
      const n = node(ns, "nft");
      const probes = generationReadable("nftables");
      const ledger = await applyThroughLedger(ns, options, n.foreign, /^nft -j list/, probes);
      const handle = /comment "cali:[^"]*" # handle (\d+)/.exec(runInNetnsOk(ns, ["nft", "-a", "list", "chain", "ip", "policyc", "filter-cali-pi-knp/shop/api-from-frontend"]))?.[1];
      runInNetnsOk(ns, ["nft", "delete", "rule", "ip", "policyc", "filter-cali-pi-knp/shop/api-from-frontend", "handle", handle ?? ""]);
      const repaired = await apply(A, { ...options(netnsExec(ns)), ledger });
      if (probes) expect(repaired.notes.join("\n")).toMatch(/ledger not used: the nf_tables generation moved/);
      expect(repaired.plan?.summary.chainsChanged).toEqual(["ip policyc/filter-cali-pi-knp/shop/api-from-frontend"]);
      expect((await apply(A, options(netnsExec(ns)))).changed).toBe(false);
    });

    it("with an agent's cache: the plans of a whole read, rendering only what changed", async () => {
      const ns = createNetns();
      namespaces.push(ns);
      const cache = createApplyCache();
      for (const ir of [A, B, A]) {
        const whole = await apply(ir, { ...options(netnsExec(ns)), dryRun: true });
        const result = await apply(ir, { ...options(netnsExec(ns)), cache });
        expect(result.error).toBeUndefined();
        expect(result.plan?.steps).toEqual(whole.plan?.steps);
        expect((await apply(ir, options(netnsExec(ns)))).changed).toBe(false);
      }
    });

    it("B after A flushes and refills only the changed chain and updates only the changed set", async () => {
      const ns = createNetns();
      namespaces.push(ns);
      await apply(A, options(netnsExec(ns)));
      const result = await apply(B, options(netnsExec(ns)));
      const script = result.plan?.steps[0]?.stdin ?? "";
      expect(script.split("\n").filter((l) => l.startsWith("flush chain"))).toEqual(["flush chain ip policyc filter-cali-pi-knp/shop/api-from-frontend", "flush chain ip6 policyc filter-cali-pi-knp/shop/api-from-frontend"]);
      expect(script).toMatch(/^add element ip policyc cali40s-\S+ \{ 10\.65\.1\.20 \}$/m);
    });

    it("to a node without local endpoints: the dispatch maps go before the chains they went to, which the kernel holds until then", async () => {
      const ns = createNetns();
      namespaces.push(ns);
      const fixture = (name: string): Ir => compileModel(loadModel(readInputs([`fixtures/cases/${name}`]).files).model, { node: fixtureNode }).ir;
      await apply(fixture("many-ports"), options(netnsExec(ns)));
      expect(runInNetnsOk(ns, ["nft", "list", "table", "ip", "policyc"])).toMatch(/^\tmap filter-cali-from-wl-dispatch \{/m);
      const none = fixture("node-no-local-endpoints");
      const result = await apply(none, options(netnsExec(ns)));
      expect(result.error).toBeUndefined();
      expect(runInNetnsOk(ns, ["nft", "list", "table", "ip", "policyc"])).not.toMatch(/map |chain filter-cali-fw-/);
      expect((await apply(none, options(netnsExec(ns)))).changed).toBe(false);
    });

    it("a set of addresses that comes to hold a prefix is replaced in place with flags interval, in one transaction, and back", async () => {
      const ns = createNetns();
      namespaces.push(ns);
      const plain = B.v4.sets.find((s) => s.type === "net" && s.members.length > 0);
      const widened = structuredClone(B) as Ir;
      (widened.v4.sets.find((s) => s.id === plain?.id)?.members as string[]).push("10.200.0.0/16");
      await apply(B, options(netnsExec(ns)));
      const name = /^\tset (cali40s-\S+) \{\n\t\ttype ipv4_addr\n\t\tcomment/m.exec(runInNetnsOk(ns, ["nft", "list", "table", "ip", "policyc"]))?.[1];
      expect(name).toBeDefined();
      for (const [ir, flags] of [[widened, true], [B, false]] as const) {
        const exec = netnsExec(ns);
        const result = await apply(ir, options(exec));
        expect(result.error).toBeUndefined();
        expect(exec.calls.filter((c) => WRITERS.test(c))).toEqual(["nft -f -"]);
        expect(result.plan?.steps[0]?.stdin).not.toMatch(/^delete table/m);
        const set = runInNetnsOk(ns, ["nft", "list", "set", "ip", "policyc", name ?? ""]);
        expect(set.includes("flags interval")).toBe(flags);
        expect(set.includes("10.200.0.0/16")).toBe(flags);
        expect((await apply(ir, options(netnsExec(ns)))).changed).toBe(false);
      }
    });

    it("a failing transaction changes nothing", async () => {
      const ns = createNetns();
      namespaces.push(ns);
      await apply(A, options(netnsExec(ns)));
      const before = runInNetnsOk(ns, ["nft", "list", "ruleset"]);
      // The last line of the transaction is replaced by one naming a chain that does not exist.
      const exec = netnsExec(ns, (argv, stdin) => (argv.join(" ") === "nft -f -" ? stdin.replace(/[^\n]*\n$/, "add rule ip policyc no-such-chain accept\n") : undefined));
      const result = await apply(B, options(exec));
      expect(result.ok).toBe(false);
      expect(result.error).toMatch(/^nft: `nft -f -` failed \(exit 1\) at line \d+ of its input: .*\n {2}\/dev\/stdin:\d+:\d+-\d+: Error: Could not process rule: No such file or directory/);
      expect(runInNetnsOk(ns, ["nft", "list", "ruleset"])).toBe(before);
    });
  });
});
