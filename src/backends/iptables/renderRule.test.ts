import { describe, expect, it } from "vitest";
import type { Action, Family, Match } from "../../compiler/ir/types.js";
import type { RenderContext } from "./renderRule.js";
import { renderAction, renderMatch, renderMatches, renderPortList, renderRuleParts, hashRules } from "./renderRule.js";

function context(family: Family): RenderContext {
  return {
    family,
    chainNames: new Map([
      ["cali-tw-cali1234", "cali-tw-cali1234"],
      ["cali-pi-gnp/long-policy-name-that-gets-hashed", "cali-pi-_PymyFHQQg3808jiz1OJ"],
    ]),
    setNames: new Map([
      ["s:abc", `cali${family}0s:abc`],
      ["n:def", `cali${family}0n:def`],
    ]),
    setTypes: new Map([
      ["s:abc", "net"],
      ["n:def", "addrPort"],
    ]),
  };
}
const v4 = context(4);
const v6 = context(6);

describe("renderMatch", () => {
  it.each<[string, Match, RenderContext, string]>([
    ["protocol by name", { kind: "protocol", protocol: 6, negate: false }, v4, "-p tcp"],
    ["protocol by number", { kind: "protocol", protocol: 47, negate: false }, v4, "-p 47"],
    ["negated protocol", { kind: "protocol", protocol: 17, negate: true }, v4, "! -p udp"],
    ["icmpv6 protocol", { kind: "protocol", protocol: 58, negate: false }, v6, "-p ipv6-icmp"],
    ["positive catch-all is no match", { kind: "addr", dir: "src", cidrs: ["0.0.0.0/0"], negate: false }, v4, ""],
    ["source CIDR", { kind: "addr", dir: "src", cidrs: ["10.0.0.0/8"], negate: false }, v4, "--source 10.0.0.0/8"],
    ["negated destination", { kind: "addr", dir: "dst", cidrs: ["fd00::/8"], negate: true }, v6, "! --destination fd00::/8"],
    ["set src", { kind: "set", dir: "src", set: "s:abc", negate: false }, v4, "-m set --match-set cali40s:abc src"],
    ["negated set dst", { kind: "set", dir: "dst", set: "s:abc", negate: true }, v6, "-m set ! --match-set cali60s:abc dst"],
    ["named-port set", { kind: "addrPortSet", dir: "dst", set: "n:def", negate: false }, v4, "-m set --match-set cali40n:def dst,dst"],
    ["negated named-port set", { kind: "addrPortSet", dir: "src", set: "n:def", negate: true }, v4, "-m set ! --match-set cali40n:def src,src"],
    ["ports", { kind: "ports", dir: "src", ranges: [{ first: 10, last: 12 }, { first: 80, last: 80 }], negate: false }, v4, "-m multiport --source-ports 10:12,80"],
    ["negated ports", { kind: "ports", dir: "dst", ranges: [{ first: 22, last: 22 }], negate: true }, v4, "-m multiport ! --destination-ports 22"],
    ["icmp type", { kind: "icmp", type: 8, negate: false }, v4, "-m icmp --icmp-type 8"],
    ["icmp type/code", { kind: "icmp", type: 3, code: 4, negate: true }, v4, "-m icmp ! --icmp-type 3/4"],
    ["icmpv6", { kind: "icmp", type: 128, code: 0, negate: false }, v6, "-m icmp6 --icmpv6-type 128/0"],
    ["in interface", { kind: "iface", dir: "in", name: "cali1234", prefix: false, negate: false }, v4, "-i cali1234"],
    ["out interface prefix", { kind: "iface", dir: "out", name: "cali", prefix: true, negate: false }, v4, "-o cali+"],
    ["negated interface", { kind: "iface", dir: "in", name: "cali", prefix: true, negate: true }, v4, "! -i cali+"],
    ["mark set bit", { kind: "mark", value: 0x10000, mask: 0x10000, negate: false }, v4, "-m mark --mark 0x10000/0x10000"],
    ["mark clear bit", { kind: "mark", value: 0, mask: 0x20000, negate: false }, v4, "-m mark --mark 0/0x20000"],
    ["negated mark", { kind: "mark", value: 0, mask: 0x30000, negate: true }, v4, "-m mark ! --mark 0/0x30000"],
    ["high mark bit", { kind: "mark", value: 0x80000000, mask: 0xffff0000, negate: false }, v4, "-m mark --mark 0x80000000/0xffff0000"],
    ["ctstate", { kind: "ctstate", states: ["RELATED", "ESTABLISHED"] }, v4, "-m conntrack --ctstate RELATED,ESTABLISHED"],
  ])("%s", (_name, match, ctx, expected) => {
    expect(renderMatch(match, ctx)).toBe(expected);
  });

  it.each<[string, Match, RegExp]>([
    ["two CIDRs in one addr match", { kind: "addr", dir: "src", cidrs: ["10.0.0.0/8", "11.0.0.0/8"], negate: false }, /exactly one CIDR/],
    ["no CIDR", { kind: "addr", dir: "src", cidrs: [], negate: false }, /exactly one CIDR/],
    ["negated catch-all", { kind: "addr", dir: "dst", cidrs: ["::/0"], negate: true }, /negated catch-all/],
    ["unknown set", { kind: "set", dir: "src", set: "s:nope", negate: false }, /unknown IPv4 set/],
    ["net set used as named-port set", { kind: "addrPortSet", dir: "src", set: "s:abc", negate: false }, /not a addrPort set/],
    ["too many ports", { kind: "ports", dir: "src", ranges: Array.from({ length: 8 }, (_, i) => ({ first: i * 10, last: i * 10 + 1 })), negate: false }, /multiport slots/],
    ["bad interface", { kind: "iface", dir: "in", name: "eth0 -j ACCEPT", prefix: false, negate: false }, /bad interface/],
  ])("rejects %s", (_name, match, error) => {
    expect(() => renderMatch(match, v4)).toThrow(error);
  });
});

