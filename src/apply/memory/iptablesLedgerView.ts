/**
 * The kernel as an iptables ledger (ledger.ts) describes it, in two steps around the desired
 * state: `iptablesLedgerView` checks the ledger with cheap probes and gives the view it records
 * (our chains by hash only, sets opaque); `readLedgerChanges` then reads from the kernel only the
 * chains a plan from that view will change, so that the plan, and its rollback, have their real
 * contents, and takes the members of the sets it changes from the ledger (the probes found each
 * set with the number of members written; a member swapped by hand would make the plan's
 * `ipset restore` fail, and the apply then retries from a whole read). Either answers a
 * `problem` whenever the ledger cannot be trusted; the apply then reads the kernel whole.
 */
import type { Exec } from "../execution/exec.js";
import { readChains, readNftGeneration, readSetHeaders } from "../kernel/kernelProbes.js";
import type { TablesReading } from "../kernel/readIptablesState.js";
import { readIptablesTables } from "../kernel/readIptablesState.js";
import type { SetHeader } from "../state/ipsetState.js";
import type { ChainRules, DesiredIptablesState, IptablesKernel, IptablesMode, IptablesTools, KernelIptablesState, KernelTable } from "../state/iptablesState.js";
import type { KernelView } from "../state/kernelView.js";
import type { IptablesLedger } from "./ledger.js";
import { kernelFromLedger, ledgerProblem, recordedMembers, sameHashes } from "./ledger.js";

/**
 * Above this many changed or removed chains, one `iptables-save` per family (about 1.2 s on a
 * 170k-rule node with iptables-nft) is cheaper than reading the chains one by one (about 15 ms
 * each, a process per chain).
 */
export const MAX_CHAIN_READS = 64;

export interface LedgerContext {
  readonly exec: Exec;
  readonly mode: IptablesMode;
  readonly waitSeconds: number;
  readonly netns: string;
  readonly maxAgeMs: number;
  readonly now: number;
}

/** A view through the ledger, and what was checked (for the report). */
export interface LedgerView {
  readonly view: KernelView<IptablesKernel>;
  readonly checked: string;
}

/** What the probes of a ledger read, started before the ledger is loaded (`startProbes`). */
export interface LedgerProbes {
  /** iptables-nft: the nf_tables generation (undefined when unreadable). */
  readonly generation?: Promise<number | undefined>;
  readonly sets: Promise<SetHeader[]>;
  /** iptables-legacy: the tables, read whole. */
  readonly tables?: Promise<TablesReading>;
}

/**
 * Starts the probes for `mode`, or, with the mode not known yet (it is then the ledger's), the
 * ones that serve either (the generation, the set headers); `iptablesLedgerView` starts what is
 * missing. Each promise is already handled, so one left unused on an early return is no
 * unhandled rejection; awaiting it still throws.
 */
export function startProbes(exec: Exec, mode: IptablesMode | undefined): LedgerProbes {
  const handled = <T>(p: Promise<T>): Promise<T> => {
    p.catch(() => undefined);
    return p;
  };
  return {
    ...(mode === "legacy" ? {} : { generation: handled(readNftGeneration(exec)) }),
    sets: handled(readSetHeaders(exec, "ipset")),
    ...(mode === "legacy" ? { tables: handled(readIptablesTables(exec, mode)) } : {}),
  };
}

/**
 * The kernel as `ledger` records it, after the probes (`started`, or run now): the network
 * namespace, the age, the tools, the nf_tables generation (iptables-nft; with iptables-legacy,
 * whose tables are cheap to dump, the tables are read instead) and every set's header. Or why
 * the ledger cannot be used.
 */
export async function iptablesLedgerView(ledger: IptablesLedger, context: LedgerContext, started?: LedgerProbes): Promise<LedgerView | { readonly problem: string }> {
  const { exec, mode } = context;
  const [generation, sets, tables] = await Promise.all([
    mode === "nft" ? (started?.generation ?? readNftGeneration(exec)) : Promise.resolve(undefined),
    // The tools record "ipset" (state/iptablesState.ts `variantTools`), as the probes started early use.
    ledger.tools.ipset === "ipset" ? (started?.sets ?? readSetHeaders(exec, "ipset")) : readSetHeaders(exec, ledger.tools.ipset),
    mode === "legacy" ? (started?.tables ?? readIptablesTables(exec, mode)) : Promise.resolve(undefined),
  ]);
  const tools: IptablesTools = { ...ledger.tools, mode, waitSeconds: context.waitSeconds, ...(tables === undefined ? {} : { restore4: tables.restore4, restore6: tables.restore6 }) };
  const problem = ledgerProblem(ledger, { netns: context.netns, now: context.now, tools, sets, ...(generation === undefined ? {} : { generation }) }, context.maxAgeMs);
  if (problem !== undefined) return { problem };
  const checked = mode === "nft" ? `nf_tables generation ${generation} unchanged` : "iptables-legacy tables read";
  return { view: { source: "ledger", kernel: { state: kernelFromLedger(ledger, tables), tools }, readAt: ledger.writtenAt }, checked: `${checked}, ${sets.length} set headers match` };
}

