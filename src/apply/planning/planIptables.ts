/**
 * The pure iptables + ipset planner: desired state and kernel state in, the ordered tool inputs
 * that bring the kernel to the desired state out, touching only what differs and only what we
 * own (Felix's table.go / ipsets.go scheme, see the dataplane reference §4-5).
 *
 * Per table and family, one `iptables-restore --noflush` transaction:
 * 1. `:chain - [0:0]` for chains to create and for our stale chains (flushing a stale chain first
 *    severs its jumps, so the deletes at the end cannot fail on a reference between them).
 * 2. Per changed chain, from the first rule whose hash differs: `-R chain N` in place, `-A` for
 *    extra rules, `-D chain N` for surplus ones. New chains get all their rules with `-A`.
 * 3. Hooks: when a kernel chain's `cali:` rules are not exactly our hooks in place (inserted ones
 *    on top in order, appended ones last in order, none elsewhere), every `cali:` rule in it is
 *    deleted by its full text (`-D`) and the hooks are written again (`-I chain 1..n`, `-A`).
 * 4. `-X` for our stale chains.
 * Sets: created and filled (or changed by `add`/`del` deltas) before the rules; when a set's
 * metadata changes, a temporary set is filled and `swap`ped in (the kernel only swaps sets of the
 * same features and family); stale sets and temporaries are destroyed after the rules.
 * Validation: with iptables-nft every table's transaction is run with `--test` before any is
 * committed (`validatesFirst`); with iptables-legacy it is not, see there.
 */
import { PROTOCOL_NUMBERS } from "../../calico/protocols.js";
import { assertNever } from "../../diagnostics/assertNever.js";
import type { ChainRules, DesiredIptablesState, DesiredTable, HookRules, IptablesMode, IptablesTools, KernelIptablesState, KernelTable, OwnedRule, SetState } from "../state/iptablesState.js";
import { IPTABLES_TABLES } from "../state/iptablesState.js";
import type { Plan, PlanStep, PlanSummary } from "./plan.js";
import { append, emptySummary, mergeSummaries } from "./plan.js";

function sameRule(a: OwnedRule, b: OwnedRule): boolean {
  return a.hash !== "" || b.hash !== "" ? a.hash === b.hash : a.spec === b.spec;
}

/** The spec of a rule about to be written; a rule known only by its hash cannot be. */
function writable(chain: string, rule: OwnedRule): string {
  if (rule.spec === "") throw new Error(`internal error: rule cali:${rule.hash} of ${chain} is known only by its hash and cannot be written`);
  return rule.spec;
}

/** Lines turning the kernel's rules of our chain `name` into the desired ones (none if equal). */
export function chainDiff(name: string, want: readonly OwnedRule[], have: readonly OwnedRule[]): string[] {
  let first = 0;
  while (first < want.length && first < have.length && sameRule(want[first] as OwnedRule, have[first] as OwnedRule)) first++;
  if (first === want.length && first === have.length) return [];
  const lines: string[] = [];
  for (let i = first; i < want.length; i++) {
    const rule = { ...(want[i] as OwnedRule), spec: writable(name, want[i] as OwnedRule) };
    lines.push(i < have.length ? `-R ${name} ${i + 1} ${rule.spec}` : `-A ${name} ${rule.spec}`);
  }
  for (let i = want.length; i < have.length; i++) lines.push(`-D ${name} ${want.length + 1}`);
  return lines;
}

/** Whether the kernel chain holds exactly our hooks, in place, and no other `cali:` rule. */
export function hooksInPlace(want: HookRules, have: readonly OwnedRule[]): boolean {
  const ours = have.filter((r) => r.hash !== "").length;
  if (ours !== want.insert.length + want.append.length) return false;
  const top = have.slice(0, want.insert.length);
  const bottom = have.slice(have.length - want.append.length);
  return want.insert.every((r, i) => top[i]?.hash === r.hash) && want.append.every((r, i) => bottom[i]?.hash === r.hash);
}

