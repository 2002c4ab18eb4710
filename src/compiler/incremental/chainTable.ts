/**
 * One family's filter chains as the incremental compiler keeps them: each chain as rendered
 * (before the passes) and as the passes leave it, and what the IR holds.
 *
 * - The chain-local passes (passes/chainPasses.ts) run on a chain when it is rendered anew, and
 *   when a set it matches on becomes empty or non-empty (dropNeverMatching reads emptiness).
 * - Reachability (dropUnreferencedChains) is kept by reference counts: a chain is in the IR
 *   while a hook or a chain in the IR jumps to it. Counting is exact for the IR's chains, which
 *   never form a cycle (netfilter refuses loops).
 * - Set use (dropUnusedSets) likewise: a set is in the IR while a chain in the IR matches on it.
 *   Anonymous CIDR sets (cidrListsToSets) live here; named sets in the set table.
 *
 * Chains and sets whose IR presence or content may have changed since the last `takeDelta` are
 * remembered with what the IR had before, for the IR delta.
 */
import type { Chain, Family, Hook, IpSet, Rule } from "../ir/types.js";
import { runChainPasses } from "../passes/chainPasses.js";

interface ChainRecord<U> {
  readonly name: string;
  pre: Chain;
  /** The set ids the rendered rules match on (each once). */
  sets: readonly string[];
  /** What lowering found (the diagnostics' facts). */
  uses: U | undefined;
  /** After the chain-local passes (undefined until they run). */
  post: Chain | undefined;
  /** What `post` refers to, each once: sets (named and anonymous) and chains. */
  postSets: readonly string[];
  targets: readonly string[];
  /** In the IR (reached from a hook). */
  kept: boolean;
}

export interface ChainDelta {
  readonly added: readonly string[];
  readonly changed: readonly string[];
  readonly removed: readonly string[];
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** Structural equality of rule lists (plain data). */
export function sameRules(a: readonly Rule[], b: readonly Rule[]): boolean {
  return a === b || (a.length === b.length && a.every((r, i) => sameValue(r, b[i])));
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]));
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface References {
  readonly sets: readonly string[];
  readonly targets: readonly string[];
}

const referenced = new WeakMap<Chain, References>();

/** The distinct set ids and jump targets of a chain (memoized: families share chains). */
function references(chain: Chain): References {
  let refs = referenced.get(chain);
  if (!refs) {
    const sets = new Set<string>();
    const targets = new Set<string>();
    for (const r of chain.rules) {
      for (const m of r.matches) if (m.kind === "set" || m.kind === "addrPortSet") sets.add(m.set);
      if (r.action.kind === "jump" || r.action.kind === "goto") targets.add(r.action.chain);
    }
    referenced.set(chain, (refs = { sets: [...sets], targets: [...targets] }));
  }
  return refs;
}

/**
 * Passes on chains that match on no set and no CIDR list (layout chains: endpoint, dispatch,
 * static) do not depend on the family or on any set: both families share the result.
 */
const familyFree = new WeakMap<Chain, { optimized?: Chain; legal?: Chain }>();

function matchesFamilyData(chain: Chain): boolean {
  return chain.rules.some((r) => r.matches.some((m) => m.kind === "set" || m.kind === "addrPortSet" || m.kind === "addr"));
}

export class ChainTable<U> {
  private readonly chains = new Map<string, ChainRecord<U>>();
  /** Set id -> chains whose rendered rules match on it. */
  private readonly bySet = new Map<string, Set<ChainRecord<U>>>();
  /** Chain name -> jumps to it from chains in the IR (and from hooks). */
  private readonly chainRefs = new Map<string, number>();
  /** Set id -> chains in the IR matching on it. */
  private readonly setRefs = new Map<string, number>();
  private readonly anonymous = new Map<string, IpSet>();
  /** Chains to run the passes on at the next flush. */
  private readonly pending = new Set<ChainRecord<U>>();
  /** Chains whose references counts changed (their IR presence may flip). */
  private readonly recount = new Set<string>();
  /** Touched since the last takeDelta: the IR's chain (or none) before. */
  private readonly before = new Map<string, Chain | undefined>();
  private readonly touchedSets = new Set<string>();
  /** Chains the last flush gave a structurally different result (so changed, if in the IR before and after). */
  private readonly replaced = new Set<string>();
  /** The IR's chain names, sorted. */
  private readonly names: string[] = [];
  private irChains: readonly Chain[] = [];
  private stale = true;

