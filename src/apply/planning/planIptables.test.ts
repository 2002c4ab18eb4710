import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ruleHashes } from "../../backends/iptables/ruleHash.js";
import type { ChainRules, DesiredIptablesState, DesiredTable, HookRules, KernelIptablesState, KernelTable, OwnedRule, SetState } from "../state/iptablesState.js";
import { isOwnedChain, parseIptablesSave } from "../state/iptablesState.js";
import type { IptablesTools } from "../state/iptablesState.js";
import { chainDiff, hooksInPlace, memberDelta, planIptables, planSets, planTable, restoreMember, setSteps, SPLIT_SET_MEMBERS } from "./planIptables.js";

const tools: IptablesTools = { mode: "nft", restore4: "iptables-nft-restore", restore6: "ip6tables-nft-restore", ipset: "ipset", waitSeconds: 10 };

/** Our rules as the backend writes them: a `cali:` hash chained over the rule texts. */
function rules(chain: string, bodies: readonly string[]): OwnedRule[] {
  const hashes = ruleHashes(chain, bodies.map((b) => `-A ${chain} HASH ${b}`));
  return bodies.map((b, i) => ({ spec: `-m comment --comment "cali:${hashes[i]}" ${b}`, hash: hashes[i] ?? "" }));
}

/** A tiny iptables-restore --noflush for one table: enough of the language the planner writes. */
function simulate(before: string, input: string): string {
  const order: string[] = [];
  const chains = new Map<string, { policy: string; rules: string[] }>();
  for (const line of before.split("\n")) {
    const decl = /^:(\S+) (\S+)/.exec(line);
    if (decl) {
      order.push(decl[1] as string);
      chains.set(decl[1] as string, { policy: decl[2] as string, rules: [] });
    }
    const add = /^-A (\S+) (.*)$/.exec(line);
    if (add) chains.get(add[1] as string)?.rules.push(add[2] as string);
  }
  const get = (name: string) => {
    const c = chains.get(name);
    if (c === undefined) throw new Error(`no chain ${name}`);
    return c;
  };
  for (const line of input.split("\n")) {
    let m: RegExpExecArray | null;
    if ((m = /^:(\S+) - \[0:0\]$/.exec(line))) {
      if (!chains.has(m[1] as string)) order.push(m[1] as string);
      chains.set(m[1] as string, { policy: "-", rules: [] });
    } else if ((m = /^-A (\S+) (.*)$/.exec(line))) get(m[1] as string).rules.push(m[2] as string);
    else if ((m = /^-I (\S+) (\d+) (.*)$/.exec(line))) get(m[1] as string).rules.splice(Number(m[2]) - 1, 0, m[3] as string);
    else if ((m = /^-R (\S+) (\d+) (.*)$/.exec(line))) {
      const c = get(m[1] as string);
      if (Number(m[2]) > c.rules.length) throw new Error(`-R out of range: ${line}`);
      c.rules[Number(m[2]) - 1] = m[3] as string;
    } else if ((m = /^-D (\S+) (\d+)$/.exec(line))) {
      const c = get(m[1] as string);
      if (Number(m[2]) > c.rules.length) throw new Error(`-D out of range: ${line}`);
      c.rules.splice(Number(m[2]) - 1, 1);
    } else if ((m = /^-D (\S+) (.*)$/.exec(line))) {
      const c = get(m[1] as string);
      const i = c.rules.indexOf(m[2] as string);
      if (i < 0) throw new Error(`-D: no such rule: ${line}`);
      c.rules.splice(i, 1);
    } else if ((m = /^-X (\S+)$/.exec(line))) {
      if (get(m[1] as string).rules.length > 0) throw new Error(`-X of a non-empty chain: ${line}`);
      for (const [, c] of chains) if (c.rules.some((r) => r.endsWith(` ${m?.[1]}`))) throw new Error(`-X of a referenced chain: ${line}`);
      chains.delete(m[1] as string);
      order.splice(order.indexOf(m[1] as string), 1);
    }
  }
  const lines = ["*filter", ...order.map((n) => `:${n} ${get(n).policy} [0:0]`), ...order.flatMap((n) => get(n).rules.map((r) => `-A ${n} ${r}`)), "COMMIT"];
  return `${lines.join("\n")}\n`;
}

