/**
 * The desired iptables + ipset state of a node: the iptables backend's layout
 * (backends/iptables/layout.ts) as the planner reads it. Nothing is rendered or hashed here: a
 * chain's rules are the layout's rule objects (each one's `spec` and `hash`), hooks are the
 * layout's kernel-chain rules split by position, sets are the layout's sets with their members
 * in the kernel's spelling (ipsetState.ts `normalizeMember`).
 *
 * Built in one of two ways, each rendering only what it must:
 * - `buildDesiredIptables`: from the IR whole, or given an earlier build (what an agent's cache
 *   keeps, memory/cache.ts):
 *   - with the IR delta since, from the delta: the layout comes from `iptablesLayoutFromDelta`,
 *     which keeps every object the delta does not name, and the state of a kept object is the
 *     earlier build's own (by identity), so it is neither rendered, hashed, normalized nor
 *     digested again;
 *   - without one, by digests: every IR chain and set is digested, and one whose digest the
 *     earlier build recorded (or, built without digests, would have: `byDigest`) is taken from
 *     it, object and state (a digest of the IR costs far less than rendering it: about a second
 *     on shape L against several).
 * - `desiredIptablesState` with a ledger's reuse (memory/ledger.ts): chains and sets whose IR
 *   digest (fingerprint.ts) is the one recorded are still as written in the kernel. Their rules
 *   are known by hash only, so the builder is given a stand-in chain and the state takes the
 *   known rules instead; the planner never writes such rules (planIptables.ts).
 * With `fingerprints`, every chain and set the state makes anew carries the digest of its IR
 * object, which a new ledger records.
 */
import type { IptablesLayoutReuse } from "../../backends/iptables/buildLayout.js";
import { buildIptablesLayout, iptablesLayoutFromDelta } from "../../backends/iptables/buildLayout.js";
import { iptablesChainName } from "../../backends/iptables/chainNames.js";
import type { IptablesFamilyLayout, IptablesHooks, IptablesLayout, IptablesTable } from "../../backends/iptables/layout.js";
import { IptablesChain, Ipset } from "../../backends/iptables/layout.js";
import { escapeComment } from "../../backends/iptables/escapeComment.js";
import { ipsetName, ipsetType } from "../../backends/iptables/renderIpset.js";
import type { IrDelta } from "../../compiler/ir/delta.js";
import type { Chain, Family, IpSet, Ir } from "../../compiler/ir/types.js";
import type { IrDigests } from "./digestIr.js";
import { chainFingerprint, membersDigest } from "./fingerprint.js";
import { normalizeMember } from "./ipsetState.js";
import type { DesiredChain, DesiredIptablesState, DesiredTable, HookRules, OwnedRule, SetState } from "./iptablesState.js";

/**
 * What an apply with a ledger (memory/ledger.ts) already knows: the rules of chains and the
 * state of sets whose IR is unchanged since the last apply, so they need not be built again.
 */
export interface DesiredReuse {
  /** The rules of chain `name` (iptables name) of `table`, if its IR digest is still `fingerprint`. */
  chain(family: Family, table: string, name: string, fingerprint: string): readonly OwnedRule[] | undefined;
  /** The (opaque) state of set `name`, if its IR members digest is still `digest`. */
  set(name: string, digest: string): SetState | undefined;
}

/** The state made of each layout object, by the object. */
interface Parts {
  readonly tables: Map<IptablesTable, DesiredTable>;
  readonly chains: Map<IptablesChain, DesiredChain>;
  readonly sets: Map<Ipset, SetState>;
}

/** A desired state with the layout and the IR it was made from: what the next build's delta is against. */
export interface IptablesBuild {
  readonly ir: Ir;
  readonly layout: IptablesLayout;
  readonly desired: DesiredIptablesState;
  readonly parts: Parts;
  /** Whether its chains and sets carry their IR digests. */
  readonly fingerprints: boolean;
}