describe("renderPortList", () => {
  it("allows exactly 15 slots", () => {
    const ranges = [...Array.from({ length: 7 }, (_, i) => ({ first: i * 10, last: i * 10 + 5 })), { first: 999, last: 999 }];
    expect(renderPortList(ranges)).toBe("0:5,10:15,20:25,30:35,40:45,50:55,60:65,999");
  });
});

describe("renderMatches", () => {
  it("orders matches as Felix's CalculateRuleMatch, keeping the IR order within a kind", () => {
    const matches: Match[] = [
      { kind: "mark", value: 0x80000, mask: 0x80000, negate: false },
      { kind: "ports", dir: "dst", ranges: [{ first: 1, last: 1 }], negate: true },
      { kind: "ports", dir: "dst", ranges: [{ first: 2, last: 2 }], negate: true },
      { kind: "icmp", type: 8, negate: true },
      { kind: "set", dir: "dst", set: "s:abc", negate: false },
      { kind: "addr", dir: "src", cidrs: ["10.0.0.1/32"], negate: true },
      { kind: "ports", dir: "src", ranges: [{ first: 5, last: 6 }], negate: false },
      { kind: "protocol", protocol: 6, negate: false },
      { kind: "iface", dir: "in", name: "cali", prefix: true, negate: false },
    ];
    expect(renderMatches(matches, v4)).toBe(
      [
        "-i cali+",
        "-p tcp",
        "-m multiport --source-ports 5:6",
        "-m set --match-set cali40s:abc dst",
        "! --source 10.0.0.1/32",
        "-m multiport ! --destination-ports 1",
        "-m multiport ! --destination-ports 2",
        "-m icmp ! --icmp-type 8",
        "-m mark --mark 0x80000/0x80000",
      ].join(" "),
    );
  });
});