function kernel(text: string): KernelTable {
  const [t] = parseIptablesSave(text);
  if (t === undefined) throw new Error("no table");
  return t;
}

const FOREIGN = `*filter
:INPUT ACCEPT [0:0]
:FORWARD ACCEPT [0:0]
:OUTPUT ACCEPT [0:0]
:DOCKER - [0:0]
:KUBE-FIREWALL - [0:0]
-A INPUT -j KUBE-FIREWALL
-A INPUT -s 1.2.3.4/32 -j DROP
-A FORWARD -j DOCKER
-A DOCKER -d 172.17.0.2/32 -p tcp -m tcp --dport 80 -j ACCEPT
-A KUBE-FIREWALL -m mark --mark 0x8000/0x8000 -j DROP
COMMIT
`;

function foreignPart(text: string): string {
  return text
    .split("\n")
    .filter((l) => !/cali:/.test(l) && !/^(:|-A )cali-/.test(l))
    .join("\n");
}

describe("chainDiff", () => {
  const a = rules("cali-x", ["-j ACCEPT", "-j DROP", "-j RETURN"]);
  it("writes nothing for equal chains", () => expect(chainDiff("cali-x", a, a)).toEqual([]));
  it("replaces from the first differing rule, appends the rest", () => {
    const b = rules("cali-x", ["-j ACCEPT", "-s 10.0.0.1/32 -j DROP", "-j RETURN", "-j DROP"]);
    expect(chainDiff("cali-x", b, a)).toEqual([`-R cali-x 2 ${b[1]?.spec}`, `-R cali-x 3 ${b[2]?.spec}`, `-A cali-x ${b[3]?.spec}`]);
  });
  it("deletes surplus rules from the end position", () => {
    const b = rules("cali-x", ["-j ACCEPT"]);
    expect(chainDiff("cali-x", b, a)).toEqual(["-D cali-x 2", "-D cali-x 2"]);
  });
});

describe("hooksInPlace", () => {
  const hook = rules("INPUT", ["-j cali-INPUT"]);
  const want: HookRules = { kernelChain: "INPUT", insert: hook, append: [] };
  const foreign: OwnedRule = { spec: "-s 1.2.3.4/32 -j DROP", hash: "" };
  it("accepts our hook on top", () => expect(hooksInPlace(want, [...hook, foreign])).toBe(true));
  it("rejects it below a foreign rule, twice, or missing", () => {
    expect(hooksInPlace(want, [foreign, ...hook])).toBe(false);
    expect(hooksInPlace(want, [...hook, ...hook])).toBe(false);
    expect(hooksInPlace(want, [foreign])).toBe(false);
  });
});