/** How the state of each layout object is found, when it is not made anew. */
interface Known {
  chain(family: Family, table: string, chain: IptablesChain): DesiredChain | undefined;
  set(set: Ipset): SetState | undefined;
  /** The IR digest of a chain or set made anew (undefined: not wanted). */
  fingerprint(family: Family, table: string, chain: IptablesChain): string | undefined;
  digest(family: Family, set: Ipset): string | undefined;
}

function hookRules(hooks: IptablesHooks): HookRules {
  return {
    kernelChain: hooks.kernelChain,
    insert: hooks.rules.filter((r) => r.position === "insert"),
    append: hooks.rules.filter((r) => r.position === "append"),
  };
}

function desiredTable(family: Family, table: IptablesTable, known: Known, parts: Parts, previous: Parts | undefined): DesiredTable {
  const kept = previous?.tables.get(table);
  if (kept !== undefined) {
    // The earlier build's table, chains and all: carry its chains over for the next build.
    parts.tables.set(table, kept);
    for (const chain of table.chains) {
      const state = previous?.chains.get(chain);
      if (state !== undefined) parts.chains.set(chain, state);
    }
    return kept;
  }
  const chains = table.chains.map((chain): DesiredChain => {
    const state = known.chain(family, table.name, chain) ?? withFingerprint({ name: chain.name, rules: chain.rules }, known.fingerprint(family, table.name, chain));
    parts.chains.set(chain, state);
    return state;
  });
  const state = { name: table.name, chains, hooks: table.hooks.map(hookRules) };
  parts.tables.set(table, state);
  return state;
}

function withFingerprint(chain: DesiredChain, fingerprint: string | undefined): DesiredChain {
  return fingerprint === undefined ? chain : { ...chain, fingerprint };
}

function desiredSets(fam: IptablesFamilyLayout, known: Known, parts: Parts): SetState[] {
  return fam.sets.map((set) => {
    let state = known.set(set);
    if (state === undefined) {
      const members = normalizedMembers(set.members);
      const digest = known.digest(fam.family, set);
      state = { name: set.name, type: set.type, family: set.familyKeyword(), maxelem: set.maxelem, members, ...(digest === undefined ? {} : { digest }) };
    }
    parts.sets.set(set, state);
    return state;
  });
}

/**
 * A layout set's members (sorted and de-duplicated, layout.ts `Ipset.members`) in the kernel's
 * spelling, de-duplicated again only when a spelling changed (two spellings of one member then
 * meet). Most members are already spelled as the kernel prints them, and the layout's own array
 * is then kept: on shape L a Set of a million members cost about a second of the first apply.
 */
export function normalizedMembers(members: readonly string[]): readonly string[] {
  let out: string[] | undefined;
  for (let i = 0; i < members.length; i++) {
    const m = members[i]!;
    const n = normalizeMember(m);
    if (out === undefined && n !== m) out = members.slice(0, i);
    out?.push(n);
  }
  return out === undefined ? members : [...new Set(out)];
}

function stateOf(layout: IptablesLayout, known: Known, previous?: Parts): { desired: DesiredIptablesState; parts: Parts } {
  const parts: Parts = { tables: new Map(), chains: new Map(), sets: new Map() };
  const desired = {
    v4: layout.v4.tables.map((t) => desiredTable(4, t, known, parts, previous)),
    v6: layout.v6.tables.map((t) => desiredTable(6, t, known, parts, previous)),
    sets: [...desiredSets(layout.v4, known, parts), ...desiredSets(layout.v6, known, parts)],
  };
  return { desired, parts };
}

