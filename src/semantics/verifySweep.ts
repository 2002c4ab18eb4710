/**
 * `factoredSweep`: the port sweep of `verifyInvariants` without a class-by-class matrix, so that
 * it fits clusters of 100,000 classes and more (shape L). Same verdicts as `sweepPorts`; a
 * property test checks every row against a fresh `classReachability` at each interval.
 *
 * - **Other ends in blocks.** An egress walk tests of its destinations only what egress rules'
 *   destination sides test (memberships, CIDRs, service addresses, named ports, network sets);
 *   the classes that agree on all of those form one block, and the walk runs over blocks, not
 *   classes. Likewise ingress walks over blocks of sources. Blocks are far fewer than classes
 *   (on L, thousands against 110,000), so a walk costs that much less.
 * - **Walks shared.** Classes with the same policies in every tier, the same profiles and the
 *   same answers to what the rules test of the fixed end (the same block of that side) walk
 *   alike: one walk per such group, at its first class.
 * - **Rows shared.** Class `f` reaches `t` when `f`'s egress walk holds `t`'s destination block
 *   and `t`'s ingress walk holds `f`'s source block. Sources with the same egress walk and the
 *   same source block have the same row: one row per such group, computed from the egress walk
 *   (expanded to classes) and, per source block, the classes whose ingress admits it.
 *
 * - **Walks alike.** Endpoints whose profiles differ only by name (every namespace's allows all)
 *   share a walk: profiles are numbered by their rules.
 *
 * Between intervals only the walks whose rules test a bound there are done again (`portCuts`);
 * an ingress walk whose rules' port tests come out as at an earlier interval of the sweep takes
 * that interval's walk (`fixedEndKey`): ranges are entered and left, so most walks come back.
 * A step names the source groups whose egress walk changed (their rows are counted again) and,
 * per source block, the classes whose ingress now admits it or no longer does (flips): the rows
 * of that block's other groups change by exactly those classes their egress walk reaches, so
 * `verifyInvariants` moves its counts bit by bit instead of recounting each row.
 *
 * Without host endpoints only: with them, workload flows are judged pair by pair on the node
 * (`classReachability`), and `verifyInvariants` uses `sweepPorts`.
 */
import { PROTO_UDP } from "../calico/index.js";
import type { Cidr } from "./addresses.js";
import type { Bits } from "./bits.js";
import { BitsPool, bitIndexes, bitIndexesInto, bitsArena, fullBits, hasBit } from "./bits.js";
import {
  allowedOver,
  applicablePolicies,
  endpointPeer,
  fixedEndKey,
  namedPortNumbers,
  OtherEnd,
  readsDestinationPort,
  ruleCuts,
  RuleSets,
  scratchOf,
  type Direction,
  type Probe,
  type TierPrefixes,
} from "./classReachability.js";
import type { EquivalenceClasses } from "./equivalenceClasses.js";
import { PartitionRefiner } from "./partitionRefiner.js";
import { profileNamed } from "./prepareModel.js";
import type { Membership, Peer, Prepared, PreparedEntity, PreparedMember, PreparedPolicy, PreparedRule } from "./types.js";

/**
 * Classes whose ingress walk changed at a step, for one source block: each is admitted now and was
 * not before, or the reverse (`FactoredStep.admits` says which). They come as the classes of their
 * walk groups (the sweeper's own lists, read only; no list per flip: on shape S the flips of the
 * TCP sweep held about 100,000 classes), and a walk group's classes all flip the same way.
 */
export interface Flip {
  readonly block: number;
  readonly walks: readonly (readonly number[])[];
}

/** One step of `factoredSweep`: the rows at an interval's first port. */
export interface FactoredStep {
  readonly first: number;
  /** Source groups whose egress walk changed (all at the first): their rows may differ anywhere. */
  readonly rewalked: ReadonlySet<number> | "all";
  /**
   * How the rows of the other groups changed: a group of a flip's block gains or loses each of its
   * classes that the group's egress walk reaches (`egressOf`), and nothing else.
   */
  readonly flips: readonly Flip[];
  /** Writes into `out` the classes an endpoint of any class of group `g` may connect to. */
  readonly rowInto: (g: number, out: Uint32Array) => void;
  /** The classes the egress walk of group `g` lets it reach (as far as their ingress goes); read only. */
  readonly egressOf: (g: number) => Bits;
  /** The classes whose ingress admits source block `b`; read only. A group's row is `egressOf(g) & admitsOf(its block)`. */
  readonly admitsOf: (b: number) => Bits;
  /** Whether class `t`'s ingress admits source block `b`. */
  readonly admits: (b: number, t: number) => boolean;
  /**
   * A number for the row `admitsOf(b)`: within a sweep, blocks with the same number have equal
   * rows (not always conversely), and a number stands for one row only (a block whose row changes
   * gets a number not given before in the sweep). Blocks flipped at a step to one number had one
   * number before and were flipped by the same walks (`Flip.walks`: the same classes, in the same
   * order). On shape L thousands of blocks have a hundred or so distinct rows, so that what is
   * worked out from a row or a flip can be reused by its number.
   */
  readonly admitsId: (b: number) => number;
}

