import type { IptablesFamilyLayout, IptablesRule } from "../backends/iptables/index.js";
import type { DispatchMap } from "../backends/nftables/index.js";
import { findDispatchMaps, nftBaseChainName, nftChainName, nftSetName } from "../backends/nftables/index.js";
import { uniqueNames } from "../backends/nftables/names.js";
import type { RenderContext as NftContext } from "../backends/nftables/renderRule.js";
import { renderBareRule } from "../backends/nftables/renderRule.js";
import type { Packet, RuleHit } from "../compiler/ir/interpret.js";
import { matchHolds } from "../compiler/ir/interpret.js";
import type { FamilyIr, Rule, Table } from "../compiler/ir/types.js";

/** One traversed rule as `explain --rules` shows it. */
export interface TracedRule {
  /** The chain as the backend names it (a kernel chain for a hook rule). */
  readonly chain: string;
  /** The rule's position in its chain (0-based), or -1 for a verdict-map lookup. */
  readonly index: number;
  /** The rule as the backend writes it (without Felix's `cali:` hash comment). */
  readonly text: string;
}

/**
 * The iptables rule that stands for an IR rule the packet matched: the only one, or, when the
 * backend split the rule's port lists over several rules (multiport's 15 slots), the copy whose
 * ports the packet has (the copies are disjoint, so exactly one).
 */
function iptablesRuleFor(rules: readonly IptablesRule[], source: number, packet: Packet): { rule: IptablesRule; index: number } | undefined {
  let found: { rule: IptablesRule; index: number } | undefined;
  rules.forEach((rule, index) => {
    if (found !== undefined || rule.source !== source) return;
    if ((rule.split ?? []).every((m) => matchHolds(m, packet, packet.mark, new Map()))) found = { rule, index };
  });
  return found;
}

/**
 * The iptables rules a packet traversed (`traceInterpret`'s hits on the filter table), from the
 * backend's layout of the packet's family: `-A <chain> <rule>` as the restore file writes it,
 * without the hash comment. A hook rule is shown as appended to its kernel chain.
 */
export function traceIptablesRules(fam: IptablesFamilyLayout, hits: readonly RuleHit[], packet: Packet): TracedRule[] {
  const table = fam.tables.find((t) => t.name === "filter");
  if (table === undefined) return [];
  const chains = new Map(table.chains.map((c) => [c.logical, c]));
  const line = (chain: string, rule: IptablesRule): string => ["-A", chain, rule.body()].filter((p) => p !== "").join(" ");
  return hits.flatMap((h): TracedRule[] => {
    if (h.hook) {
      const rule = table.hooks.find((k) => k.kernelChain === h.chain)?.rules.find((r) => r.source === h.index);
      return rule === undefined ? [] : [{ chain: h.chain, index: h.index, text: line(h.chain, rule) }];
    }
    const chain = chains.get(h.chain);
    const found = chain === undefined ? undefined : iptablesRuleFor(chain.rules, h.index, packet);
    return chain === undefined || found === undefined ? [] : [{ chain: chain.name, index: found.index, text: line(chain.name, found.rule) }];
  });
}

/** Whether `rule` is a dispatch entry (one interface match and a goto), as the vmap replaces. */
function isDispatchEntry(rule: Rule): boolean {
  return rule.action.kind === "goto" && rule.matches.length === 1 && rule.matches[0]?.kind === "iface";
}

function nftRules(fam: FamilyIr, table: Table, hits: readonly RuleHit[]): TracedRule[] {
  const chainNames = uniqueNames(table.chains.map((c) => c.name), (logical) => nftChainName(table.name, logical), "chains");
  const ctx: NftContext = {
    family: fam.family,
    chainNames,
    setNames: new Map(fam.sets.map((s) => [s.id, nftSetName(fam.family, s.id)])),
    setTypes: new Map(fam.sets.map((s) => [s.id, s.type] as const)),
  };
  // The nft backend flattens Felix's dispatch trees into verdict maps: a packet takes one
  // `vmap` lookup in the root chain where iptables walks the root and a child chain.
  const mapOf = new Map<string, DispatchMap>();
  for (const m of findDispatchMaps(table)) for (const name of [m.root, ...m.children]) mapOf.set(name, m);
  const out: TracedRule[] = [];
  for (const h of hits) {
    if (h.hook) {
      const chain = nftBaseChainName(table.name, h.chain as Parameters<typeof nftBaseChainName>[1]);
      out.push({ chain, index: h.index, text: renderBareRule(h.rule, ctx).text });
      continue;
    }
    const map = mapOf.get(h.chain);
    if (map === undefined) {
      out.push({ chain: chainNames.get(h.chain) ?? h.chain, index: h.index, text: renderBareRule(h.rule, ctx).text });
      continue;
    }
    const root = chainNames.get(map.root) ?? map.root;
    if (isDispatchEntry(h.rule) && h.rule.action.kind === "goto") {
      // A root rule going to a child is only the first half of the walk; the child's exact
      // entry is what the map lookup finds.
      if (map.children.includes(h.rule.action.chain)) continue;
      const target = chainNames.get(h.rule.action.chain) ?? h.rule.action.chain;
      const key = map.dir === "in" ? "iifname" : "oifname";
      out.push({ chain: root, index: -1, text: `${key} vmap @${root} (element ${JSON.stringify(ifaceOf(h.rule))} : goto ${target})` });
      continue;
    }
    // The final rule (the unknown-interface drop) runs in the root after a failed lookup.
    out.push({ chain: root, index: -1, text: renderBareRule(map.final, ctx).text });
  }
  return out;
}

function ifaceOf(rule: Rule): string {
  const m = rule.matches[0];
  return m?.kind === "iface" ? m.name : "";
}

/**
 * The nft rules a packet traversed (`traceInterpret`'s hits on the filter table of `fam`), as
 * the nftables backend writes them, where the interface dispatch chains are a single
 * verdict-map lookup.
 */
export function traceNftRules(fam: FamilyIr, hits: readonly RuleHit[]): TracedRule[] {
  const table = fam.tables.find((t) => t.name === "filter");
  if (table === undefined) return [];
  return nftRules(fam, table, hits);
}
