/**
 * The desired iptables + ipset state of a node, derived from the IR with the iptables backend's
 * own helpers (chain names, rule rendering, chained hashes, set names), so every rule text and
 * hash here is exactly what `renderIptables` writes (checked in desiredIptables.test.ts).
 */
import { chainNameMap } from "../backends/iptables/chainNames.js";
import { MAX_IPSET_SIZE } from "../backends/iptables/limits.js";
import { ipsetNameMap, ipsetType } from "../backends/iptables/renderIpset.js";
import type { RenderContext } from "../backends/iptables/renderRule.js";
import { renderRuleLines, renderRuleParts } from "../backends/iptables/renderRule.js";
import type { Family, FamilyIr, Hook, Ir, Table } from "../compiler/ir/types.js";
import { chainFingerprint, membersDigest } from "./fingerprint.js";
import { normalizeMember } from "./ipsetState.js";
import type { DesiredChain, DesiredIptablesState, DesiredTable, HookRules, OwnedRule, SetState } from "./iptablesState.js";
import { ruleHashOf } from "./iptablesState.js";

/** Rule lines rendered with head `-A <chain>`, split back into spec and hash. */
function ownedRules(chain: string, lines: readonly string[]): OwnedRule[] {
  const head = `-A ${chain} `;
  return lines.map((line) => {
    const spec = line.startsWith(head) ? line.slice(head.length) : line;
    return { spec, hash: ruleHashOf(spec) };
  });
}

function desiredHooks(table: Table, ctx: RenderContext): HookRules[] {
  const byKernelChain = new Map<string, Hook[]>();
  for (const hook of table.hooks) byKernelChain.set(hook.kernelChain, [...(byKernelChain.get(hook.kernelChain) ?? []), hook]);
  return [...byKernelChain].map(([kernelChain, hooks]) => {
    const parts = hooks.map((h) => renderRuleParts({ matches: h.matches, action: { kind: "jump", chain: h.target }, comments: [] }, ctx));
    // Seed and chain are the kernel chain, as the backend hashes hooks (renderIptablesRestore.ts).
    const rules = ownedRules(kernelChain, renderRuleLines(kernelChain, kernelChain, parts, () => `-A ${kernelChain}`));
    const pick = (position: Hook["position"]): OwnedRule[] => rules.filter((_, i) => hooks[i]?.position === position);
    return { kernelChain, insert: pick("insert"), append: pick("append") };
  });
}

/**
 * Renderings of earlier calls, for an agent that applies again and again: a chain's rules depend
 * only on the family and the chain's own IR (jump targets and set names are fixed functions of
 * the names it mentions), and a set's members only on its members, so both are looked up by
 * their digests (fingerprint.ts). Each call keeps only what it used (`next`), so the memo never
 * outgrows one ruleset.
 */
export interface RenderMemo {
  readonly previous: ReadonlyMap<string, unknown>;
  readonly next: Map<string, unknown>;
}

/**
 * What an apply with a ledger (ledger.ts) already knows: the rules of chains and the state of
 * sets whose IR is unchanged since the last apply, so they need not be rendered again.
 */
export interface DesiredReuse {
  /** The rules of chain `name` (rendered name) of `table`, if its IR digest is still `fingerprint`. */
  chain(family: Family, table: string, name: string, fingerprint: string): readonly OwnedRule[] | undefined;
  /** The (opaque) state of set `name`, if its IR members digest is still `digest`. */
  set(name: string, digest: string): SetState | undefined;
}

export interface DesiredOptions {
  readonly memo?: RenderMemo;
  /** Record chain fingerprints and set digests in the result (for the ledger). */
  readonly fingerprints?: boolean;
  readonly reuse?: DesiredReuse;
}

/** Whether chains and sets get digests (needed by a memo, a ledger's reuse, or a new ledger). */
function wantsDigests(options: DesiredOptions): boolean {
  return options.memo !== undefined || options.reuse !== undefined || options.fingerprints === true;
}

function memoized<T>(memo: RenderMemo | undefined, key: string, make: () => T): T {
  if (memo === undefined) return make();
  const value = (memo.previous.get(key) as T | undefined) ?? make();
  memo.next.set(key, value);
  return value;
}

function desiredTable(table: Table, familyIr: FamilyIr, options: DesiredOptions): DesiredTable {
  const chainNames = chainNameMap(table.chains.map((c) => c.name));
  const ctx: RenderContext = {
    family: familyIr.family,
    chainNames,
    setNames: ipsetNameMap(familyIr),
    setTypes: new Map(familyIr.sets.map((s) => [s.id, s.type] as const)),
  };
  const { memo, reuse } = options;
  const digests = wantsDigests(options);
  const chains: DesiredChain[] = table.chains.map((chain) => {
    const name = chainNames.get(chain.name) ?? chain.name;
    const render = (): OwnedRule[] => ownedRules(name, renderRuleLines(name, name, chain.rules.map((rule) => renderRuleParts(rule, ctx)), () => `-A ${name}`));
    if (!digests) return { name, rules: render() };
    const fingerprint = chainFingerprint(familyIr.family, chain);
    const rules = reuse?.chain(familyIr.family, table.name, name, fingerprint) ?? memoized(memo, `chain ${fingerprint}`, render);
    return { name, rules, fingerprint };
  });
  return { name: table.name, chains, hooks: desiredHooks(table, ctx) };
}

function desiredSets(familyIr: FamilyIr, options: DesiredOptions): SetState[] {
  const names = ipsetNameMap(familyIr);
  const digests = wantsDigests(options);
  return familyIr.sets.map((set) => {
    const name = names.get(set.id) ?? set.id;
    const normalize = (): string[] => [...new Set(set.members.map(normalizeMember))];
    const state: SetState = { name, type: ipsetType(set.type), family: set.family === 4 ? "inet" : "inet6", maxelem: MAX_IPSET_SIZE, members: [] };
    if (!digests) return { ...state, members: normalize() };
    const digest = membersDigest(set.members);
    const known = options.reuse?.set(name, digest);
    if (known !== undefined) return { ...known, digest };
    return { ...state, members: memoized(options.memo, `members ${digest}`, normalize), digest };
  });
}

/**
 * What the iptables backend wants on the node for `ir`: our chains and hooks per table and
 * family, and our sets. Pure apart from filling `options.memo.next`. Throws only on a broken IR
 * invariant, as the backend does.
 */
export function desiredIptablesState(ir: Ir, options: DesiredOptions = {}): DesiredIptablesState {
  return {
    v4: ir.v4.tables.map((t) => desiredTable(t, ir.v4, options)),
    v6: ir.v6.tables.map((t) => desiredTable(t, ir.v6, options)),
    sets: [...desiredSets(ir.v4, options), ...desiredSets(ir.v6, options)],
  };
}
