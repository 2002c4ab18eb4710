/**
 * `explain --rules`: the rules a packet traverses, as the chosen backend writes them. The IR
 * interpreter finds the IR rules the packet hits; each is looked up in the backend's layout
 * (the objects that also make the output files and the applier's state) through what every
 * layout object records of its IR origin, so no name or rule is worked out again here.
 */
import type { IptablesFamilyLayout, IptablesRule } from "../backends/iptables/index.js";
import type { NftChain, NftFamilyLayout, NftMap } from "../backends/nftables/index.js";
import type { Packet, RuleHit } from "../compiler/ir/interpret.js";
import { matchHolds } from "../compiler/ir/interpret.js";
import type { Rule } from "../compiler/ir/types.js";

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
function isDispatchEntry(rule: Rule): rule is Rule & { action: { kind: "goto"; chain: string } } {
  return rule.action.kind === "goto" && rule.matches.length === 1 && rule.matches[0]?.kind === "iface";
}

function ifaceOf(rule: Rule): string {
  const m = rule.matches[0];
  return m?.kind === "iface" ? m.name : "";
}

/** The rule of `chain` that renders `source`, with its position. */
function nftRuleFor(chain: NftChain | undefined, source: number): TracedRule[] {
  if (chain === undefined) return [];
  const index = chain.rules.findIndex((r) => r.source === source);
  const rule = chain.rules[index];
  return rule === undefined ? [] : [{ chain: chain.name, index, text: rule.rule }];
}

/** What a hit in an interface dispatch tree is in nft: one verdict-map lookup, or the final rule. */
function dispatchHit(map: NftMap, root: NftChain | undefined, hit: RuleHit): TracedRule[] {
  const { dispatch } = map;
  if (isDispatchEntry(hit.rule)) {
    // A root rule going to a child is only the first half of the walk; the child's exact
    // entry is what the map lookup finds.
    if (dispatch.children.includes(hit.rule.action.chain)) return [];
    const element = map.elements[dispatch.entries.findIndex((e) => e.iface === ifaceOf(hit.rule))];
    const key = dispatch.dir === "in" ? "iifname" : "oifname";
    return element === undefined ? [] : [{ chain: map.name, index: -1, text: `${key} vmap @${map.name} (element ${element.text()})` }];
  }
  // The final rule (the unknown-interface drop) runs in the root after a failed lookup.
  const final = root?.rules[root.rules.length - 1];
  return final === undefined ? [] : [{ chain: map.name, index: -1, text: final.rule }];
}

/**
 * The nft rules a packet traversed (`traceInterpret`'s hits on the filter table), from the
 * backend's layout of the packet's family: each rule's text without its comment, in the nft
 * chain that holds it. Felix's interface dispatch chains are a single verdict-map lookup there:
 * a packet takes one `vmap` lookup in the root chain where iptables walks the root and a child.
 */
export function traceNftRules(fam: NftFamilyLayout, hits: readonly RuleHit[]): TracedRule[] {
  const part = fam.parts.find((p) => p.name === "filter");
  if (part === undefined) return [];
  const chains = new Map<string, NftChain>();
  const hooks = new Map<string, NftChain>();
  for (const chain of part.chains) {
    if (chain.origin.kind === "hooks") hooks.set(chain.origin.kernelChain, chain);
    else chains.set(chain.origin.logical, chain);
  }
  const maps = new Map<string, NftMap>();
  for (const map of part.maps) for (const name of [map.dispatch.root, ...map.dispatch.children]) maps.set(name, map);
  return hits.flatMap((h): TracedRule[] => {
    if (h.hook) return nftRuleFor(hooks.get(h.chain), h.index);
    const map = maps.get(h.chain);
    return map === undefined ? nftRuleFor(chains.get(h.chain), h.index) : dispatchHit(map, chains.get(map.dispatch.root), h);
  });
}