export interface FactoredSweeper {
  /** Per group, its classes, ascending; classes of a group have the same row at every step. */
  readonly groups: readonly (readonly number[])[];
  /** Per group, its source block. */
  readonly groupBlock: readonly number[];
  /** The groups of a source block. */
  readonly groupsOfBlock: (b: number) => readonly number[];
  /**
   * The steps at the first port of each interval of `protocol` (starts ascending), one sweep at a
   * time; with `probeAt`, one step at one probe of an axis without ports (ICMP, other protocols).
   */
  readonly sweep: (protocol: number, starts: readonly number[], probeAt?: (start: number) => Probe) => Generator<FactoredStep>;
}

/** A partition of the classes into blocks: per class its block, per block its first class. */
interface Partition {
  readonly blockOf: Int32Array;
  readonly first: readonly number[];
}

/** What one side (source or destination) of a direction's rules tests of an endpoint. */
interface SideAtoms {
  readonly memberships: Set<Membership>;
  readonly cidrs: Map<string, Cidr>;
  /** Addresses of the services the side names (an endpoint at one of them is told apart). */
  readonly serviceAddresses: Set<string>;
}

/**
 * The atoms `side` of the rules of `direction` test (every tier's policies and every profile):
 * for Calico rules that side's entity; for Kubernetes and cluster rules, their peers when `side`
 * is the other end (their ports name the destination's named ports, which split blocks anyway).
 */
function sideAtoms(prepared: Prepared, direction: Direction, side: "source" | "destination"): SideAtoms {
  const out: SideAtoms = { memberships: new Set(), cidrs: new Map(), serviceAddresses: new Set() };
  const otherSide = direction === "ingress" ? "source" : "destination";
  const cidr = (c: Cidr): void => {
    out.cidrs.set(`${c.family} ${c.text}`, c);
  };
  const entity = (e: PreparedEntity): void => {
    if (e.selector) out.memberships.add(e.selector.members);
    for (const s of e.notSelectors) out.memberships.add(s.members);
    for (const c of e.nets) cidr(c);
    for (const c of e.notNets) cidr(c);
    if (e.service) {
      for (const a of e.service.endpoints.addresses) out.serviceAddresses.add(a);
      // addressPortKey: "address protocol port".
      for (const key of e.service.endpoints.addressPorts) out.serviceAddresses.add(key.split(" ")[0]!);
    }
  };
  const rule = (r: PreparedRule): void => {
    switch (r.kind) {
      case "calico":
        entity(r[side]);
        return;
      case "k8s":
        if (side !== otherSide) return;
        for (const peer of r.peers) {
          if (peer.members) out.memberships.add(peer.members);
          if (peer.ipBlock) {
            cidr(peer.ipBlock.cidr);
            peer.ipBlock.except.forEach(cidr);
          }
        }
        return;
      case "cluster":
        if (side !== otherSide) return;
        for (const peer of r.peers) {
          if ("nets" in peer) peer.nets.forEach(cidr);
          else out.memberships.add(peer.members);
        }
        return;
    }
  };
  for (const tier of prepared.tiers) for (const policy of tier.policies) policy[direction].forEach(rule);
  for (const profile of Object.values(prepared.profiles)) profile[direction].forEach(rule);
  return out;
}

/**
 * The blocks of classes that agree on every atom, on their named ports and network sets, and (at
 * a service's address) on their address. Blocks are numbered in the order of their first class.
 */
function partition(classes: EquivalenceClasses, base: readonly Peer[], baseKeys: readonly string[], atoms: SideAtoms): Partition {
  const n = classes.endpoints.length;
  const blockOf = new Int32Array(n);
  const sizes: number[] = [];
  const ids = new Map<string, number>();
  for (let c = 0; c < n; c++) {
    const p = base[c]!;
    const address = p.address && atoms.serviceAddresses.has(p.address.text) ? p.address.text : "";
    const key = `${baseKeys[c]}\u0000${address}`;
    let id = ids.get(key);
    if (id === undefined) {
      ids.set(key, (id = sizes.length));
      sizes.push(0);
    }
    blockOf[c] = id;
    sizes[id]!++;
  }
  // Split by each atom: the classes inside it leave their block when some of the block is outside.
  const refiner = new PartitionRefiner(blockOf, sizes);
  const inside = refiner.inside;
  // A class is in a membership when its representative is (its members all agree): word by word,
  // the representatives among the members.
  const representatives = new Uint32Array((classes.classOf.length + 31) >>> 5);
  for (const c of classes.endpoints) representatives[c.representative >>> 5]! |= 1 << (c.representative & 31);
  for (const m of atoms.memberships) {
    let count = 0;
    const words = Math.min(m.length, representatives.length);
    for (let w = 0; w < words; w++) {
      let word = m[w]! & representatives[w]!;
      while (word !== 0) {
        const low = word & -word;
        word ^= low;
        inside[count++] = classes.classOf[(w << 5) + (31 - Math.clz32(low))]!;
      }
    }
    refiner.split(count);
  }
  if (atoms.cidrs.size > 0) {
    const cidrs = new OtherEnd(base, classes.classOf);
    for (const c of atoms.cidrs.values()) refiner.split(bitIndexesInto(cidrs.cidr(c), inside));
  }
  // Renumber in the order of first classes.
  const renumber = new Map<number, number>();
  const first: number[] = [];
  for (let c = 0; c < n; c++) {
    let b = renumber.get(blockOf[c]!);
    if (b === undefined) {
      renumber.set(blockOf[c]!, (b = first.length));
      first.push(c);
    }
    blockOf[c] = b;
  }
  return { blockOf, first };
}