function hookLines(kernelChain: string, want: HookRules, have: readonly OwnedRule[]): string[] {
  if (hooksInPlace(want, have)) return [];
  return [
    ...have.filter((r) => r.hash !== "").map((r) => `-D ${kernelChain} ${writable(kernelChain, r)}`),
    ...want.insert.map((r, i) => `-I ${kernelChain} ${i + 1} ${writable(kernelChain, r)}`),
    ...want.append.map((r) => `-A ${kernelChain} ${writable(kernelChain, r)}`),
  ];
}

/** The restore input for one table (undefined when nothing differs) and what it changes. */
export function planTable(name: string, want: DesiredTable | undefined, have: KernelTable | undefined): { lines?: string[]; summary: PlanSummary } {
  const wantChains = want?.chains ?? [];
  // The same chains object on both sides (an agent's cache, after a change to another table):
  // no chain differs, so only the hooks are compared, not every chain of the table.
  const same = want !== undefined && have !== undefined && have.chains === want.chains;
  const haveChains = new Map((same ? [] : (have?.chains ?? [])).map((c) => [c.name, c] as const));
  const wantNames = new Set(same ? [] : wantChains.map((c) => c.name));
  const created = same ? [] : wantChains.filter((c) => !haveChains.has(c.name));
  const removed = [...haveChains.values()].filter((c) => !wantNames.has(c.name));
  const changed: string[] = [];
  const body: string[] = [];
  for (const chain of same ? [] : wantChains) {
    const existing = haveChains.get(chain.name);
    // The same rules object on both sides (an agent's cache): nothing to compare.
    if (existing?.rules === chain.rules) continue;
    const lines = existing === undefined ? chain.rules.map((r) => `-A ${chain.name} ${writable(chain.name, r)}`) : chainDiff(chain.name, chain.rules, existing.rules);
    if (existing !== undefined && lines.length > 0) changed.push(chain.name);
    append(body, lines);
  }
  const builtins = new Map((have?.builtins ?? []).map((c) => [c.name, c.rules] as const));
  const wantHooks = new Map((want?.hooks ?? []).map((h) => [h.kernelChain, h] as const));
  const hookChains = [...new Set([...wantHooks.keys(), ...[...builtins].filter(([, rules]) => rules.some((r) => r.hash !== "")).map(([k]) => k)])];
  const hooksChanged: string[] = [];
  for (const kernelChain of hookChains) {
    const lines = hookLines(kernelChain, wantHooks.get(kernelChain) ?? { kernelChain, insert: [], append: [] }, builtins.get(kernelChain) ?? []);
    if (lines.length > 0) hooksChanged.push(`${name}/${kernelChain}`);
    append(body, lines);
  }
  const summary: PlanSummary = {
    ...emptySummary,
    chainsCreated: created.map((c) => `${name}/${c.name}`),
    chainsChanged: changed.map((c) => `${name}/${c}`),
    chainsRemoved: removed.map((c) => `${name}/${c.name}`),
    hooksChanged,
  };
  if (created.length + removed.length + body.length === 0) return { summary };
  const declare = [...created, ...removed].map((c: ChainRules) => `:${c.name} - [0:0]`);
  return { lines: [`*${name}`, ...declare, ...body, ...removed.map((c) => `-X ${c.name}`), "COMMIT"], summary };
}

/** Type features as the kernel compares them for `swap`: hash:net and hash:ip both match addresses. */
function features(type: string): string {
  return (type.split(":")[1] ?? "")
    .split(",")
    .map((f) => (f === "net" ? "ip" : f))
    .join(",");
}

function createLine(set: SetState, name = set.name): string {
  return `create ${name} ${set.type} family ${set.family} maxelem ${set.maxelem}`;
}

/** Lower-case protocol names (as set members and `ipset save` write them) to their numbers. */
const PROTOCOL_BY_NAME: ReadonlyMap<string, number> = new Map(Object.entries(PROTOCOL_NUMBERS).map(([name, n]) => [name.toLowerCase(), n] as const));

