/**
 * `iptables-restore --noflush` / `ip6tables-restore --noflush` input for one family.
 *
 * Per table in the IR: `*<table>`, a `:<chain> - [0:0]` line for each of OUR chains only
 * (declaring a chain creates it or flushes it), every chain's rules, then the hook rules that
 * send traffic from the kernel chains into ours, then `COMMIT`. Kernel chains are never declared
 * (that would reset their policy and counters) and with `--noflush` nothing else is flushed, so
 * every foreign chain and rule is left alone.
 *
 * Hooks: insert hooks become `-I <kernel chain> <n>`, numbered 1, 2, … in IR order so they end up
 * on top in that order; append hooks become `-A <kernel chain>`. Their hashes are chained per
 * kernel chain with the kernel chain's name as seed (Felix's insert/append rule hashes), which
 * makes the first filter FORWARD hook `--jump cali-FORWARD` carry `cali:wUHhoiAYhphO9Mso`.
 * Loading the file twice inserts the hooks twice; the apply stage removes old hooks first (they
 * are the kernel-chain rules with a `cali:` comment), as Felix does.
 */
import type { FamilyIr, Hook, KernelChain, Table, TableName } from "../../compiler/ir/types.js";
import { chainNameMap } from "./chainNames.js";
import { ipsetNameMap } from "./renderIpset.js";
import type { RenderContext, RenderedRule } from "./renderRule.js";
import { renderRuleLines, renderRuleParts } from "./renderRule.js";

/** Kernel chains of each table (iptables(8), TABLES). */
const KERNEL_CHAINS: Readonly<Record<TableName, readonly KernelChain[]>> = {
  filter: ["INPUT", "FORWARD", "OUTPUT"],
  raw: ["PREROUTING", "OUTPUT"],
  mangle: ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
  nat: ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
};

function renderHooks(table: Table, ctx: RenderContext): string[] {
  const byKernelChain = new Map<KernelChain, Hook[]>();
  for (const hook of table.hooks) {
    if (!KERNEL_CHAINS[table.name].includes(hook.kernelChain)) {
      throw new Error(`internal error (iptables backend): table ${table.name} has no ${hook.kernelChain} chain`);
    }
    byKernelChain.set(hook.kernelChain, [...(byKernelChain.get(hook.kernelChain) ?? []), hook]);
  }
  const lines: string[] = [];
  for (const [kernelChain, hooks] of byKernelChain) {
    const parts: RenderedRule[] = hooks.map((hook) =>
      renderRuleParts({ matches: hook.matches, action: { kind: "jump", chain: hook.target }, comments: [] }, ctx),
    );
    const heads: string[] = [];
    let position = 0;
    for (const hook of hooks) {
      heads.push(hook.position === "insert" ? `-I ${kernelChain} ${++position}` : `-A ${kernelChain}`);
    }
    lines.push(...renderRuleLines(kernelChain, kernelChain, parts, (i) => heads[i] ?? ""));
  }
  return lines;
}

function renderTable(table: Table, base: Omit<RenderContext, "chainNames">): string[] {
  const chainNames = chainNameMap(table.chains.map((c) => c.name));
  const ctx: RenderContext = { ...base, chainNames };
  const name = (logical: string): string => chainNames.get(logical) ?? logical;
  const lines = [`*${table.name}`];
  for (const chain of table.chains) lines.push(`:${name(chain.name)} - [0:0]`);
  for (const chain of table.chains) {
    const short = name(chain.name);
    const parts = chain.rules.map((rule) => renderRuleParts(rule, ctx));
    for (const line of renderRuleLines(short, short, parts, () => `-A ${short}`)) lines.push(line);
  }
  lines.push(...renderHooks(table, ctx), "COMMIT");
  return lines;
}

/** Restore input for one family's tables; a family with no tables gives only the header line. */
export function renderIptablesRestore(familyIr: FamilyIr): string {
  const setNames = ipsetNameMap(familyIr);
  const setTypes = new Map(familyIr.sets.map((s) => [s.id, s.type] as const));
  const tool = familyIr.family === 4 ? "iptables-restore" : "ip6tables-restore";
  const lines = [`# policyc: input for \`${tool} --noflush\`; declares only cali- chains and their hooks.`];
  for (const table of familyIr.tables) {
    // Appended line by line: a table of 100k+ rules spread as arguments would overflow the stack.
    for (const line of renderTable(table, { family: familyIr.family, setNames, setTypes })) lines.push(line);
  }
  return `${lines.join("\n")}\n`;
}

