/**
 * Reading the node: which iptables variant it uses, and what it has (our chains, hooks, sets).
 */
import type { Exec } from "../execution/exec.js";
import { NOT_FOUND } from "../execution/exec.js";
import { parseIpsetSave } from "../state/ipsetState.js";
import type { KernelIptablesState, KernelTable } from "../state/iptablesState.js";
import { IPTABLES_TABLES, parseIptablesSave } from "../state/iptablesState.js";
import type { IptablesMode, IptablesTools } from "../state/iptablesState.js";
import { stepError } from "../execution/stepError.js";

/** Chains kube-proxy / kubelet create to say which variant the node uses (Felix's DetectBackend). */
const HINT_CHAINS = /^:(KUBE-IPTABLES-HINT|KUBE-KUBELET-CANARY) /m;

function ruleCount(text: string): number {
  return text.split("\n").filter((l) => l.startsWith("-A ")).length;
}

async function saveOutput(exec: Exec, argv: readonly string[]): Promise<string> {
  const result = await exec.run(argv);
  return result.code === 0 ? result.stdout : "";
}

/** The legacy tables the kernel has in this namespace (`/proc/net/ip_tables_names` or the ip6 one). */
async function legacyTables(exec: Exec, family: 4 | 6): Promise<string[]> {
  const result = await exec.run(["cat", family === 4 ? "/proc/net/ip_tables_names" : "/proc/net/ip6_tables_names"]);
  return result.code === 0 ? result.stdout.split("\n").filter((l) => l !== "") : [];
}

/**
 * Felix's `DetectBackend` (felix/environment/feature_detect_linux.go): nft when the nft side's
 * mangle table has kube's hint chains, else legacy when the legacy side has them, else the side
 * with more rules (v4 + v6), legacy on a tie, except that without any legacy table it is nft.
 *
 * It leaves no trace: the legacy side is asked only about tables the kernel already lists in
 * `/proc/net/ip_tables_names` (`ip6_tables_names`). With `ip_tables` built into the kernel that
 * file exists even when nothing uses legacy iptables, and `iptables-legacy-save -t mangle` would
 * create a legacy mangle table, after which every `iptables-save` on the node warns that legacy
 * tables are present. A plain `iptables-legacy-save` only dumps the tables that exist.
 */
export async function detectIptablesMode(exec: Exec): Promise<IptablesMode> {
  if (HINT_CHAINS.test(await saveOutput(exec, ["iptables-nft-save", "-t", "mangle"]))) return "nft";
  const [legacy4, legacy6] = await Promise.all([legacyTables(exec, 4), legacyTables(exec, 6)]);
  if (legacy4.includes("mangle") && HINT_CHAINS.test(await saveOutput(exec, ["iptables-legacy-save", "-t", "mangle"]))) return "legacy";
  // No legacy table at all: legacy is not in use, and choosing it would create its tables (Felix
  // picks legacy on a tie of 0 against 0 rules, which leaves exactly that trace).
  if (legacy4.length === 0 && legacy6.length === 0) return "nft";
  const legacy = (legacy4.length > 0 ? ruleCount(await saveOutput(exec, ["iptables-legacy-save"])) : 0) + (legacy6.length > 0 ? ruleCount(await saveOutput(exec, ["ip6tables-legacy-save"])) : 0);
  const nft = ruleCount(await saveOutput(exec, ["iptables-nft-save"])) + ruleCount(await saveOutput(exec, ["ip6tables-nft-save"]));
  return nft > legacy ? "nft" : "legacy";
}

/** What reading the node gives: the state, the tools to change it, and the raw dumps. */
export interface IptablesReading {
  readonly state: KernelIptablesState;
  readonly tools: IptablesTools;
  /** Raw `iptables-save` output by family (`v4`, `v6`), and `ipset save` (`ipset`). */
  readonly dumps: Readonly<Record<string, string>>;
}

/**
 * Runs the first of `candidates` that exists (`ip6tables-nft-save`, then `ip6tables-save`), as
 * Felix looks binaries up; returns the one used and its output. Throws a StepError on failure.
 */
async function runFirst(exec: Exec, candidates: readonly string[], args: readonly string[]): Promise<{ binary: string; stdout: string }> {
  for (const binary of candidates) {
    const result = await exec.run([binary, ...args]);
    if (result.code === NOT_FOUND) continue;
    if (result.code !== 0) throw stepError("reading state", [binary, ...args], result);
    return { binary, stdout: result.stdout };
  }
  throw stepError("reading state", [candidates.join(" | "), ...args], { code: NOT_FOUND, stderr: "none of these programs is installed" });
}

/** Our part of both families' tables, and the restore binaries matching the save ones used. */
export interface TablesReading {
  readonly v4: KernelTable[];
  readonly v6: KernelTable[];
  readonly restore4: string;
  readonly restore6: string;
  readonly dumps: { readonly v4: string; readonly v6: string };
}

/**
 * Reads every table of both families (one `iptables-save` per family: it dumps each table the
 * kernel has, and unlike `-t <table>` never loads a legacy table module that was not loaded),
 * with the binaries of `mode`. Throws a StepError when a tool fails.
 */
export async function readIptablesTables(exec: Exec, mode: IptablesMode): Promise<TablesReading> {
  const owned = (stdout: string): KernelTable[] => parseIptablesSave(stdout).filter((t) => (IPTABLES_TABLES as readonly string[]).includes(t.name));
  // Each family is parsed as soon as its dump is in: the first one's parse runs while the other
  // tool is still dumping (on shape L a parse takes about 0.1 s of this thread).
  const readFamily = async (family: 4 | 6): Promise<{ restore: string; stdout: string; tables: KernelTable[] }> => {
    const base = family === 4 ? "iptables" : "ip6tables";
    const { binary, stdout } = await runFirst(exec, [`${base}-${mode}-save`, `${base}-save`], []);
    return { restore: binary.replace(/-save$/, "-restore"), stdout, tables: owned(stdout) };
  };
  const [v4, v6] = await Promise.all([readFamily(4), readFamily(6)]);
  return { v4: v4.tables, v6: v6.tables, restore4: v4.restore, restore6: v6.restore, dumps: { v4: v4.stdout, v6: v6.stdout } };
}

/**
 * Reads both families' tables (`readIptablesTables`) and our sets (`ipset save`). Throws a
 * StepError when a tool fails.
 */
export async function readIptablesState(exec: Exec, mode: IptablesMode, waitSeconds = 10): Promise<IptablesReading> {
  // The dumps are independent and each tool spends most of its time in the kernel, so they run
  // at the same time: reading takes the slowest of them instead of their sum.
  const [tables, ipset] = await Promise.all([readIptablesTables(exec, mode), exec.run(["ipset", "save"])]);
  if (ipset.code !== 0) throw stepError("reading state", ["ipset", "save"], ipset);
  return {
    state: { v4: tables.v4, v6: tables.v6, sets: parseIpsetSave(ipset.stdout) },
    tools: { mode, restore4: tables.restore4, restore6: tables.restore6, ipset: "ipset", waitSeconds },
    dumps: { ...tables.dumps, ipset: ipset.stdout },
  };
}
