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

function tableAsDesired(table: KernelTable, now: readonly KernelTable[] | undefined): DesiredTable {
  const current = new Map((now?.find((t) => t.name === table.name)?.chains ?? []).map((c) => [c.name, c] as const));
  // A chain known only by its hashes (from the ledger) was not touched: it stays as it is now.
  const chains = table.chains.flatMap((c) => (c.rules.some((r) => r.spec === "") ? [current.get(c.name)].filter((x) => x !== undefined) : [c]));
  return {
    name: table.name,
    chains,
    hooks: table.builtins.filter((c) => c.rules.some((r) => r.hash !== "")).map((c) => hooksOf(c.name, c.rules)),
  };
}

/**
 * The part of a kernel state we own, as a desired state. Parts of `state` known only from the
 * ledger (hash-only chains, opaque sets) were never touched by the apply being undone, so they
 * are taken as they are in `now`, the kernel read after the failure.
 */
export function snapshotAsDesired(state: KernelIptablesState, now?: KernelIptablesState): DesiredIptablesState {
  const current = new Map((now?.sets ?? []).map((s) => [s.name, s] as const));
  const sets = state.sets.flatMap((s) => (s.opaque === true ? [current.get(s.name)].filter((x) => x !== undefined) : [s]));
  return { v4: state.v4.map((t) => tableAsDesired(t, now?.v4)), v6: state.v6.map((t) => tableAsDesired(t, now?.v6)), sets };
}

/**
 * What the kernel holds after `desired` was applied on top of `before`: our chains and sets as
 * desired, each kernel chain's foreign rules as they were with our hooks placed around them.
 * Used as the cached state of an agent between refreshes (see memory/cache.ts).
 */
export function stateAfter(desired: DesiredIptablesState, before: KernelIptablesState): KernelIptablesState {
  const family = (want: readonly DesiredTable[], had: readonly KernelTable[]): KernelTable[] => {
    const names = [...new Set([...had.map((t) => t.name), ...want.map((t) => t.name)])];
    return names.map((name) => {
      const w = want.find((t) => t.name === name);
      const h = had.find((t) => t.name === name);
      const hooks = new Map((w?.hooks ?? []).map((x) => [x.kernelChain, x] as const));
      const builtinNames = [...new Set([...(h?.builtins ?? []).map((b) => b.name), ...hooks.keys()])];
      const builtins = builtinNames.map((kernelChain) => {
        const foreign = (h?.builtins.find((b) => b.name === kernelChain)?.rules ?? []).filter((r) => r.hash === "");
        const hook = hooks.get(kernelChain);
        return { name: kernelChain, rules: [...(hook?.insert ?? []), ...foreign, ...(hook?.append ?? [])] };
      });
      const chains = w?.chains ?? [];
      const notForeign = new Set([...builtinNames, ...(h?.chains ?? []).map((x) => x.name)]);
      const foreignChains = (h?.allChains ?? []).filter((c) => !notForeign.has(c));
      return { name, chains, builtins, allChains: [...builtinNames, ...foreignChains, ...chains.map((c) => c.name)] };
    });
  };
  return { v4: family(desired.v4, before.v4), v6: family(desired.v6, before.v6), sets: desired.sets };
}