/**
 * A member as `ipset restore` reads it: an address,port member with its protocol by number
 * (`10.0.0.1,6:80` for `10.0.0.1,tcp:80`), anything else as it is. ipset looks a protocol name
 * up in the protocols database (getprotobyname, which reads /etc/protocols) for every member
 * it parses; on a fresh node of shape L its 625,000 named-port members took 10.7 s of CPU by
 * name against 2.8 s by number, most of the whole ipset step. The kernel holds the same
 * element either way, and `ipset save` prints the name back, so the state read and compared
 * (ipsetState.ts) is written as before. Only the tool's input changes.
 */
export function restoreMember(member: string): string {
  const comma = member.indexOf(",");
  if (comma < 0) return member;
  const colon = member.indexOf(":", comma);
  if (colon < 0) return member;
  const n = PROTOCOL_BY_NAME.get(member.slice(comma + 1, colon));
  return n === undefined ? member : `${member.slice(0, comma + 1)}${n}${member.slice(colon)}`;
}

/** `,name:` of an address,port member (within one line), for `restoreMember` over a whole text. */
const NAMED_PROTOCOL = /,([^:\n]*):/g;
const NUMBERED: ReadonlyMap<string, string> = new Map([...PROTOCOL_BY_NAME].map(([name, n]) => [name, `,${n}:`] as const));

/**
 * `verb set member` lines as one chunk of text (lines joined by newlines, none at the end; no
 * chunk for no members), members as `restoreMember` writes them for set types with a port part.
 * One string per set rather than one per member: on a fresh node of shape L the million line
 * strings, and joining them, took seconds of the first apply.
 */
function memberLines(verb: "add" | "del", set: string, type: string, members: readonly string[]): string[] {
  if (members.length === 0) return [];
  const prefix = `${verb} ${set} `;
  const text = prefix + members.join(`\n${prefix}`);
  return [type.includes("port") ? numberedProtocols(text) : text];
}

/**
 * `restoreMember` over every line of `text`. The IR's protocols (tcp, udp, sctp; ir/types.ts
 * `IpSet`) are replaced as plain text, which needs no call per member; anything else still named
 * after that (never from our compiler) goes through the general pattern.
 */
function numberedProtocols(text: string): string {
  let out = text;
  // split and join rather than replaceAll: the same text, in about 0.3 s of CPU against 0.4 s
  // for shape L's 625,000 `addr,tcp:port` members (4 runs each, alternating).
  for (const name of ["tcp", "udp", "sctp"]) out = out.split(`,${name}:`).join(NUMBERED.get(name)!);
  return OTHER_NAME.test(out) ? out.replace(NAMED_PROTOCOL, (named, name: string) => NUMBERED.get(name) ?? named) : out;
}

/** A protocol after a member's comma that is not a number. */
const OTHER_NAME = /,[^\d\n:]/;

export interface SetPlan {
  /** Lines before the rules; the members of one set and verb come as one chunk of several lines (`memberLines`). */
  readonly before: string[];
  /**
   * Where each set's lines start in `before` and how many member lines they hold, in order: the
   * places `before` can be cut (no set's lines refer to another's, see `setSteps`).
   */
  readonly blocks: readonly { readonly start: number; readonly members: number }[];
  readonly after: string[];
  readonly summary: PlanSummary;
  readonly refusals: string[];
}

/**
 * Members of `have` not in `want` (in `have`'s order) and of `want` not in `have` (in `want`'s
 * order). Hashes `have` only (`want` is only looked up): when every member of `have` turns up in
 * `want` (a set that grew or did not change), nothing is filtered. On a node
 * with a million members this is the planner's hottest loop.
 */
export function memberDelta(want: readonly string[], have: readonly string[]): { dels: string[]; adds: string[] } {
  const index = new Map<string, number>();
  for (let i = 0; i < have.length; i++) index.set(have[i] as string, i);
  const seen = new Uint8Array(have.length);
  let hits = 0;
  const adds: string[] = [];
  for (const m of want) {
    const i = index.get(m);
    if (i === undefined) adds.push(m);
    else if (seen[i] === 0) {
      seen[i] = 1;
      hits++;
    }
  }
  if (hits === index.size) return { dels: [], adds };
  return { dels: have.filter((m) => seen[index.get(m) as number] === 0), adds };
}

