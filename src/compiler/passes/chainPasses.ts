/**
 * The passes that are local to one chain, fused into one walk in pipeline order (see index.ts):
 * aggregateCidrs and mergePortRanges (per rule), dropNeverMatching (per chain, given which sets
 * are empty), cidrListsToSets (per rule, naming the anonymous sets it
 * needs). What is left is global: set aggregation is per set (`aggregateSetMembers`), and
 * reachability (dropUnreferenced) spans chains. Both the full compile and the incremental
 * compiler run chains through this, so a re-rendered chain comes out as a full compile has it.
 */
import type { Chain, Family, IpSet, Rule } from "../ir/types.js";
import { aggregateRuleCidrs } from "./aggregateCidrs.js";
import { chainCidrListsToSets } from "./cidrListsToSets.js";
import { dropNeverMatchingInChain, type IsEmptySet } from "./dropNeverMatching.js";
import { mergeRulePortRanges } from "./mergePortRanges.js";

/** Replaces each rule by `f(rule)`; the chain itself when every rule comes back as `[rule]`. */
function flatMapChain(c: Chain, f: (r: Rule) => readonly Rule[]): Chain {
  let out: Rule[] | undefined;
  for (let i = 0; i < c.rules.length; i++) {
    const r = c.rules[i]!;
    const next = f(r);
    if (!out && next.length === 1 && next[0] === r) continue;
    out ??= c.rules.slice(0, i);
    for (const n of next) out.push(n);
  }
  return out ? { ...c, rules: out } : c;
}

/**
 * Whether no pass can change the chain: its rules match on marks, interfaces and (non-empty)
 * conntrack states only, as the layout's chains do (endpoint, dispatch and static chains).
 * Checked first because it is much cheaper than running the passes that would keep it.
 */
function passesKeep(chain: Chain): boolean {
  for (const r of chain.rules) {
    for (const m of r.matches) {
      if (m.kind === "mark" || m.kind === "iface") continue;
      if (m.kind === "ctstate" && m.states.length > 0) continue;
      return false;
    }
  }
  return true;
}

/**
 * One chain after the chain-local passes (the optimizing ones only with `optimize`). `emptySet`
 * tells which of the family's sets are empty; `onSet` receives each anonymous CIDR set used.
 */
export function runChainPasses(chain: Chain, family: Family, optimize: boolean, emptySet: IsEmptySet, onSet: (set: IpSet) => void): Chain {
  if (passesKeep(chain)) return chain;
  let c = chain;
  if (optimize) {
    c = flatMapChain(c, (r) => {
      const n = mergeRulePortRanges(aggregateRuleCidrs(r));
      return n === r ? [r] : [n];
    });
    c = dropNeverMatchingInChain(c, emptySet);
  }
  return chainCidrListsToSets(c, family, onSet);
}