/** Numbers for lists of policies: equal lists (the same policies in the same order) get one number. */
class ListIds {
  private readonly buckets = new Map<number, { readonly list: readonly PreparedPolicy[]; readonly id: number }[]>();
  private readonly lists: (readonly PreparedPolicy[])[] = [];
  private readonly byArray = new Map<readonly PreparedPolicy[], number>();
  private count = 0;
  constructor(private readonly policyId: (p: PreparedPolicy) => number) {}

  /** The list numbered `id`. */
  list(id: number): readonly PreparedPolicy[] {
    return this.lists[id]!;
  }

  of(list: readonly PreparedPolicy[]): number {
    // `applicablePolicies` shares one array among the classes with the same list: hashed once.
    const known = this.byArray.get(list);
    if (known !== undefined) return known;
    const id = this.hashed(list);
    this.byArray.set(list, id);
    return id;
  }

  private hashed(list: readonly PreparedPolicy[]): number {
    let h = list.length;
    for (const p of list) h = Math.imul(h ^ this.policyId(p), 0x01000193) >>> 0;
    let bucket = this.buckets.get(h);
    if (!bucket) this.buckets.set(h, (bucket = []));
    for (const e of bucket) if (e.list.length === list.length && e.list.every((p, i) => p === list[i])) return e.id;
    const id = this.count++;
    bucket.push({ list, id });
    this.lists.push(list);
    return id;
  }
}

/** Numbers for bit sets: equal sets (of one length) get one number, in the order first seen. */
class BitsIds {
  private readonly buckets = new Map<number, { readonly bits: Bits; readonly id: number }[]>();
  private count = 0;

  id(bits: Bits): number {
    let h = bits.length;
    for (let i = 0; i < bits.length; i++) h = Math.imul(h ^ bits[i]!, 0x01000193) >>> 0;
    let bucket = this.buckets.get(h);
    if (!bucket) this.buckets.set(h, (bucket = []));
    // A plain loop, not `every` and a closure: sets are numbered 30,000 at a time on L.
    for (const e of bucket) {
      if (e.bits.length !== bits.length) continue;
      let i = 0;
      while (i < bits.length && e.bits[i] === bits[i]) i++;
      if (i === bits.length) return e.id;
    }
    const id = this.count++;
    bucket.push({ bits, id });
    return id;
  }
}

/** Groups of local classes that walk alike in one direction (see the module comment); -1: not local. */
interface WalkGroups {
  readonly groupOf: Int32Array;
  readonly members: readonly number[][];
  /** Per walk group and tier, the key of its walk up to that tier (see `TierPrefixes`). */
  readonly prefixKeys: readonly (readonly string[])[];
  /** Per walk group, the numbers of its lists of policies, tier by tier. */
  readonly listIds: readonly (readonly number[])[];
}

/**
 * Numbers for the profiles' rules in one direction: profiles whose rules are alike but for their
 * paths (every namespace's profile allows all; service accounts' have no rules) get one number,
 * so that endpoints that differ only in such profiles walk alike. Alike: the same fields, the same
 * membership and service objects (by identity); anything else tells them apart.
 */
function profileRuleIds(prepared: Prepared, direction: Direction): (name: string) => number {
  const objects = new Map<object, number>();
  const replacer = (key: string, value: unknown): unknown => {
    if (key === "path") return undefined;
    if (typeof value === "bigint") return `${value}n`;
    if (value instanceof Uint32Array || value instanceof Set || value instanceof Map) {
      let id = objects.get(value);
      if (id === undefined) objects.set(value, (id = objects.size));
      return `#${id}`;
    }
    return value;
  };
  const byText = new Map<string, number>();
  const byName = new Map<string, number>();
  return (name) => {
    let id = byName.get(name);
    if (id === undefined) {
      const profile = profileNamed(prepared, name);
      const text = profile ? JSON.stringify(profile[direction], replacer) : "absent";
      id = byText.get(text);
      if (id === undefined) byText.set(text, (id = byText.size));
      byName.set(name, id);
    }
    return id;
  };
}

function walkGroups(reps: readonly PreparedMember[], local: readonly boolean[], policies: readonly (readonly (readonly PreparedPolicy[])[])[], fixed: Partition, lists: ListIds, profileIds: (name: string) => number): WalkGroups {
  const groupOf = new Int32Array(reps.length).fill(-1);
  const members: number[][] = [];
  const prefixKeys: string[][] = [];
  const listIds: number[][] = [];
  const ids = new Map<string, number>();
  reps.forEach((m, c) => {
    if (!local[c]) return;
    const tiers = policies[c]!.map((tier) => lists.of(tier));
    const own = `${tiers.join(",")};${m.profiles.map(profileIds).join(",")}`;
    const key = `${fixed.blockOf[c]};${own}`;
    let g = ids.get(key);
    if (g === undefined) {
      ids.set(key, (g = members.length));
      members.push([]);
      let prefix = String(fixed.blockOf[c]);
      prefixKeys.push(tiers.map((id, t) => (prefix = policies[c]![t]!.length > 0 ? `${prefix};${t}:${id}` : prefix)));
      listIds.push(tiers);
    }
    members[g]!.push(c);
    groupOf[c] = g;
  });
  return { groupOf, members, prefixKeys, listIds };
}