/** ipset inputs: creates and deltas before the rules, destroys after. */
export function planSets(want: readonly SetState[], have: readonly SetState[]): SetPlan {
  const haveByName = new Map(have.map((s) => [s.name, s] as const));
  const wantNames = new Set(want.map((s) => s.name));
  const usedTemps = new Set(have.map((s) => s.name));
  const before: string[] = [];
  const blocks: { start: number; members: number }[] = [];
  const after: string[] = [];
  const refusals: string[] = [];
  const created: string[] = [];
  const changed: string[] = [];
  const tempName = (family: string): string => {
    const digit = family === "inet6" ? 6 : 4;
    let n = 0;
    while (usedTemps.has(`cali${digit}t${n}`)) n++;
    usedTemps.add(`cali${digit}t${n}`);
    return `cali${digit}t${n}`;
  };
  for (const set of want) {
    const old = haveByName.get(set.name);
    // The same object on both sides (an agent's cache): nothing to compare.
    if (old === set) continue;
    if (set.opaque === true || old?.opaque === true) {
      // Known from the ledger to be unchanged on both sides; anything else is a broken invariant.
      const same = old !== undefined && set.opaque === true && old.opaque === true && createLine(set) === createLine(old);
      if (!same) throw new Error(`internal error: set ${set.name} is known only by its digest on one side of the plan`);
      continue;
    }
    const start = before.length;
    let members = 0;
    if (old === undefined) {
      members = set.members.length;
      created.push(set.name);
      before.push(createLine(set));
      append(before, memberLines("add", set.name, set.type, set.members));
    } else if (old.type === set.type && old.family === set.family && old.maxelem === set.maxelem) {
      const { dels: gone, adds: added } = memberDelta(set.members, old.members);
      // In text order: `old` lists members as its source does (ipset save, the ledger, the last
      // build), and the plan must not depend on which one it came from.
      const dels = memberLines("del", set.name, set.type, [...gone].sort());
      const adds = memberLines("add", set.name, set.type, added);
      if (dels.length + adds.length > 0) changed.push(set.name);
      members = gone.length + added.length;
      append(before, dels);
      append(before, adds);
    } else if (features(old.type) === features(set.type) && old.family === set.family) {
      const temp = tempName(set.family);
      members = set.members.length;
      changed.push(set.name);
      before.push(createLine(set, temp));
      append(before, memberLines("add", temp, set.type, set.members));
      before.push(`swap ${set.name} ${temp}`);
      after.push(`destroy ${temp}`);
    } else {
      refusals.push(`set ${set.name} exists as ${old.type} family ${old.family}; it must be ${set.type} family ${set.family}, which ipset cannot swap in while rules use it`);
    }
    if (before.length > start) blocks.push({ start, members });
  }
  const removed = have.filter((s) => !wantNames.has(s.name)).map((s) => s.name);
  append(after, removed.map((name) => `destroy ${name}`));
  return { before, blocks, after, refusals, summary: { ...emptySummary, setsCreated: created, setsChanged: changed, setsRemoved: removed } };
}

/**
 * Member lines from which the ipset input is split in two. One `ipset restore` parses about
 * 200,000 members per second of CPU on this project's 2-core bench machine, and its kernel side
 * is only part of that; two processes, each with half of the sets, filled shape L's first apply
 * (1.03 million members in 96 sets, 55 MB) in 3.8 s against 6.6-6.8 s for one (both run at
 * real-time priority on a loaded machine, two runs each). Below this, a second process is not
 * worth its start.
 */
export const SPLIT_SET_MEMBERS = 100_000;

/**
 * The `sets` steps: one `ipset restore` of `sets.before`, or, from SPLIT_SET_MEMBERS member lines
 * on, two, cut at the set boundary nearest to half of the member lines, which execution runs at
 * once (execution/execute.ts). A set's lines (its create, its member changes, the temporary set
 * filled and swapped in for it) name only that set and its own temporary, so either part can be
 * run before, after or beside the other; the two inputs joined are the one input byte for byte.
 */