describe("planTable", () => {
  const desired: DesiredTable = {
    name: "filter",
    chains: [{ name: "cali-INPUT", rules: rules("cali-INPUT", ["-j cali-pi-a"]) }, { name: "cali-pi-a", rules: rules("cali-pi-a", ["-j ACCEPT"]) }],
    hooks: [{ kernelChain: "INPUT", insert: rules("INPUT", ["-j cali-INPUT"]), append: [] }],
  };
  it("on a node with foreign rules only: declares our chains, inserts the hook on top, touches nothing else", () => {
    const { lines, summary } = planTable("filter", desired, kernel(FOREIGN));
    expect(lines).toEqual([
      "*filter",
      ":cali-INPUT - [0:0]",
      ":cali-pi-a - [0:0]",
      `-A cali-INPUT ${desired.chains[0]?.rules[0]?.spec}`,
      `-A cali-pi-a ${desired.chains[1]?.rules[0]?.spec}`,
      `-I INPUT 1 ${desired.hooks[0]?.insert[0]?.spec}`,
      "COMMIT",
    ]);
    expect(summary.chainsCreated).toEqual(["filter/cali-INPUT", "filter/cali-pi-a"]);
    expect(summary.hooksChanged).toEqual(["filter/INPUT"]);
  });
  it("writes nothing the second time", () => {
    const after = simulate(FOREIGN, (planTable("filter", desired, kernel(FOREIGN)).lines ?? []).join("\n"));
    expect(planTable("filter", desired, kernel(after)).lines).toBeUndefined();
  });
  it("removes our stale chains and hooks (flush first, delete last) and nothing foreign", () => {
    const after = simulate(FOREIGN, (planTable("filter", desired, kernel(FOREIGN)).lines ?? []).join("\n"));
    const { lines } = planTable("filter", undefined, kernel(after));
    expect(lines?.[1]).toBe(":cali-INPUT - [0:0]");
    expect(lines?.slice(-3)).toEqual(["-X cali-INPUT", "-X cali-pi-a", "COMMIT"]);
    expect(simulate(after, (lines ?? []).join("\n"))).toBe(simulate(FOREIGN, ""));
  });
  it("moves a hook that was pushed below a foreign rule back to the top, deleting it by its text", () => {
    const after = simulate(FOREIGN, (planTable("filter", desired, kernel(FOREIGN)).lines ?? []).join("\n"));
    const pushed = after.replace(/^(-A INPUT -m comment.*)\n(-A INPUT -j KUBE-FIREWALL)$/m, "$2\n$1");
    expect(pushed).not.toBe(after);
    const { lines } = planTable("filter", desired, kernel(pushed));
    expect(lines?.filter((l) => l.startsWith("-D INPUT") || l.startsWith("-I INPUT"))).toHaveLength(2);
    expect(simulate(pushed, (lines ?? []).join("\n"))).toBe(after);
  });
  it("with the very chains object on both sides (an agent's cache), plans the hooks alone, as a full comparison does", () => {
    const after = kernel(simulate(FOREIGN, (planTable("filter", desired, kernel(FOREIGN)).lines ?? []).join("\n")));
    const cached: KernelTable = { ...after, chains: desired.chains };
    expect(planTable("filter", desired, cached).lines).toBeUndefined();
    const moved: DesiredTable = { ...desired, hooks: [{ kernelChain: "INPUT", insert: [], append: rules("INPUT", ["-j cali-INPUT"]) }] };
    const { lines, summary } = planTable("filter", moved, cached);
    expect(lines).toEqual(planTable("filter", moved, after).lines);
    expect(lines?.some((l) => l.startsWith("-A INPUT"))).toBe(true);
    expect(summary).toEqual(planTable("filter", moved, after).summary);
  });
});

