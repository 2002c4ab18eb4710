/**
 * A hand-built, realistic IR in Felix's shape (hooks, top-level chains, workload dispatch,
 * endpoint chains with tiers and profiles, policy chains, selector and named-port sets, v4 and
 * v6), used to load the iptables backend's output into a real kernel. It exercises a chain name
 * over 28 characters, negations (protocol, address, several port lists, sets, ICMP, mark), ICMP
 * and ICMPv6, LOG, an empty policy chain (comment only) and a raw table and a nat append hook.
 */
import type { Chain, Family, FamilyIr, Ir, IpSet, Match, Rule, Table } from "../../src/compiler/ir/types.js";

export const MARKS = { accept: 0x10000, pass: 0x20000, drop: 0x40000, scratch0: 0x80000, scratch1: 0x100000 } as const;

/** The GNP whose ingress chain name Felix hashes to `cali-pi-_PymyFHQQg3808jiz1OJ`. */
export const LONG_POLICY_CHAIN = "cali-pi-gnp/long-policy-name-that-gets-hashed";
const EGRESS_POLICY_CHAIN = "cali-po-knp/default/allow-egress";
const PROFILE_IN = "cali-pri-kns.default";
const PROFILE_OUT = "cali-pro-kns.default";
const WORKLOADS = ["cali1234abcd", "cali5678ef01"];

const rule = (matches: Match[], action: Rule["action"], comments: string[] = []): Rule => ({ matches, action, comments });
const markSet = (bit: number, negate = false): Match => ({ kind: "mark", value: bit, mask: bit, negate });
const markClear = (bit: number): Match => ({ kind: "mark", value: 0, mask: bit, negate: false });
const iface = (dir: "in" | "out", name: string, prefix = false): Match => ({ kind: "iface", dir, name, prefix, negate: false });
const proto = (protocol: number, negate = false): Match => ({ kind: "protocol", protocol, negate });

function setId(prefix: "s" | "n", family: Family, what: string): string {
  return `${prefix}:${what}-v${family}-0123456789abcdefghij`;
}

function sets(family: Family): IpSet[] {
  const v4 = family === 4;
  return [
    {
      id: setId("n", family, "web"),
      type: "addrPort",
      family,
      members: v4 ? ["10.65.0.2,tcp:8080", "10.65.0.3,tcp:8080"] : ["fd00::2,tcp:8080", "fd00::3,tcp:8080"],
      comment: 'named port "http" of role == "web"',
    },
    {
      id: setId("s", family, "db"),
      type: "net",
      family,
      members: v4 ? ["10.65.0.10/32", "10.65.1.0/24"] : ["fd00::10/128", "fd00:1::/64"],
      comment: 'role == "db"',
    },
    { id: setId("s", family, "empty"), type: "net", family, members: [], comment: 'role == "nobody"' },
  ];
}

function endpointChain(name: string, policy: string, profile: string, comment: string): Chain {
  return {
    name,
    rules: [
      rule([{ kind: "ctstate", states: ["RELATED", "ESTABLISHED"] }], { kind: "accept" }),
      rule([{ kind: "ctstate", states: ["INVALID"] }], { kind: "drop" }),
      rule([], { kind: "setMark", value: 0, mask: MARKS.accept | MARKS.pass }),
      rule([], { kind: "setMark", value: 0, mask: MARKS.pass }, ["Start of tier default"]),
      rule([markClear(MARKS.pass)], { kind: "jump", chain: policy }),
      rule([markSet(MARKS.accept)], { kind: "return" }, ["Return if policy accepted"]),
      rule([markClear(MARKS.pass)], { kind: "drop" }, [`End of tier default. Drop if no policies passed packet (${comment})`]),
      rule([], { kind: "jump", chain: profile }),
      rule([markSet(MARKS.accept)], { kind: "return" }, ["Return if profile accepted"]),
      rule([], { kind: "drop" }, ["Drop if no profiles matched"]),
    ],
  };
}

function policyChain(family: Family): Chain {
  const v4 = family === 4;
  const icmpProto = v4 ? 1 : 58;
  return {
    name: LONG_POLICY_CHAIN,
    rules: [
      rule(
        [proto(6), { kind: "set", dir: "src", set: setId("s", family, "db"), negate: false },
          { kind: "ports", dir: "dst", ranges: [{ first: 80, last: 80 }, { first: 443, last: 443 }, { first: 8000, last: 8080 }], negate: false }],
        { kind: "setMark", value: MARKS.accept, mask: MARKS.accept },
        ["GlobalNetworkPolicy long-policy-name-that-gets-hashed ingress", 'owner="team a" & b'],
      ),
      rule([markSet(MARKS.accept)], { kind: "return" }),
      rule([proto(6), { kind: "addrPortSet", dir: "dst", set: setId("n", family, "web"), negate: false }], { kind: "setMark", value: MARKS.accept, mask: MARKS.accept }),
      rule([markSet(MARKS.accept)], { kind: "return" }),
      rule([proto(icmpProto), { kind: "icmp", type: v4 ? 8 : 128, code: 0, negate: false }], { kind: "log", prefix: "calico-packet: " }),
      rule(
        [proto(17),
          { kind: "addr", dir: "src", cidrs: [v4 ? "10.1.0.0/16" : "fd00:10::/48"], negate: true },
          { kind: "ports", dir: "dst", ranges: [{ first: 53, last: 53 }], negate: true },
          { kind: "ports", dir: "dst", ranges: [{ first: 5353, last: 5353 }, { first: 6000, last: 6010 }], negate: true },
          { kind: "set", dir: "dst", set: setId("s", family, "empty"), negate: true }],
        { kind: "setMark", value: MARKS.drop, mask: MARKS.drop },
      ),
      rule([markSet(MARKS.drop)], { kind: "drop" }),
      rule([proto(icmpProto), { kind: "icmp", type: 3, code: 4, negate: true }, { kind: "addr", dir: "dst", cidrs: [v4 ? "192.168.0.0/16" : "fd00:20::/48"], negate: false }],
        { kind: "setMark", value: MARKS.accept, mask: MARKS.accept }),
      rule([proto(6, true), markSet(MARKS.scratch0, true)], { kind: "setMark", value: MARKS.pass, mask: MARKS.pass }),
      rule([markSet(MARKS.accept)], { kind: "return" }),
    ],
  };
}