describe("renderMatches invariants", () => {
  it.each<[string, Match[]]>([
    ["two protocols", [{ kind: "protocol", protocol: 6, negate: false }, { kind: "protocol", protocol: 17, negate: true }]],
    ["two input interfaces", [{ kind: "iface", dir: "in", name: "a", prefix: false, negate: false }, { kind: "iface", dir: "in", name: "b", prefix: false, negate: false }]],
  ])("rejects %s in one rule", (_name, matches) => {
    expect(() => renderMatches(matches, v4)).toThrow(/only one/);
  });

  it.each<[string, Match[], string]>([
    [
      "ipBlock cidr + except: the positive CIDR stays inline, the other becomes an iprange",
      [{ kind: "addr", dir: "dst", cidrs: ["10.0.1.0/24"], negate: true }, { kind: "addr", dir: "dst", cidrs: ["10.0.0.0/8"], negate: false }],
      "--destination 10.0.0.0/8 -m iprange ! --dst-range 10.0.1.0-10.0.1.255",
    ],
    [
      "two negated sources: the first stays inline",
      [{ kind: "addr", dir: "src", cidrs: ["10.0.0.0/8"], negate: true }, { kind: "addr", dir: "src", cidrs: ["192.168.0.7/32"], negate: true }],
      "! --source 10.0.0.0/8 -m iprange ! --src-range 192.168.0.7-192.168.0.7",
    ],
    [
      "IPv6 range",
      [{ kind: "addr", dir: "src", cidrs: ["fd00::/8"], negate: false }, { kind: "addr", dir: "src", cidrs: ["fd00:1::/64"], negate: true }],
      "--source fd00::/8 -m iprange ! --src-range fd00:1::-fd00:1::ffff:ffff:ffff:ffff",
    ],
  ])("%s", (_name, matches, expected) => {
    expect(renderMatches(matches, v4)).toBe(expected);
  });

  it("allows one source and one destination address", () => {
    const matches: Match[] = [
      { kind: "addr", dir: "dst", cidrs: ["10.0.0.0/8"], negate: false },
      { kind: "addr", dir: "src", cidrs: ["10.1.0.0/16"], negate: true },
    ];
    expect(renderMatches(matches, v4)).toBe("--destination 10.0.0.0/8 ! --source 10.1.0.0/16");
  });
});

describe("renderAction", () => {
  it.each<[string, Action, string]>([
    ["accept", { kind: "accept" }, "--jump ACCEPT"],
    ["drop", { kind: "drop" }, "--jump DROP"],
    ["return", { kind: "return" }, "--jump RETURN"],
    ["jump", { kind: "jump", chain: "cali-tw-cali1234" }, "--jump cali-tw-cali1234"],
    ["goto a hashed chain", { kind: "goto", chain: "cali-pi-gnp/long-policy-name-that-gets-hashed" }, "--goto cali-pi-_PymyFHQQg3808jiz1OJ"],
    ["set mark", { kind: "setMark", value: 0x10000, mask: 0x10000 }, "--jump MARK --set-mark 0x10000/0x10000"],
    ["clear mark", { kind: "setMark", value: 0, mask: 0x30000 }, "--jump MARK --set-mark 0x0/0x30000"],
    ["log", { kind: "log", prefix: "calico-packet: " }, '--jump LOG --log-prefix "calico-packet: " --log-level 5'],
    ["log with a quote", { kind: "log", prefix: 'a"b' }, '--jump LOG --log-prefix "a_b" --log-level 5'],
    ["log without prefix", { kind: "log", prefix: "" }, "--jump LOG --log-level 5"],
    ["none", { kind: "none" }, ""],
  ])("%s", (_name, action, expected) => {
    expect(renderAction(action, v4)).toBe(expected);
  });

  it("rejects a jump to a chain the table does not have", () => {
    expect(() => renderAction({ kind: "jump", chain: "cali-nope" }, v4)).toThrow(/not a chain of this table/);
  });
});

describe("hashRules", () => {
  it("puts the hash comment first, then human comments, matches and action", () => {
    const parts = renderRuleParts(
      { matches: [{ kind: "protocol", protocol: 6, negate: false }], action: { kind: "accept" }, comments: ['Policy "x" ingress'] },
      v4,
    );
    const [rule] = hashRules("cali-x", "cali-x", [parts]);
    expect(rule?.spec).toBe(`-m comment --comment "cali:${rule?.hash}" -m comment --comment "Policy _x_ ingress" -p tcp --jump ACCEPT`);
    expect(rule?.hash).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it("renders a comment-only rule for action none", () => {
    const parts = renderRuleParts({ matches: [], action: { kind: "none" }, comments: ["GlobalNetworkPolicy foo ingress"] }, v4);
    const [rule] = hashRules("cali-x", "cali-x", [parts]);
    expect(rule?.spec).toMatch(/^-m comment --comment "cali:[^"]+" -m comment --comment "GlobalNetworkPolicy foo ingress"$/);
  });

  it("gives the Felix FORWARD hook its known hash", () => {
    const parts = renderRuleParts({ matches: [], action: { kind: "jump", chain: "cali-tw-cali1234" }, comments: [] }, v4);
    const hook = { ...parts, action: "--jump cali-FORWARD" };
    expect(hashRules("FORWARD", "FORWARD", [hook])).toEqual([{ hash: "wUHhoiAYhphO9Mso", spec: '-m comment --comment "cali:wUHhoiAYhphO9Mso" --jump cali-FORWARD' }]);
  });
});