/** IR chains and sets by the layout names they get, looked up only when a digest is wanted. */
function irDigests(ir: Ir): Pick<Known, "fingerprint" | "digest"> {
  let chains: Map<string, Chain> | undefined;
  let sets: Map<string, IpSet> | undefined;
  const chainOf = (family: Family, table: string, logical: string): Chain | undefined => {
    chains ??= new Map(
      [ir.v4, ir.v6].flatMap((fam) => fam.tables.flatMap((t) => t.chains.map((c) => [`${fam.family} ${t.name} ${c.name}`, c] as const))),
    );
    return chains.get(`${family} ${table} ${logical}`);
  };
  const setOf = (family: Family, name: string): IpSet | undefined => {
    sets ??= new Map([...ir.v4.sets, ...ir.v6.sets].map((s) => [`${s.family} ${ipsetName(s.family, s.id)}`, s] as const));
    return sets.get(`${family} ${name}`);
  };
  return {
    fingerprint(family, table, chain) {
      const ir = chainOf(family, table, chain.logical);
      return ir === undefined ? undefined : chainFingerprint(family, ir);
    },
    digest(family, set) {
      const ir = setOf(family, set.name);
      return ir === undefined ? undefined : membersDigest(ir.members);
    },
  };
}

/**
 * What the iptables backend wants on the node for `ir`, with what it was built from. Given
 * `from`, an earlier build: with `delta` = `diffIr(from.build.ir, ir)`, built from the delta;
 * without, by digests (and then with them). Pure. Throws
 * only on a broken IR invariant, as the backend does.
 */
export function buildDesiredIptables(ir: Ir, options: { readonly fingerprints?: boolean; readonly from?: { readonly build: IptablesBuild; readonly delta?: IrDelta } } = {}): IptablesBuild {
  const { from } = options;
  if (from !== undefined && from.delta === undefined) return buildByDigests(ir, from.build);
  const fingerprints = options.fingerprints === true;
  // A state made without digests cannot lend its parts to one that needs them.
  const delta = from !== undefined && (from.build.fingerprints || !fingerprints) ? from.delta : undefined;
  const previous = delta === undefined ? undefined : from?.build;
  const layout = previous === undefined || delta === undefined ? buildIptablesLayout(ir) : iptablesLayoutFromDelta(previous.layout, ir, delta);
  const digests = fingerprints ? irDigests(ir) : undefined;
  const kept = previous?.parts;
  const known: Known = {
    chain: (_family, _table, chain) => kept?.chains.get(chain),
    set: (set) => kept?.sets.get(set),
    fingerprint: (family, table, chain) => digests?.fingerprint(family, table, chain),
    digest: (family, set) => digests?.digest(family, set),
  };
  const { desired, parts } = stateOf(layout, known, kept);
  return { ir, layout, desired, parts, fingerprints };
}

/**
 * The layout objects of `build` by the digest of the IR object each was made from: the digest
 * its state carries, else worked out now from `build.ir`. A build's layout object for an IR chain
 * or set is the one made from it, or one kept from an earlier build whose IR object was equal
 * (the delta did not name it), so `build.ir` gives the same digest as the IR it was made from.
 * An agent's builds carry no digests (iptablesBackend.ts): this is where it pays for them, on the
 * rare build without a delta (a retry after a failed apply), not on every start-up.
 */
function byDigest(build: IptablesBuild): { chains: Map<string, IptablesChain>; sets: Map<string, Ipset> } {
  const chains = new Map<string, IptablesChain>();
  const sets = new Map<string, Ipset>();
  const digests = irDigests(build.ir);
  for (const family of [build.layout.v4, build.layout.v6]) {
    for (const table of family.tables) {
      for (const chain of table.chains) {
        const fingerprint = build.parts.chains.get(chain)?.fingerprint ?? digests.fingerprint(family.family, table.name, chain);
        if (fingerprint !== undefined) chains.set(`${table.name} ${fingerprint}`, chain);
      }
    }
    for (const set of family.sets) {
      const digest = build.parts.sets.get(set)?.digest ?? digests.digest(family.family, set);
      if (digest !== undefined) sets.set(setKey(family.family, set.name, set.type, set.comment, digest), set);
    }
  }
  return { chains, sets };
}

/** What a built set depends on: its name (id and family), type, comment and members. */
function setKey(family: Family, name: string, type: string, comment: string, digest: string): string {
  return `${family} ${name} ${type} ${digest} ${JSON.stringify(comment)}`;
}