function dispatch(name: string, dir: "in" | "out", prefix: string): Chain {
  return {
    name,
    rules: [
      ...WORKLOADS.map((w) => rule([iface(dir, w)], { kind: "goto", chain: `${prefix}${w}` })),
      rule([], { kind: "drop" }, ["Unknown interface"]),
    ],
  };
}

function filterTable(family: Family): Table {
  const chains: Chain[] = [
    {
      name: "cali-FORWARD",
      rules: [
        rule([], { kind: "setMark", value: 0, mask: MARKS.pass | MARKS.drop | MARKS.scratch0 | MARKS.scratch1 }),
        rule([iface("in", "cali", true)], { kind: "jump", chain: "cali-from-wl-dispatch" }),
        rule([iface("out", "cali", true)], { kind: "jump", chain: "cali-to-wl-dispatch" }),
      ],
    },
    {
      name: "cali-INPUT",
      rules: [rule([iface("in", "cali", true)], { kind: "goto", chain: "cali-wl-to-host" }), rule([markSet(MARKS.accept)], { kind: "accept" })],
    },
    {
      name: "cali-OUTPUT",
      rules: [rule([markSet(MARKS.accept)], { kind: "accept" }), rule([iface("out", "cali", true)], { kind: "return" })],
    },
    dispatch("cali-from-wl-dispatch", "in", "cali-fw-"),
    ...WORKLOADS.map((w) => endpointChain(`cali-fw-${w}`, EGRESS_POLICY_CHAIN, PROFILE_OUT, "egress")),
    { name: LONG_POLICY_CHAIN, rules: policyChain(family).rules },
    { name: EGRESS_POLICY_CHAIN, rules: [rule([], { kind: "none" }, ["NetworkPolicy default/allow-egress egress"])] },
    { name: PROFILE_IN, rules: [rule([], { kind: "setMark", value: MARKS.accept, mask: MARKS.accept }, ["Profile kns.default ingress"])] },
    { name: PROFILE_OUT, rules: [rule([], { kind: "setMark", value: MARKS.accept, mask: MARKS.accept }, ["Profile kns.default egress"])] },
    dispatch("cali-to-wl-dispatch", "out", "cali-tw-"),
    ...WORKLOADS.map((w) => endpointChain(`cali-tw-${w}`, LONG_POLICY_CHAIN, PROFILE_IN, "ingress")),
    {
      name: "cali-wl-to-host",
      rules: [
        ...(family === 6
          ? [130, 131, 132, 133, 135, 136].map((t) => rule([proto(58), { kind: "icmp", type: t, negate: false }], { kind: "accept" }))
          : []),
        rule([], { kind: "jump", chain: "cali-from-wl-dispatch" }),
        rule([], { kind: "drop" }, ["Configured DefaultEndpointToHostAction"]),
      ],
    },
  ];
  return {
    name: "filter",
    hooks: (["INPUT", "FORWARD", "OUTPUT"] as const).map((k) => ({ kernelChain: k, target: `cali-${k}`, position: "insert", matches: [] })),
    chains: [...chains].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

function rawTable(): Table {
  return {
    name: "raw",
    hooks: [{ kernelChain: "PREROUTING", target: "cali-PREROUTING", position: "insert", matches: [] }],
    chains: [{ name: "cali-PREROUTING", rules: [rule([iface("in", "cali", true)], { kind: "setMark", value: MARKS.scratch0, mask: MARKS.scratch0 })] }],
  };
}

function natTable(): Table {
  return {
    name: "nat",
    hooks: [{ kernelChain: "POSTROUTING", target: "cali-POSTROUTING", position: "append", matches: [] }],
    chains: [
      { name: "cali-POSTROUTING", rules: [rule([{ kind: "addr", dir: "src", cidrs: ["10.65.0.0/16"], negate: false }], { kind: "jump", chain: "cali-nat-outgoing" })] },
      { name: "cali-nat-outgoing", rules: [rule([], { kind: "none" }, ["nat-outgoing placeholder"])] },
    ],
  };
}

function familyIr(family: Family): FamilyIr {
  return {
    family,
    tables: family === 4 ? [filterTable(4), rawTable(), natTable()] : [filterTable(6), rawTable()],
    sets: sets(family).sort((a, b) => (a.id < b.id ? -1 : 1)),
  };
}

/** The sample IR. */
export function sampleIr(): Ir {
  return { marks: MARKS, v4: familyIr(4), v6: familyIr(6) };
}
