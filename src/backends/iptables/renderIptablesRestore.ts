/**
 * `iptables-restore --noflush` / `ip6tables-restore --noflush` input for one family, printed from
 * the layout (layout.ts).
 *
 * Per table: `*<table>`, a `:<chain> - [0:0]` line for each of OUR chains only (declaring a chain
 * creates it or flushes it), every chain's rules, then the hook rules that send traffic from the
 * kernel chains into ours, then `COMMIT`. Kernel chains are never declared (that would reset
 * their policy and counters) and with `--noflush` nothing else is flushed, so every foreign chain
 * and rule is left alone.
 *
 * Hooks: insert hooks become `-I <kernel chain> <n>`, numbered 1, 2, … in IR order so they end up
 * on top in that order; append hooks become `-A <kernel chain>`. Their hashes are chained per
 * kernel chain with the kernel chain's name as seed (Felix's insert/append rule hashes), which
 * makes the first filter FORWARD hook `--jump cali-FORWARD` carry `cali:wUHhoiAYhphO9Mso`.
 * Loading the file twice inserts the hooks twice; the apply stage removes old hooks first (they
 * are the kernel-chain rules with a `cali:` comment), as Felix does.
 */
import type { IptablesFamilyLayout } from "./layout.js";

/** Restore input for one family's tables; a family with no tables gives only the header line. */
export function printIptablesRestore(fam: IptablesFamilyLayout): string {
  const tool = fam.family === 4 ? "iptables-restore" : "ip6tables-restore";
  const lines = [`# policyc: input for \`${tool} --noflush\`; declares only cali- chains and their hooks.`];
  // Appended line by line: a table of 100k+ rules spread as arguments would overflow the stack.
  for (const table of fam.tables) table.printRestore(lines);
  return `${lines.join("\n")}\n`;
}