/**
 * `ir`'s build, taking from `previous` (built with digests) every chain and set whose IR digest
 * it recorded: a chain's rules depend on the family and the IR chain alone (jump targets and set
 * names are fixed functions of the names it mentions), a set on its id, type, comment and
 * members.
 */
function buildByDigests(ir: Ir, previous: IptablesBuild): IptablesBuild {
  const earlier = byDigest(previous);
  const fingerprints = new Map<string, string>();
  const digests = new Map<string, string>();
  const reuse: IptablesLayoutReuse = {
    chain(family, table, chain) {
      const fingerprint = chainFingerprint(family, chain);
      fingerprints.set(chainKey(family, table, chain.name), fingerprint);
      return earlier.chains.get(`${table} ${fingerprint}`);
    },
    set(set) {
      const name = ipsetName(set.family, set.id);
      const digest = membersDigest(set.members);
      digests.set(`${set.family} ${name}`, digest);
      return earlier.sets.get(setKey(set.family, name, ipsetType(set.type), escapeComment(set.comment), digest));
    },
  };
  const layout = buildIptablesLayout(ir, reuse);
  const known: Known = {
    chain: (_family, _table, chain) => previous.parts.chains.get(chain),
    set: (set) => previous.parts.sets.get(set),
    fingerprint: (family, table, chain) => fingerprints.get(chainKey(family, table, chain.logical)),
    digest: (family, set) => digests.get(`${family} ${set.name}`),
  };
  const { desired, parts } = stateOf(layout, known);
  // The states taken from `previous` are its own: they carry digests only if its did.
  return { ir, layout, desired, parts, fingerprints: previous.fingerprints };
}

function chainKey(family: Family, table: string, logical: string): string {
  return `${family} ${table} ${logical}`;
}

/**
 * What the iptables backend wants on the node for `ir`, knowing what a ledger recorded
 * (`reuse`): chains and sets it vouches for are taken from it, not built. `digests`: the IR's
 * digests when they were worked out already (`digestIr`). Pure; throws only on a broken IR
 * invariant.
 */
export function desiredIptablesState(ir: Ir, options: { readonly fingerprints?: boolean; readonly reuse?: DesiredReuse; readonly digests?: IrDigests } = {}): DesiredIptablesState {
  const { reuse, digests: worked } = options;
  if (reuse === undefined) return buildDesiredIptables(ir, options).desired;
  // The builder asks about every IR chain and set; their digests are worked out as it asks.
  const fingerprints = new Map<string, string>();
  const digests = new Map<string, string>();
  const standIns = { chains: new Map<IptablesChain, DesiredChain>(), sets: new Map<Ipset, SetState>() };
  const layoutReuse: IptablesLayoutReuse = {
    chain(family, table, chain) {
      const fingerprint = worked?.chain(family, chain) ?? chainFingerprint(family, chain);
      fingerprints.set(chainKey(family, table, chain.name), fingerprint);
      const name = iptablesChainName(chain.name);
      const rules = reuse.chain(family, table, name, fingerprint);
      if (rules === undefined) return undefined;
      const standIn = new IptablesChain(name, chain.name, []);
      standIns.chains.set(standIn, { name, rules, fingerprint });
      return standIn;
    },
    set(set) {
      const name = ipsetName(set.family, set.id);
      const digest = worked?.set(set) ?? membersDigest(set.members);
      digests.set(`${set.family} ${name}`, digest);
      const state = reuse.set(name, digest);
      if (state === undefined) return undefined;
      const standIn = new Ipset(name, "hash:net", set.family, 0, "", []);
      standIns.sets.set(standIn, { ...state, digest });
      return standIn;
    },
  };
  const layout = buildIptablesLayout(ir, layoutReuse);
  const known: Known = {
    chain: (_family, _table, chain) => standIns.chains.get(chain),
    set: (set) => standIns.sets.get(set),
    fingerprint: (family, table, chain) => fingerprints.get(chainKey(family, table, chain.logical)),
    digest: (family, set) => digests.get(`${family} ${set.name}`),
  };
  return stateOf(layout, known).desired;
}