/** Per family and table, the chains the plan will rewrite or remove (all hash-only so far). */
function touchedChains(desired: DesiredIptablesState, kernel: KernelIptablesState): { family: 4 | 6; table: string; names: string[] }[] {
  const out: { family: 4 | 6; table: string; names: string[] }[] = [];
  for (const family of [4, 6] as const) {
    for (const table of family === 4 ? kernel.v4 : kernel.v6) {
      const want = new Map(((family === 4 ? desired.v4 : desired.v6).find((t) => t.name === table.name)?.chains ?? []).map((c) => [c.name, c] as const));
      const names = table.chains.filter((c) => !want.has(c.name) || !sameHashes(want.get(c.name)?.rules ?? [], c.rules.map((r) => r.hash))).map((c) => c.name);
      if (names.length > 0) out.push({ family, table: table.name, names });
    }
  }
  return out;
}

function withChains(tables: readonly KernelTable[], table: string, read: readonly ChainRules[]): KernelTable[] {
  const byName = new Map(read.map((c) => [c.name, c] as const));
  return tables.map((t) => (t.name === table ? { ...t, chains: t.chains.map((c) => byName.get(c.name) ?? c) } : t));
}

/**
 * `view` (through `ledger`) with the chains a plan to `desired` changes read from the kernel
 * (their real contents, checked against the ledger's hashes) and the members of the sets it
 * changes as the ledger recorded them (in their parts, `loadPart`). Or why it cannot be.
 */
export async function readLedgerChanges(
  view: KernelView<IptablesKernel>,
  ledger: IptablesLedger,
  desired: DesiredIptablesState,
  exec: Exec,
  loadPart: (name: string, digest: string) => Promise<string | undefined>,
): Promise<{ readonly view: KernelView<IptablesKernel>; readonly read: string } | { readonly problem: string }> {
  const { tools } = view.kernel;
  let kernel = view.kernel.state;
  // iptables-nft: our chains are known by hash only; read the ones the plan will change. (With
  // iptables-legacy the view holds the tables as read.)
  const touched = tools.mode === "nft" ? touchedChains(desired, kernel) : [];
  const count = touched.reduce((n, t) => n + t.names.length, 0);
  if (count > MAX_CHAIN_READS) return { problem: `${count} chains change, more than ${MAX_CHAIN_READS}: reading everything is quicker` };
  const reads = await Promise.all(touched.map(async (t) => ({ ...t, chains: await readChains(exec, tools, t.family, t.table, t.names) })));
  for (const read of reads) {
    const before = (read.family === 4 ? kernel.v4 : kernel.v6).find((t) => t.name === read.table)?.chains ?? [];
    const drifted = read.chains.find((c) => !sameHashes(c.rules, (before.find((b) => b.name === c.name)?.rules ?? []).map((r) => r.hash)));
    if (drifted !== undefined) return { problem: `chain ${drifted.name} is not as recorded` };
    kernel = read.family === 4 ? { ...kernel, v4: withChains(kernel.v4, read.table, read.chains) } : { ...kernel, v6: withChains(kernel.v6, read.table, read.chains) };
  }

  // Sets whose members change: their members as recorded (the others stay opaque on both sides).
  const recorded = new Set(kernel.sets.map((s) => s.name));
  const changing = desired.sets.filter((s) => s.opaque !== true && recorded.has(s.name)).map((s) => s.name);
  const members = new Map(await Promise.all(changing.map(async (name) => [name, await recordedMembers(ledger, name, loadPart)] as const)));
  const missing = changing.find((name) => members.get(name) === undefined);
  if (missing !== undefined) return { problem: `set ${missing} is not in it` };
  kernel = { ...kernel, sets: kernel.sets.map((s) => members.get(s.name) ?? s) };
  return { view: { ...view, kernel: { state: kernel, tools } }, read: `${changing.length} changing set(s) as recorded` };
}