  constructor(
    readonly family: Family,
    private readonly optimize: boolean,
    hooks: readonly Hook[],
  ) {
    for (const h of hooks) this.ref(h.target, 1);
  }

  private ref(name: string, n: number): void {
    this.chainRefs.set(name, (this.chainRefs.get(name) ?? 0) + n);
    this.recount.add(name);
  }

  private irChain(rec: ChainRecord<U> | undefined): Chain | undefined {
    return rec?.kept ? rec.post : undefined;
  }

  private touch(name: string): void {
    if (!this.before.has(name)) this.before.set(name, this.irChain(this.chains.get(name)));
  }

  /** Every chain's lowering facts. */
  *uses(): IterableIterator<U> {
    for (const rec of this.chains.values()) if (rec.uses !== undefined) yield rec.uses;
  }

  /** A chain's lowering facts. */
  usesOf(name: string): U | undefined {
    return this.chains.get(name)?.uses;
  }

  /** Renders `name` as `pre` (matching on `sets`). */
  set(name: string, pre: Chain, sets: readonly string[], uses?: U): void {
    const rec = this.chains.get(name);
    if (rec) {
      rec.uses = uses;
      if (sameList(rec.sets, sets) && sameRules(rec.pre.rules, pre.rules)) return;
      this.link(rec, -1);
      rec.pre = pre;
      rec.sets = sets;
      this.link(rec, +1);
      this.pending.add(rec);
      return;
    }
    const fresh: ChainRecord<U> = { name, pre, sets, uses, post: undefined, postSets: [], targets: [], kept: false };
    this.chains.set(name, fresh);
    this.link(fresh, +1);
    this.pending.add(fresh);
    this.recount.add(name);
  }

  /** Drops chain `name`. */
  delete(name: string): void {
    const rec = this.chains.get(name);
    if (!rec) return;
    this.touch(name);
    this.link(rec, -1);
    if (rec.kept) this.contribute(rec, -1);
    rec.kept = false;
    this.chains.delete(name);
    this.pending.delete(rec);
    this.stale = true;
  }

  private link(rec: ChainRecord<U>, sign: number): void {
    for (const id of rec.sets) {
      let chains = this.bySet.get(id);
      if (sign > 0) {
        if (!chains) this.bySet.set(id, (chains = new Set()));
        chains.add(rec);
      } else {
        chains?.delete(rec);
        if (chains?.size === 0) this.bySet.delete(id);
      }
    }
  }

  /** Sets became empty or non-empty: the chains matching on them run the passes again. */
  emptinessChanged(ids: Iterable<string>): void {
    if (!this.optimize) return;
    for (const id of ids) for (const rec of this.bySet.get(id) ?? []) this.pending.add(rec);
  }

  private contribute(rec: ChainRecord<U>, sign: number): void {
    for (const t of rec.targets) this.ref(t, sign);
    for (const s of rec.postSets) this.countSet(s, sign);
  }

  /** A chain in the IR now refers to `refs` instead: only what differs moves the counts. */
  private recontribute(rec: ChainRecord<U>, refs: References): void {
    const move = (before: readonly string[], after: readonly string[], count: (id: string, n: number) => void): void => {
      const old = new Set(before);
      const now = new Set(after);
      for (const id of after) if (!old.has(id)) count(id, +1);
      for (const id of before) if (!now.has(id)) count(id, -1);
    };
    move(rec.targets, refs.targets, (t, n) => this.ref(t, n));
    move(rec.postSets, refs.sets, (s, n) => this.countSet(s, n));
  }