/** The other end's membership lookup by block: member index -> block of its class (-1: none). */
function memberBlocks(classes: EquivalenceClasses, p: Partition): Int32Array {
  return classes.classOf.map((c) => (c >= 0 ? p.blockOf[c]! : -1));
}

function push(map: Map<number, number[]>, key: number, value: number): void {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  list.push(value);
}

function popcount32(w: number): number {
  w -= (w >>> 1) & 0x55555555;
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (((w + (w >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

function popcount(bits: Bits): number {
  let total = 0;
  for (let w = 0; w < bits.length; w++) total += popcount32(bits[w]!);
  return total;
}

/**
 * The rows of `classReachability` at the first port of each interval of a protocol, in
 * ascending order (source port fixed), grouped (see the module comment). What no probe changes
 * (blocks, groups, plans) is computed once for every protocol. The node must have no host
 * endpoints.
 */
export function factoredSweeper(prepared: Prepared, classes: EquivalenceClasses, srcPort: number, isLocal: (m: PreparedMember) => boolean): FactoredSweeper {
  const family = classes.family;
  const n = classes.endpoints.length;
  const words = (n + 31) >>> 5;
  const reps = classes.endpoints.map((c) => prepared.members[c.representative]!);
  const local = reps.map(isLocal);
  const netSets = prepared.members.filter((m) => m.kind === "NetworkSet" || m.kind === "GlobalNetworkSet");
  const base = reps.map((m) => endpointPeer(netSets, m, family));
  const asSource = base.map((p) => ({ ...p, port: srcPort }));
  const policies = { egress: applicablePolicies(prepared, classes, "egress"), ingress: applicablePolicies(prepared, classes, "ingress") };
  const ids = new Map<PreparedPolicy, number>();
  const policyId = (p: PreparedPolicy): number => {
    let id = ids.get(p);
    if (id === undefined) ids.set(p, (id = ids.size));
    return id;
  };

  // Egress: the fixed end is the source, the other end the destination; ingress the reverse.
  // Every block keeps named ports and network sets together (the walks read both of either end).
  const portTexts = new Map<object, string>();
  const baseKeys = base.map((p) => {
    const ports = p.member!.ports;
    let text = portTexts.get(ports);
    if (text === undefined) portTexts.set(ports, (text = ports.map((np) => `${np.name}/${np.protocol}/${np.port}`).join(",")));
    return `${text}\u0000${p.networkSets.join(",")}`;
  });
  const blocks = (direction: Direction, side: "source" | "destination"): Partition => partition(classes, base, baseKeys, sideAtoms(prepared, direction, side));
  const destinationBlocks = blocks("egress", "destination");
  const sourceBlocks = blocks("ingress", "source");
  const lists = new ListIds(policyId);
  const egressWalks = walkGroups(reps, local, policies.egress, blocks("egress", "source"), lists, profileRuleIds(prepared, "egress"));
  const ingressWalks = walkGroups(reps, local, policies.ingress, blocks("ingress", "destination"), lists, profileRuleIds(prepared, "ingress"));

  const egressOther = new OtherEnd(
    destinationBlocks.first.map((c) => base[c]!),
    memberBlocks(classes, destinationBlocks),
  );
  const ingressOther = new OtherEnd(
    sourceBlocks.first.map((c) => asSource[c]!),
    memberBlocks(classes, sourceBlocks),
  );
  const egressScratch = scratchOf(destinationBlocks.first.length);
  const ingressScratch = scratchOf(sourceBlocks.first.length);

  // Source groups: (egress walk, source block); -1 for a source that is not local (it sends anything).
  const groups: number[][] = [];
  const groupWalk: number[] = [];
  const groupBlock: number[] = [];
  const groupIds = new Map<string, number>();
  const groupsByWalk = new Map<number, number[]>();
  const groupsByBlock = new Map<number, number[]>();
  for (let c = 0; c < n; c++) {
    const w = egressWalks.groupOf[c]!;
    const b = sourceBlocks.blockOf[c]!;
    const key = `${w} ${b}`;
    let g = groupIds.get(key);
    if (g === undefined) {
      groupIds.set(key, (g = groups.length));
      groups.push([]);
      groupWalk.push(w);
      groupBlock.push(b);
      push(groupsByWalk, w, g);
      push(groupsByBlock, b, g);
    }
    groups[g]!.push(c);
  }

  // Per direction and walk group, the ports where its walk is done again: where its rules' port
  // tests change (`ruleCuts`), and at the VXLAN port and after it (`portCuts`).
  const named = namedPortNumbers(prepared);
  const vxlan = prepared.settings.vxlanPort;
  /**
   * Per egress walk group, whether its rules test the VXLAN port or the port after it. When they
   * do not, its UDP walk after the VXLAN port is its walk before it (see `sweep`).
   */
  const rulesCutAtVxlan: boolean[] = [];
  const plan = (direction: Direction, walks: WalkGroups): Map<number, number[]> => {
    const at = new Map<number, number[]>();
    // The cuts of a walk are those of its lists of policies and of its profiles, each found once.
    const byList = new Map<number, readonly number[]>();
    const byProfile = new Map<string, readonly number[]>();
    const cutsOf = (rules: readonly PreparedRule[]): number[] => {
      const set = new Set<number>();
      ruleCuts(rules, named, set);
      return [...set];
    };
    walks.members.forEach((list, w) => {
      const cuts = new Set<number>();
      for (const id of walks.listIds[w]!) {
        let own = byList.get(id);
        if (!own) byList.set(id, (own = cutsOf(lists.list(id).flatMap((p) => p[direction]))));
        for (const port of own) cuts.add(port);
      }
      for (const name of reps[list[0]!]!.profiles) {
        let own = byProfile.get(name);
        if (!own) byProfile.set(name, (own = cutsOf(profileNamed(prepared, name)?.[direction] ?? [])));
        for (const port of own) cuts.add(port);
      }
      if (direction === "egress") rulesCutAtVxlan[w] = cuts.has(vxlan) || cuts.has(vxlan + 1);
      // `portCuts` of each list and profile: none when the walk has neither.
      if (walks.listIds[w]!.length > 0 || reps[list[0]!]!.profiles.length > 0) {
        cuts.add(vxlan);
        cuts.add(vxlan + 1);
      }
      for (const port of cuts) {
        let ws = at.get(port);
        if (!ws) at.set(port, (ws = []));
        ws.push(w);
      }
    });
    return at;
  };
  const plans = { egress: plan("egress", egressWalks), ingress: plan("ingress", ingressWalks) };

  // The sets below live as long as the sweeper (thousands of each on L): carved from shared
  // buffers (see `bitsArena`).
  const kept = bitsArena(n);
  /** Per destination block, its classes. */
  const blockClasses: Uint32Array[] = destinationBlocks.first.map(() => kept());
  for (let t = 0; t < n; t++) blockClasses[destinationBlocks.blockOf[t]!]![t >>> 5]! |= 1 << (t & 31);
  const all = fullBits(n);

  /**
   * Per source block, the classes whose ingress admits it (every class that is not local): made
   * once for every sweep (thousands of rows of every class on L), written anew at each sweep's first step.
   */
  const admits: Uint32Array[] = sourceBlocks.first.map(() => kept());
  /** Per source block, the number of its row in `admits` (see `FactoredStep.admitsId`), and the next number. */
  const admitsIds = new Int32Array(sourceBlocks.first.length);
  let nextAdmitsId = 0;

  /**
   * What a sweep makes and drops, reused from sweep to sweep (see `BitsPool`): the walks (over
   * destination blocks for egress, source blocks for ingress) and the walks expanded to classes
   * live until the next sweep starts, and so do the ingress rules' sets; the walk states after
   * each tier and the egress rules' sets until the next step.
   */
  const pools = {
    egress: new BitsPool(destinationBlocks.first.length),
    ingress: new BitsPool(sourceBlocks.first.length),
    classes: new BitsPool(n),
    egressStates: new BitsPool(destinationBlocks.first.length),
    ingressStates: new BitsPool(sourceBlocks.first.length),
    egressRules: new BitsPool(destinationBlocks.first.length),
    ingressRules: new BitsPool(sourceBlocks.first.length),
  };

  /**
   * Per ingress walk group, the rules of its walk whose match may change from port to port of a
   * sweep (`readsDestinationPort`), which its key reads (`fixedEndKey`); found once per list of
   * policies and per profile.
   */
  const portedByList = new Map<number, readonly PreparedRule[]>();
  const portedByProfile = new Map<string, readonly PreparedRule[]>();
  const portedByWalk = new Map<number, readonly PreparedRule[]>();
  const portedIngressRules = (w: number): readonly PreparedRule[] => {
    let rules = portedByWalk.get(w);
    if (!rules) {
      const out: PreparedRule[] = [];
      for (const id of ingressWalks.listIds[w]!) {
        let own = portedByList.get(id);
        if (!own) portedByList.set(id, (own = lists.list(id).flatMap((p) => p.ingress.filter(readsDestinationPort))));
        out.push(...own);
      }
      for (const name of reps[ingressWalks.members[w]![0]!]!.profiles) {
        let own = portedByProfile.get(name);
        if (!own) portedByProfile.set(name, (own = (profileNamed(prepared, name)?.ingress ?? []).filter(readsDestinationPort)));
        out.push(...own);
      }
      portedByWalk.set(w, (rules = out));
    }
    return rules;
  };

  /**
   * A step's flips as its ingress walks change (`flipWalk`), then taken (`takeFlips`): per source
   * block flipped, its slot (-1: none yet); per slot its block, how many walks flipped it and a hash
   * of them (their numbers in the plan's order); and the (slot, walk) pairs in that order. Typed
   * arrays reused from step to step, not a list per block grown walk by walk: on L the TCP sweep
   * flips 290,000 blocks by some 25 walks each.
   */
  const blockCount = sourceBlocks.first.length;
  const flipSlot = new Int32Array(blockCount).fill(-1);
  const slotBlock = new Int32Array(blockCount);
  const slotWalks = new Int32Array(blockCount);
  const slotHash = new Int32Array(blockCount);
  let slots = 0;
  let pairSlot = new Int32Array(1024);
  let pairWalk = new Int32Array(1024);
  let pairs = 0;
  /** The pairs' walks grouped by slot (see `takeFlips`). */
  let grouped = new Int32Array(1024);
  /**
   * Per ingress walk group, its classes as (word, mask) pairs, one per word they fall in (made when
   * the walk first flips): a toggle is a word operation per pair, not per class.
   */
  const walkMasks: (Int32Array | undefined)[] = [];
  const masksOf = (w: number): Int32Array => {
    let masks = walkMasks[w];
    if (!masks) {
      const list: number[] = [];
      for (const t of ingressWalks.members[w]!) {
        // Classes of a group ascend: a class in the last pair's word joins its mask.
        if (list.length > 0 && list[list.length - 2] === t >>> 5) list[list.length - 1]! |= 1 << (t & 31);
        else list.push(t >>> 5, 1 << (t & 31));
      }
      walkMasks[w] = masks = Int32Array.from(list);
    }
    return masks;
  };
  /** Ingress walk `w` went from `before` to `after` (over source blocks): toggles its classes in the rows of the blocks that changed, and records the flips. */
  const flipWalk = (w: number, before: Bits, after: Bits): void => {
    const masks = masksOf(w);
    for (let i = 0; i < before.length; i++) {
      let word = before[i]! ^ after[i]!;
      while (word !== 0) {
        const low = word & -word;
        const b = (i << 5) + (31 - Math.clz32(low));
        word ^= low;
        const a = admits[b]!;
        for (let j = 0; j < masks.length; j += 2) a[masks[j]!]! ^= masks[j + 1]!;
        let slot = flipSlot[b]!;
        if (slot < 0) {
          flipSlot[b] = slot = slots++;
          slotBlock[slot] = b;
          slotWalks[slot] = 0;
          slotHash[slot] = 0x811c9dc5 | 0;
        }
        slotWalks[slot]!++;
        slotHash[slot] = Math.imul(slotHash[slot]! ^ w, 0x01000193);
        if (pairs === pairSlot.length) {
          const grown = { slot: new Int32Array(2 * pairs), walk: new Int32Array(2 * pairs) };
          grown.slot.set(pairSlot);
          grown.walk.set(pairWalk);
          pairSlot = grown.slot;
          pairWalk = grown.walk;
        }
        pairSlot[pairs] = slot;
        pairWalk[pairs++] = w;
      }
    }
  };
  /**
   * The flips recorded since the last call, in the order their blocks first flipped; renumbers the
   * flipped blocks' rows (`admitsIds`): a flipped block's new row is its row before with the classes
   * of its flipped walks toggled (walk groups are disjoint), so blocks with the same number before
   * and the same walks flipped get the same new number.
   */
  const takeFlips = (): Flip[] => {
    // The pairs grouped by slot (counting sort, the plan's order kept): slot `s` has the walks
    // `grouped[offset[s] .. offset[s + 1]]`.
    const offset = new Int32Array(slots + 1);
    for (let slot = 0; slot < slots; slot++) offset[slot + 1] = offset[slot]! + slotWalks[slot]!;
    if (grouped.length < pairs) grouped = new Int32Array(pairSlot.length);
    slotWalks.fill(0, 0, slots);
    for (let p = 0; p < pairs; p++) {
      const slot = pairSlot[p]!;
      grouped[offset[slot]! + slotWalks[slot]!++] = pairWalk[p]!;
    }
    /**
     * Per slot its list of walks' classes, one list per distinct list of walks (blocks mostly
     * flip by the same walks: on L a few lists for thousands of blocks); per hash of the walks,
     * the slots whose list was made.
     */
    const walksOf: (readonly (readonly number[])[])[] = [];
    const lists = new Map<number, number[]>();
    for (let slot = 0; slot < slots; slot++) {
      const from = offset[slot]!;
      const length = offset[slot + 1]! - from;
      const bucket = lists.get(slotHash[slot]!);
      let same: readonly (readonly number[])[] | undefined;
      for (let k = 0; bucket !== undefined && k < bucket.length && !same; k++) {
        const s = bucket[k]!;
        const start = offset[s]!;
        if (offset[s + 1]! - start !== length) continue;
        let i = 0;
        while (i < length && grouped[start + i] === grouped[from + i]) i++;
        if (i === length) same = walksOf[s];
      }
      if (!same) {
        const list = new Array<readonly number[]>(length);
        for (let i = 0; i < length; i++) list[i] = ingressWalks.members[grouped[from + i]!]!;
        same = list;
        if (bucket) bucket.push(slot);
        else lists.set(slotHash[slot]!, [slot]);
      }
      walksOf.push(same);
    }
    /** Per (number before, list of walks), the number taken by the first block with them. */
    const renumbered = new Map<number, { readonly before: number; readonly walks: readonly (readonly number[])[]; readonly id: number }[]>();
    const flips: Flip[] = [];
    for (let slot = 0; slot < slots; slot++) {
      const b = slotBlock[slot]!;
      const before = admitsIds[b]!;
      const walks = walksOf[slot]!;
      flips.push({ block: b, walks });
      flipSlot[b] = -1;
      const hash = Math.imul(slotHash[slot]! ^ before, 0x01000193);
      let bucket = renumbered.get(hash);
      if (!bucket) renumbered.set(hash, (bucket = []));
      let id = -1;
      for (let k = 0; k < bucket.length && id < 0; k++) if (bucket[k]!.before === before && bucket[k]!.walks === walks) id = bucket[k]!.id;
      if (id < 0) bucket.push({ before, walks, id: (id = nextAdmitsId++) });
      admitsIds[b] = id;
    }
    slots = 0;
    pairs = 0;
    return flips;
  };

  function* sweep(protocol: number, starts: readonly number[], probeAt?: (start: number) => Probe): Generator<FactoredStep> {
  if (probeAt && starts.length !== 1) throw new Error("verify: a probe without ports is swept alone");
  // The last sweep's sets go back to the pools: one sweep at a time.
  pools.egress.reset();
  pools.ingress.reset();
  pools.classes.reset();
  pools.ingressRules.reset();
  const egress: Bits[] = new Array<Bits>(egressWalks.members.length);
  const ingress: Bits[] = new Array<Bits>(ingressWalks.members.length);
  /** Per egress walk, its destinations expanded to classes (computed when needed). */
  const expanded = new Map<number, Bits>();
  const byContent = new BitsIds();
  const expansions = new Map<number, Bits>();
  const expand = (w: number): Bits => {
    if (w < 0) return all;
    let out = expanded.get(w);
    if (!out) {
      const walk = egress[w]!;
      // Many walks end alike: one expansion per distinct walk (for the whole sweep).
      const id = byContent.id(walk);
      out = expansions.get(id);
      if (out) {
        expanded.set(w, out);
        return out;
      }
      const blocks = popcount(walk);
      const bits = pools.classes.takeEmpty();
      if (blocks === destinationBlocks.first.length) bits.set(all);
      else if (blocks * words < n) {
        for (const b of bitIndexes(walk)) {
          const cls = blockClasses[b]!;
          for (let i = 0; i < words; i++) bits[i]! |= cls[i]!;
        }
      } else {
        const of = destinationBlocks.blockOf;
        for (let t = 0; t < n; t++) if (hasBit(walk, of[t]!)) bits[t >>> 5]! |= 1 << (t & 31);
      }
      expanded.set(w, (out = bits));
      expansions.set(id, out);
    }
    return out;
  };
  const rowInto = (g: number, out: Uint32Array): void => {
    const e = expand(groupWalk[g]!);
    const a = admits[groupBlock[g]!]!;
    for (let i = 0; i < words; i++) out[i] = e[i]! & a[i]!;
  };
  const egressOf = (g: number): Bits => expand(groupWalk[g]!);
  const admitsOf = (b: number): Bits => admits[b]!;
  // hasBit by hand: called per flipped walk (millions on L), and the CLI runs without inlining.
  const admitted = (b: number, t: number): boolean => (admits[b]![t >>> 5]! & (1 << (t & 31))) !== 0;
  const admitsId = (b: number): number => admitsIds[b]!;

    // What an ingress rule matches among the sources reads of the probe only its protocol and
    // source port (`RuleSets`), the same at every step of a sweep: computed once per sweep (a
    // sweep with `probeAt` has one step, at that probe).
    const ingressSets = new RuleSets("ingress", probeAt ? probeAt(starts[0]!) : { protocol, srcPort, dstPort: starts[0] }, ingressOther, pools.ingressRules);
    /** UDP's sweep (through ports): egress walks held over the VXLAN port (see the steps below). */
    const udp = protocol === PROTO_UDP && !probeAt;
    const heldAtVxlan = new Map<number, Bits>();
    /**
     * Per ingress walk done again in this sweep, the walks it had so far by their keys (see
     * `fixedEndKey`: its rules' sets are the sweep's `ingressSets`). Walks mostly go back to an
     * earlier one (a port range entered, then left; the ports of another protocol never matched):
     * that walk is taken again instead of walked, and when it is the walk before, nothing flips.
     * The walks live until the sweep ends (the ingress pool's).
     */
    const ingressSeen = new Map<number, { readonly key: readonly number[]; readonly walk: Bits }[]>();
    const key: number[] = [];
    const ingressKey = (w: number, probe: Probe): void => {
      fixedEndKey(portedIngressRules(w), "ingress", { ...base[ingressWalks.members[w]![0]!]!, port: probe.dstPort }, probe, family, key);
    };
    for (let step = 0; step < starts.length; step++) {
      const probe: Probe = probeAt ? probeAt(starts[step]!) : { protocol, srcPort, dstPort: starts[step]! };
      egressOther.nextProbe();
      pools.egressRules.reset();
      const egressSets = new RuleSets("egress", probe, egressOther, pools.egressRules);
      // Walk states after each tier, shared within the step (see `TierPrefixes`).
      const egressStates: TierPrefixes["states"] = new Map();
      const ingressStates: TierPrefixes["states"] = new Map();
      pools.egressStates.reset();
      pools.ingressStates.reset();
      const egressWalk = (w: number): Bits => {
        const c = egressWalks.members[w]![0]!;
        const prefixes = { keys: egressWalks.prefixKeys[w]!, states: egressStates, pool: pools.egressStates };
        const source = probeAt ? { ...base[c]!, port: probe.srcPort } : asSource[c]!;
        return allowedOver(prepared, source, "egress", probe, family, egressSets, policies.egress[c]!, egressScratch, prefixes, pools.egress);
      };
      const ingressWalk = (w: number): Bits => {
        const c = ingressWalks.members[w]![0]!;
        const prefixes = { keys: ingressWalks.prefixKeys[w]!, states: ingressStates, pool: pools.ingressStates };
        return allowedOver(prepared, { ...base[c]!, port: probe.dstPort }, "ingress", probe, family, ingressSets, policies.ingress[c]!, ingressScratch, prefixes, pools.ingress);
      };
      if (step === 0) {
        for (let w = 0; w < egress.length; w++) egress[w] = egressWalk(w);
        for (let w = 0; w < ingress.length; w++) ingress[w] = ingressWalk(w);
        expanded.clear();
        // Classes by what their ingress admits (many walks end alike); classes not local admit
        // every block.
        const contents = new BitsIds();
        const classesByContent: number[][] = [];
        const contentWalk: Bits[] = [];
        const notLocal = pools.classes.takeEmpty();
        /** Per walk group, its content's number (-1: not yet hashed). */
        const contentOf = new Int32Array(ingress.length).fill(-1);
        for (let t = 0; t < n; t++) {
          const w = ingressWalks.groupOf[t]!;
          if (w < 0) {
            notLocal[t >>> 5]! |= 1 << (t & 31);
            continue;
          }
          let id = contentOf[w]!;
          if (id < 0) contentOf[w] = id = contents.id(ingress[w]!);
          if (id === classesByContent.length) {
            classesByContent.push([]);
            contentWalk.push(ingress[w]!);
          }
          classesByContent[id]!.push(t);
        }
        // A block's row is the classes of the distinct walks that admit it (and those not local):
        // blocks admitted by the same distinct walks have one number (the distinct walks' class
        // lists are disjoint, and none is empty).
        admitsIds.fill(0);
        const sizes = [admitsIds.length];
        const refiner = new PartitionRefiner(admitsIds, sizes);
        for (const walk of contentWalk) refiner.split(bitIndexesInto(walk, refiner.inside));
        nextAdmitsId = sizes.length;
        // One row per number (at its first block, `firstOf`), copied to the number's other blocks:
        // on L, 6,705 blocks have a few to a hundred numbers. Per distinct walk, each first block
        // it admits gets its classes: bit by bit, or word by word when they are many.
        const firstOf = new Int32Array(sizes.length).fill(-1);
        for (let b = 0; b < admits.length; b++) {
          if (firstOf[admitsIds[b]!]! >= 0) continue;
          firstOf[admitsIds[b]!] = b;
          admits[b]!.set(notLocal);
        }
        const set = pools.classes.take();
        classesByContent.forEach((list, id) => {
          const walk = contentWalk[id]!;
          const byWord = list.length > words;
          if (byWord) {
            set.fill(0);
            for (const t of list) set[t >>> 5]! |= 1 << (t & 31);
          }
          for (let i = 0; i < walk.length; i++) {
            let word = walk[i]!;
            while (word !== 0) {
              const low = word & -word;
              const b = (i << 5) + (31 - Math.clz32(low));
              word ^= low;
              if (firstOf[admitsIds[b]!] !== b) continue;
              const a = admits[b]!;
              if (byWord) for (let k = 0; k < words; k++) a[k]! |= set[k]!;
              else for (const t of list) a[t >>> 5]! |= 1 << (t & 31);
            }
          }
        });
        for (let b = 0; b < admits.length; b++) {
          const first = firstOf[admitsIds[b]!]!;
          if (first !== b) admits[b]!.set(admits[first]!);
        }
        yield { first: starts[step]!, rewalked: "all", flips: [], rowInto, egressOf, admitsOf, admits: admitted, admitsId };
        continue;
      }
      const rewalked = new Set<number>();
      for (const w of plans.egress.get(probe.dstPort!) ?? []) {
        // A walk whose rules do not tell the VXLAN port apart is at the port after it what it was
        // before it (workloads' VXLAN packets are dropped before any rule): kept, not walked again.
        const held = udp && !rulesCutAtVxlan[w] ? heldAtVxlan.get(w) : undefined;
        if (udp && probe.dstPort === vxlan && !rulesCutAtVxlan[w]) heldAtVxlan.set(w, egress[w]!);
        egress[w] = probe.dstPort === vxlan + 1 && held ? held : egressWalk(w);
        expanded.delete(w);
        for (const g of groupsByWalk.get(w) ?? []) rewalked.add(g);
      }
      // Per ingress walk done again: the walk its key had before if it comes back (`ingressSeen`),
      // and the blocks it flips (`flipWalk`).
      for (const w of plans.ingress.get(probe.dstPort!) ?? []) {
        const before = ingress[w]!;
        let seen = ingressSeen.get(w);
        if (!seen) {
          ingressKey(w, { protocol, srcPort, dstPort: starts[0]! });
          ingressSeen.set(w, (seen = [{ key: [...key], walk: before }]));
        }
        ingressKey(w, probe);
        // Plain loops, no closures: about 100,000 look-ups per sweep on L.
        let known: { readonly key: readonly number[]; readonly walk: Bits } | undefined;
        for (let j = 0; j < seen.length && !known; j++) {
          const k = seen[j]!.key;
          if (k.length !== key.length) continue;
          let i = 0;
          while (i < k.length && k[i] === key[i]) i++;
          if (i === k.length) known = seen[j];
        }
        if (known?.walk === before) continue;
        const after = known ? known.walk : ingressWalk(w);
        if (!known) seen.push({ key: [...key], walk: after });
        ingress[w] = after;
        flipWalk(w, before, after);
      }
      const flips = takeFlips();
      yield { first: probe.dstPort!, rewalked, flips, rowInto, egressOf, admitsOf, admits: admitted, admitsId };
    }
  }

  const noGroups: readonly number[] = [];
  return { groups, groupBlock, groupsOfBlock: (b) => groupsByBlock.get(b) ?? noGroups, sweep };
}
