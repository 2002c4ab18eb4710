/**
 * Turning what the kernel had before an apply back into a desired state, so that rolling back
 * is just planning and executing towards it (the same diff machinery, in reverse).
 */
import type { DesiredIptablesState, DesiredTable, HookRules, KernelIptablesState, KernelTable, OwnedRule } from "./iptablesState.js";

/**
 * Our hooks in a kernel chain as they were: the run of `cali:` rules at the top counts as
 * inserted, the run at the bottom as appended. A `cali:` rule stranded between foreign rules
 * (never written by us) is put back with the inserted ones.
 */
export function hooksOf(kernelChain: string, rules: readonly OwnedRule[]): HookRules {
  let top = 0;
  while (top < rules.length && rules[top]?.hash !== "") top++;
  let bottom = rules.length;
  while (bottom > top && rules[bottom - 1]?.hash !== "") bottom--;
  const middle = rules.slice(top, bottom).filter((r) => r.hash !== "");
  return { kernelChain, insert: [...rules.slice(0, top), ...middle], append: rules.slice(bottom) };
}

function tableAsDesired(table: KernelTable): DesiredTable {
  return {
    name: table.name,
    chains: table.chains,
    hooks: table.builtins.filter((c) => c.rules.some((r) => r.hash !== "")).map((c) => hooksOf(c.name, c.rules)),
  };
}

/** The part of a kernel state we own, as a desired state. */
export function snapshotAsDesired(state: KernelIptablesState): DesiredIptablesState {
  return { v4: state.v4.map(tableAsDesired), v6: state.v6.map(tableAsDesired), sets: state.sets };
}