  private countSet(id: string, n: number): void {
    const c = (this.setRefs.get(id) ?? 0) + n;
    if (c === 0) this.setRefs.delete(id);
    else this.setRefs.set(id, c);
    this.touchedSets.add(id);
  }

  /** Runs the passes where needed, then settles reachability and set use. */
  flush(emptySet: (id: string) => boolean): void {
    const onSet = (s: IpSet): void => {
      if (!this.anonymous.has(s.id)) this.anonymous.set(s.id, s);
    };
    for (const rec of this.pending) {
      let post: Chain;
      if (matchesFamilyData(rec.pre)) post = runChainPasses(rec.pre, this.family, this.optimize, emptySet, onSet);
      else {
        let shared = familyFree.get(rec.pre);
        if (!shared) familyFree.set(rec.pre, (shared = {}));
        const slot = this.optimize ? "optimized" : "legal";
        post = shared[slot] ??= runChainPasses(rec.pre, this.family, this.optimize, emptySet, onSet);
      }
      if (rec.post !== undefined) {
        if (sameRules(rec.post.rules, post.rules)) continue;
        this.replaced.add(rec.name);
      }
      this.touch(rec.name);
      this.stale = true;
      const refs = references(post);
      if (rec.kept) this.recontribute(rec, refs);
      rec.post = post;
      rec.postSets = refs.sets;
      rec.targets = refs.targets;
    }
    this.pending.clear();
    // Presence follows the counts; a chain entering or leaving the IR moves its targets' counts.
    while (this.recount.size > 0) {
      const [name] = this.recount;
      this.recount.delete(name!);
      const rec = this.chains.get(name!);
      if (!rec || rec.post === undefined) continue;
      const kept = (this.chainRefs.get(name!) ?? 0) > 0;
      if (kept === rec.kept) continue;
      this.touch(rec.name);
      this.stale = true;
      rec.kept = kept;
      this.contribute(rec, kept ? +1 : -1);
    }
    for (const [id] of this.anonymous) if (!this.setRefs.has(id)) this.anonymous.delete(id);
  }

  /** Whether the IR has a chain matching on the set. */
  usesSet(id: string): boolean {
    return this.setRefs.has(id);
  }

  /** An anonymous set in the IR. */
  anonymousSet(id: string): IpSet | undefined {
    return this.anonymous.get(id);
  }

  /** The IR's chains, sorted by name. */
  chainList(): readonly Chain[] {
    if (!this.stale) return this.irChains;
    for (const [name] of this.before) {
      const inIr = this.irChain(this.chains.get(name)) !== undefined;
      let lo = 0;
      let hi = this.names.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.names[mid]! < name) lo = mid + 1;
        else hi = mid;
      }
      const present = this.names[lo] === name;
      if (inIr && !present) this.names.splice(lo, 0, name);
      else if (!inIr && present) this.names.splice(lo, 1);
    }
    this.irChains = this.names.map((n) => this.chains.get(n)!.post!);
    this.stale = false;
    return this.irChains;
  }

  /** What changed in the IR's chains since the last call (by value), and the set ids whose use may have changed. */
  takeDelta(): { chains: ChainDelta; sets: ReadonlySet<string> } {
    this.chainList();
    const added: string[] = [];
    const changed: string[] = [];
    const removed: string[] = [];
    for (const [name, old] of this.before) {
      const now = this.irChain(this.chains.get(name));
      if (old === now) continue;
      if (old === undefined) added.push(name);
      else if (now === undefined) removed.push(name);
      // The IR holds no undefined-valued properties, so structural equality is diffIr's JSON
      // equality; a chain replaced once, in the flush, by a different one has changed.
      else if (this.replaced.has(name) || !sameRules(old.rules, now.rules)) changed.push(name);
    }
    this.before.clear();
    this.replaced.clear();
    const sets = new Set(this.touchedSets);
    this.touchedSets.clear();
    return { chains: { added: added.sort(byName), changed: changed.sort(byName), removed: removed.sort(byName) }, sets };
  }
}
