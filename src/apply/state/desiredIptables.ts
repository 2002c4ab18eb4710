/**
 * The desired iptables + ipset state of a node: the iptables backend's layout
 * (backends/iptables/layout.ts) as the planner reads it. Nothing is rendered or hashed here: a
 * chain's rules are the layout's rule objects (each one's `spec` and `hash`), hooks are the
 * layout's kernel-chain rules split by position, sets are the layout's sets with their members
 * in the kernel's spelling (ipsetState.ts `normalizeMember`).
 *
 * What the applier already knows is handed to the layout builder as reuse, so it is neither
 * rendered nor hashed again:
 * - a memo (an agent's cache): chains, sets and normalized members of earlier applies, by the
 *   digest of the IR they came from (fingerprint.ts);
 * - a ledger (ledger.ts): chains and sets whose IR digest is the one recorded, which the kernel
 *   still holds as written. Their rules are known by hash only (or as last read), so the builder
 *   is given a stand-in chain and the state takes the known rules instead; the planner never
 *   writes such rules (planIptables.ts).
 */
import type { IptablesLayoutReuse } from "../../backends/iptables/buildLayout.js";
import { buildIptablesLayout } from "../../backends/iptables/buildLayout.js";
import { iptablesChainName } from "../../backends/iptables/chainNames.js";
import type { IptablesFamilyLayout, IptablesHooks, IptablesTable } from "../../backends/iptables/layout.js";
import { IptablesChain, Ipset } from "../../backends/iptables/layout.js";
import { ipsetName } from "../../backends/iptables/renderIpset.js";
import type { Family, Ir } from "../../compiler/ir/types.js";
import { chainFingerprint, membersDigest } from "../memory/fingerprint.js";
import { normalizeMember } from "./ipsetState.js";
import type { DesiredChain, DesiredIptablesState, DesiredTable, HookRules, OwnedRule, SetState } from "./iptablesState.js";

/**
 * Results of earlier calls, for an agent that applies again and again: layout chains by the
 * digest of their IR chain (a chain's rules depend on the family and the chain alone), layout
 * sets by their IR set (its members by digest), members in the kernel's spelling by the digest
 * of the IR members. Each call keeps only what it used
 * (`next`), so the memo never outgrows one ruleset.
 */
export interface RenderMemo {
  readonly previous: ReadonlyMap<string, unknown>;
  readonly next: Map<string, unknown>;
}

/**
 * What an apply with a ledger (ledger.ts) already knows: the rules of chains and the state of
 * sets whose IR is unchanged since the last apply, so they need not be built again.
 */