describe("planSets", () => {
  /** The plan's chunks as lines (a set's members come as one chunk). */
  const lines = (chunks: readonly string[]): string[] => chunks.flatMap((c) => c.split("\n"));
  const set = (name: string, members: string[], type = "hash:net", maxelem = 1048576): SetState => ({ name, type, family: "inet", maxelem, members });
  it("creates and fills new sets, deltas for changed ones, destroys stale ones afterwards", () => {
    const plan = planSets([set("cali40s:a", ["10.0.0.1"]), set("cali40s:b", ["10.0.0.2", "10.0.0.3"])], [set("cali40s:b", ["10.0.0.3", "10.0.0.4"]), set("cali40s:old", [])]);
    expect(lines(plan.before)).toEqual(["create cali40s:a hash:net family inet maxelem 1048576", "add cali40s:a 10.0.0.1", "del cali40s:b 10.0.0.4", "add cali40s:b 10.0.0.2"]);
    expect(plan.after).toEqual(["destroy cali40s:old"]);
    expect(plan.summary.setsChanged).toEqual(["cali40s:b"]);
  });
  it("handles sets far larger than the call stack allows for spread arguments", () => {
    const members = Array.from({ length: 300_000 }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    const plan = planSets([set("cali40s:big", members)], []);
    expect(lines(plan.before)).toHaveLength(300_001);
    expect(plan.before).toHaveLength(2);
    expect(lines(planSets([set("cali40s:big", members)], [set("cali40s:big", members.slice(1))]).before)).toEqual([`add cali40s:big ${members[0]}`]);
  });
  it("swaps in a temporary set when metadata changes compatibly, and refuses an incompatible change", () => {
    const swap = planSets([set("cali40s:a", ["10.0.0.1"])], [set("cali40s:a", ["10.0.0.1"], "hash:net", 65536), set("cali4t0", [])]);
    expect(lines(swap.before)).toEqual(["create cali4t1 hash:net family inet maxelem 1048576", "add cali4t1 10.0.0.1", "swap cali40s:a cali4t1"]);
    expect(swap.after).toEqual(["destroy cali4t1", "destroy cali4t0"]);
    const refuse = planSets([set("cali40s:a", [])], [set("cali40s:a", [], "hash:ip,port")]);
    expect(refuse.refusals).toHaveLength(1);
  });
  it("writes the protocol of address,port members by number (ipset reads a name from /etc/protocols per member)", () => {
    const ports = (name: string, members: string[]): SetState => set(name, members, "hash:ip,port");
    const plan = planSets([ports("cali40n:a", ["10.0.0.1,tcp:80", "10.0.0.2,udp:53"]), ports("cali40n:b", ["10.0.0.3,sctp:9"])], [ports("cali40n:b", ["10.0.0.4,tcp:80"])]);
    expect(lines(plan.before)).toEqual(["create cali40n:a hash:ip,port family inet maxelem 1048576", "add cali40n:a 10.0.0.1,6:80", "add cali40n:a 10.0.0.2,17:53", "del cali40n:b 10.0.0.4,6:80", "add cali40n:b 10.0.0.3,132:9"]);
    // Compared by name, as `ipset save` prints them: an unchanged set plans nothing.
    expect(planSets([ports("cali40n:b", ["10.0.0.4,tcp:80"])], [ports("cali40n:b", ["10.0.0.4,tcp:80"])]).before).toEqual([]);
  });
});

describe("the ipset fill (setSteps)", () => {
  const v4 = (i: number): string => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const set = (name: string, count: number, from = 0): SetState => ({ name, type: "hash:net", family: "inet", maxelem: 1048576, members: Array.from({ length: count }, (_, i) => v4(from + i)) });
  const none: KernelIptablesState = { v4: [], v6: [], sets: [] };
  const want = (sets: SetState[]): DesiredIptablesState => ({ v4: [], v6: [], sets });
  const adds = (text: string): number => text.split("\n").filter((l) => l.startsWith("add ")).length;

  it("is one step below SPLIT_SET_MEMBERS member lines, two from there on", () => {
    const fills = (sets: SetState[]): string[] => planIptables(want(sets), none, tools).steps.flatMap((s) => (s.phase === "sets" ? [s.label] : []));
    expect(fills([set("cali40s:a", SPLIT_SET_MEMBERS / 2), set("cali40s:b", SPLIT_SET_MEMBERS / 2 - 1, 1 << 20)])).toEqual(["ipset"]);
    expect(fills([set("cali40s:a", SPLIT_SET_MEMBERS / 2), set("cali40s:b", SPLIT_SET_MEMBERS / 2, 1 << 20)])).toEqual(["ipset 1/2", "ipset 2/2"]);
  });

  it("cuts between sets, nearest to half of the member lines, and the parts joined are the one input", () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 40 }), { minLength: 1, maxLength: 10 }), fc.nat({ max: 4 }), fc.nat({ max: 200 }), (sizes, kept, splitFrom) => {
        const sets = sizes.map((n, i) => set(`cali40s:s${i}`, n, i * 256));
        // Some sets already in the kernel with part of their members: their lines are deltas.
        const have = sets.slice(0, kept).map((s) => ({ ...s, members: s.members.slice(0, s.members.length >> 1) }));
        const plan = planSets(sets, have);
        const steps = setSteps(plan, "ipset", splitFrom);
        const one = setSteps(plan, "ipset", Number.MAX_SAFE_INTEGER);
        expect(steps.map((s) => s.stdin).join("")).toBe(one.map((s) => s.stdin).join(""));
        const lines = one.length === 0 ? 0 : adds(one[0]!.stdin);
        const filled = plan.before.filter((c) => c.startsWith("add ")).map((c) => c.split("\n").length);
        if (lines < splitFrom || filled.length < 2) {
          // Few members, or all in one set: one step (none when nothing changes).
          expect(steps.map((s) => s.label)).toEqual(plan.before.length === 0 ? [] : ["ipset"]);
          return;
        }
        expect(steps.map((s) => s.label)).toEqual(["ipset 1/2", "ipset 2/2"]);
        expect(steps.every((s) => s.phase === "sets" && s.argv.join(" ") === "ipset restore")).toBe(true);
        // No set is named in both parts.
        const named = (text: string): Set<string> => new Set(text.split("\n").flatMap((l) => (l === "" ? [] : [l.split(" ")[1]!])));
        const [a, b] = steps.map((s) => named(s.stdin));
        expect([...a!].filter((n) => b!.has(n))).toEqual([]);
        // Half of the member lines is no nearer at any other set boundary.
        let below = 0;
        let best = lines;
        for (const n of filled) {
          below += n;
          best = Math.min(best, Math.abs(lines - 2 * below));
        }
        expect(Math.abs(lines - 2 * adds(steps[0]!.stdin))).toBe(best);
      }),
    );
  });
});