export function setSteps(sets: SetPlan, ipset: string, splitFrom = SPLIT_SET_MEMBERS): PlanStep[] {
  if (sets.before.length === 0) return [];
  const step = (label: string, lines: readonly string[]): PlanStep => ({ phase: "sets", label, argv: [ipset, "restore"], stdin: batch(lines) });
  const total = sets.blocks.reduce((n, b) => n + b.members, 0);
  if (total < splitFrom) return [step("ipset", sets.before)];
  let cut = 0;
  let best = total;
  let below = 0;
  for (const block of sets.blocks) {
    const off = Math.abs(total - 2 * below);
    if (off < best) [cut, best] = [block.start, off];
    below += block.members;
  }
  if (cut === 0) return [step("ipset", sets.before)];
  return [step("ipset 1/2", sets.before.slice(0, cut)), step("ipset 2/2", sets.before.slice(cut))];
}

function batch(lines: readonly string[]): string {
  return `${lines.join("\n")}\n`;
}

/**
 * Whether the plan runs each table's input with `--test` before committing any. With
 * iptables-nft a test reads from the kernel only the chains the input names (0.2 s on shape L,
 * against 0.5 s for the commit), and it keeps one family from being committed while the other's
 * input is rejected. With iptables-legacy, libiptc reads, parses and, on commit, replaces the
 * whole table in every run (on shape L 2.0 s to test, 3.0 s to commit one changed chain), so a
 * test costs two thirds of a commit and tells no more than the commit: legacy commits go
 * straight in, each table atomically, and a failure is rolled back (execution/execute.ts) to the
 * state read at the start, as with a failure after the tests. (Felix never tests first.)
 */
export function validatesFirst(mode: IptablesMode): boolean {
  switch (mode) {
    case "nft":
      return true;
    case "legacy":
      return false;
    default:
      return assertNever(mode, "iptables mode");
  }
}

/**
 * The whole plan: ipset step, then one restore step per (family, table) that differs, v4
 * first, tables in the order filter, raw, mangle, nat, then the ipset cleanup step. Pure.
 */
export function planIptables(want: DesiredIptablesState, have: KernelIptablesState, tools: IptablesTools): Plan {
  const sets = planSets(want.sets, have.sets);
  const steps: PlanStep[] = [];
  const summaries: PlanSummary[] = [sets.summary];
  append(steps, setSteps(sets, tools.ipset));
  for (const family of [4, 6] as const) {
    const wantTables = family === 4 ? want.v4 : want.v6;
    const haveTables = family === 4 ? have.v4 : have.v6;
    const restore = family === 4 ? tools.restore4 : tools.restore6;
    const names = [...new Set([...IPTABLES_TABLES, ...wantTables.map((t) => t.name), ...haveTables.map((t) => t.name)])];
    for (const name of names) {
      const table = planTable(name, wantTables.find((t) => t.name === name), haveTables.find((t) => t.name === name));
      summaries.push(family === 4 ? table.summary : prefixed(table.summary, "v6:"));
      if (table.lines === undefined) continue;
      const wait = ["-w", String(tools.waitSeconds)];
      steps.push({
        phase: "rules",
        label: `${family === 4 ? "iptables" : "ip6tables"} ${name}`,
        argv: [restore, "--noflush", ...wait],
        ...(validatesFirst(tools.mode) ? { checkArgv: [restore, "--test", "--noflush", ...wait] } : {}),
        stdin: batch(table.lines),
      });
    }
  }
  if (sets.after.length > 0) steps.push({ phase: "cleanup", label: "ipset", argv: [tools.ipset, "restore"], stdin: batch(sets.after) });
  return { backend: "iptables", mode: tools.mode, steps, summary: mergeSummaries(summaries), refusals: sets.refusals };
}

function prefixed(summary: PlanSummary, prefix: string): PlanSummary {
  return Object.fromEntries(Object.entries(summary).map(([k, v]) => [k, (v as string[]).map((x) => prefix + x)])) as unknown as PlanSummary;
}