export interface DesiredReuse {
  /** The rules of chain `name` (iptables name) of `table`, if its IR digest is still `fingerprint`. */
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

function memoized<T>(memo: RenderMemo | undefined, key: string, make: () => T): T {
  if (memo === undefined) return make();
  const value = (memo.previous.get(key) as T | undefined) ?? make();
  memo.next.set(key, value);
  return value;
}

/** Digests of the IR objects the layout was built from, and what the ledger supplied. */
interface Known {
  /** `family table logical` → chain fingerprint. */
  readonly fingerprints: Map<string, string>;
  /** Set name (per family) → members digest. */
  readonly digests: Map<string, string>;
  /** Stand-ins given to the builder → the rules the ledger knows. */
  readonly chains: Map<IptablesChain, readonly OwnedRule[]>;
  /** Stand-ins given to the builder → the set state the ledger knows. */
  readonly sets: Map<Ipset, SetState>;
  /** Set name (per family) → the memo key of the built set. */
  readonly memoKeys: Map<string, string>;
}

function chainKey(family: Family, table: string, logical: string): string {
  return `${family} ${table} ${logical}`;
}

/** The reuse the builder gets: the ledger's knowledge first, then the memo. */
function layoutReuse(options: DesiredOptions, known: Known): IptablesLayoutReuse {
  const { memo, reuse } = options;
  return {
    chain(family, table, chain) {
      const fingerprint = chainFingerprint(family, chain);
      known.fingerprints.set(chainKey(family, table, chain.name), fingerprint);
      const name = iptablesChainName(chain.name);
      const rules = reuse?.chain(family, table, name, fingerprint);
      if (rules !== undefined) {
        const standIn = new IptablesChain(name, chain.name, []);
        known.chains.set(standIn, rules);
        return standIn;
      }
      const earlier = memo?.previous.get(`chain ${fingerprint}`);
      return earlier instanceof IptablesChain ? earlier : undefined;
    },
    set(set) {
      const name = ipsetName(set.family, set.id);
      const digest = membersDigest(set.members);
      known.digests.set(`${set.family} ${name}`, digest);
      const state = reuse?.set(name, digest);
      if (state !== undefined) {
        const standIn = new Ipset(name, "hash:net", set.family, 0, "", []);
        known.sets.set(standIn, { ...state, digest });
        return standIn;
      }
      if (memo === undefined) return undefined;
      // A built set depends on its id, type, comment and members alone.
      const key = `set ${set.family} ${set.id} ${set.type} ${digest} ${JSON.stringify(set.comment)}`;
      known.memoKeys.set(`${set.family} ${name}`, key);
      const earlier = memo.previous.get(key);
      return earlier instanceof Ipset ? earlier : undefined;
    },
  };
}

function hookRules(hooks: IptablesHooks): HookRules {
  return {
    kernelChain: hooks.kernelChain,
    insert: hooks.rules.filter((r) => r.position === "insert"),
    append: hooks.rules.filter((r) => r.position === "append"),
  };
}

function desiredTable(family: Family, table: IptablesTable, known: Known | undefined, memo: RenderMemo | undefined): DesiredTable {
  const chains = table.chains.map((chain): DesiredChain => {
    if (known === undefined) return { name: chain.name, rules: chain.rules };
    const fingerprint = known.fingerprints.get(chainKey(family, table.name, chain.logical)) ?? "";
    const rules = known.chains.get(chain);
    if (rules !== undefined) return { name: chain.name, rules, fingerprint };
    memo?.next.set(`chain ${fingerprint}`, chain);
    return { name: chain.name, rules: chain.rules, fingerprint };
  });
  return { name: table.name, chains, hooks: table.hooks.map(hookRules) };
}

function desiredSets(fam: IptablesFamilyLayout, known: Known | undefined, memo: RenderMemo | undefined): SetState[] {
  return fam.sets.map((set) => {
    const state = known?.sets.get(set);
    if (state !== undefined) return state;
    const key = known?.memoKeys.get(`${fam.family} ${set.name}`);
    if (key !== undefined) memo?.next.set(key, set);
    const normalize = (): string[] => [...new Set(set.members.map(normalizeMember))];
    const meta = { name: set.name, type: set.type, family: set.familyKeyword(), maxelem: set.maxelem };
    const digest = known?.digests.get(`${fam.family} ${set.name}`);
    if (digest === undefined) return { ...meta, members: normalize() };
    return { ...meta, members: memoized(memo, `members ${digest}`, normalize), digest };
  });
}

/**
 * What the iptables backend wants on the node for `ir`: our chains and hooks per table and
 * family, and our sets, read from the backend's layout. Pure apart from filling
 * `options.memo.next`. Throws only on a broken IR invariant, as the backend does.
 */
export function desiredIptablesState(ir: Ir, options: DesiredOptions = {}): DesiredIptablesState {
  // Digests are needed by a memo, a ledger's reuse, or a new ledger.
  const digests = options.memo !== undefined || options.reuse !== undefined || options.fingerprints === true;
  const known: Known | undefined = digests ? { fingerprints: new Map(), digests: new Map(), chains: new Map(), sets: new Map(), memoKeys: new Map() } : undefined;
  const layout = buildIptablesLayout(ir, known === undefined ? {} : layoutReuse(options, known));
  const { memo } = options;
  return {
    v4: layout.v4.tables.map((t) => desiredTable(4, t, known, memo)),
    v6: layout.v6.tables.map((t) => desiredTable(6, t, known, memo)),
    sets: [...desiredSets(layout.v4, known, memo), ...desiredSets(layout.v6, known, memo)],
  };
}