describe("restoreMember", () => {
  it("gives a set's members, as chunks, the lines restoreMember gives them one by one", () => {
    const member = fc.tuple(fc.constantFrom("10.0.0.1", "fd00::1", "10.0.0.0/24"), fc.option(fc.tuple(fc.constantFrom("tcp", "udp", "sctp", "udplite", "6", "bogus", ""), fc.constantFrom(":80", "", ":1-2")), { nil: undefined }));
    fc.assert(
      fc.property(fc.uniqueArray(member.map(([a, p]) => (p === undefined ? a : `${a},${p[0]}${p[1]}`)), { maxLength: 20 }), (members) => {
        const chunks = planSets([{ name: "cali40n:a", type: "hash:ip,port", family: "inet", maxelem: 1, members }], []).before;
        expect(chunks.slice(1).flatMap((c) => c.split("\n"))).toEqual(members.map((m) => `add cali40n:a ${restoreMember(m)}`));
      }),
    );
  });
  it.each([
    ["10.0.0.1,tcp:80", "10.0.0.1,6:80"],
    ["fd00::1,udp:53", "fd00::1,17:53"],
    ["10.0.0.1,udplite:7", "10.0.0.1,136:7"],
    ["10.0.0.1,sctp:9", "10.0.0.1,132:9"],
    ["10.0.0.0/24", "10.0.0.0/24"],
    ["fd00::/64", "fd00::/64"],
    ["10.0.0.1,6:80", "10.0.0.1,6:80"],
  ])("%s is written %s", (member, written) => expect(restoreMember(member)).toBe(written));
});

describe("planIptables", () => {
  it("orders sets, then each table (checked with --test), then set destroys; nothing when equal", () => {
    const want = { v4: [{ name: "filter", chains: [{ name: "cali-x", rules: rules("cali-x", ["-j ACCEPT"]) }], hooks: [] }], v6: [], sets: [{ name: "cali40s:a", type: "hash:net", family: "inet" as const, maxelem: 1048576, members: [] }] };
    const have = { v4: [kernel(FOREIGN)], v6: [kernel(FOREIGN)], sets: [{ name: "cali40s:old", type: "hash:net", family: "inet" as const, maxelem: 1, members: [] }] };
    const plan = planIptables(want, have, tools);
    expect(plan.steps.map((s) => [s.phase, s.label, s.argv.join(" "), s.checkArgv?.join(" ")])).toEqual([
      ["sets", "ipset", "ipset restore", undefined],
      ["rules", "iptables filter", "iptables-nft-restore --noflush -w 10", "iptables-nft-restore --test --noflush -w 10"],
      ["cleanup", "ipset", "ipset restore", undefined],
    ]);
    const same = planIptables(want, { v4: [kernel(simulate(FOREIGN, plan.steps[1]?.stdin ?? ""))], v6: [kernel(FOREIGN)], sets: want.sets }, tools);
    expect(same.steps).toEqual([]);
    // iptables-legacy commits without testing first (each test would read the whole table).
    const legacy = planIptables(want, have, { ...tools, mode: "legacy", restore4: "iptables-legacy-restore", restore6: "ip6tables-legacy-restore" });
    expect(legacy.steps.map((s) => [s.argv.join(" "), s.checkArgv])).toEqual([
      ["ipset restore", undefined],
      ["iptables-legacy-restore --noflush -w 10", undefined],
      ["ipset restore", undefined],
    ]);
  });

  it("property: from any of our states to any other, touches only ours, reaches the target, and is then idempotent", () => {
    const chainName = fc.constantFrom("cali-a", "cali-b", "cali-c", "cali-pi-d", "cali-po-e");
    const body = fc.constantFrom("-j ACCEPT", "-j DROP", "-s 10.0.0.1/32 -j RETURN", "-p tcp -j ACCEPT", "-m mark --mark 0x10000/0x10000 -j RETURN");
    const tableArb = fc
      .record({
        chains: fc.uniqueArray(fc.record({ name: chainName, bodies: fc.array(body, { maxLength: 5 }) }), { selector: (c) => c.name, maxLength: 4 }),
        hooks: fc.subarray(["INPUT", "FORWARD", "OUTPUT"]),
        append: fc.boolean(),
      })
      .map(({ chains, hooks, append }): DesiredTable => {
        const ours: ChainRules[] = chains.map((c) => ({ name: c.name, rules: rules(c.name, c.bodies) }));
        const target = ours[0]?.name;
        return {
          name: "filter",
          chains: ours,
          hooks: target === undefined ? [] : hooks.map((k) => ({ kernelChain: k, insert: append ? [] : rules(k, [`-j ${target}`]), append: append ? rules(k, [`-j ${target}`]) : [] })),
        };
      });
    fc.assert(
      fc.property(tableArb, tableArb, (a, b) => {
        const first = planTable("filter", a, kernel(FOREIGN)).lines ?? [];
        const stateA = simulate(FOREIGN, first.join("\n"));
        const second = planTable("filter", b, kernel(stateA)).lines ?? [];
        const stateB = simulate(stateA, second.join("\n"));
        expect(foreignPart(stateB)).toBe(foreignPart(FOREIGN));
        const reached = kernel(stateB);
        expect(reached.chains.filter((c) => isOwnedChain(c.name))).toEqual(b.chains.map((c) => ({ name: c.name, rules: c.rules })).sort((x, y) => stateB.indexOf(`:${x.name} `) - stateB.indexOf(`:${y.name} `)));
        expect(planTable("filter", b, reached).lines).toBeUndefined();
        // Kernel-chain hooks: exactly ours, inserted ones first.
        for (const hook of b.hooks) expect(hooksInPlace(hook, reached.builtins.find((c) => c.name === hook.kernelChain)?.rules ?? [])).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe("memberDelta", () => {
  it("agrees with the plain two-Set difference, duplicates and order included", () => {
    const member = fc.constantFrom("a", "b", "c", "d", "e", "f");
    fc.assert(
      fc.property(fc.array(member), fc.array(member), (want, have) => {
        const wantSet = new Set(want);
        const haveSet = new Set(have);
        expect(memberDelta(want, have)).toEqual({ dels: have.filter((m) => !wantSet.has(m)), adds: want.filter((m) => !haveSet.has(m)) });
      }),
      { numRuns: 500 },
    );
  });

  it("finds nothing to delete when the set only grew", () => {
    expect(memberDelta(["x", "y", "z"], ["z", "x"])).toEqual({ dels: [], adds: ["y"] });
  });
});
