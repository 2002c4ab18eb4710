import { describe, expect, it } from "vitest";
import type { Match, Rule } from "../../compiler/ir/types.js";
import { ruleHashes } from "../iptables/index.js";
import type { RenderContext } from "./renderRule.js";
import { hashText, ifaceString, renderAction, renderBareRule, renderMatch, renderMatches, hashRules, renderSetMark } from "./renderRule.js";

const ctx = (family: 4 | 6): RenderContext => ({
  family,
  chainNames: new Map([["cali-pi-np/ns/a", "filter-cali-pi-np/ns/a"]]),
  setNames: new Map([["s:x", `cali${family}0s-x`], ["n:y", `cali${family}0n-y`]]),
  setTypes: new Map([["s:x", "net"], ["n:y", "addrPort"]]),
});
const v4 = ctx(4);
const v6 = ctx(6);

describe("renderMatch", () => {
  it.each<[Match, string]>([
    [{ kind: "protocol", protocol: 6, negate: false }, "meta l4proto tcp"],
    [{ kind: "protocol", protocol: 4, negate: true }, "meta l4proto != 4"],
    [{ kind: "addr", dir: "src", cidrs: ["10.0.0.0/8"], negate: false }, "ip saddr 10.0.0.0/8"],
    [{ kind: "addr", dir: "dst", cidrs: ["10.0.0.0/8", "10.1.0.0/16", "192.168.0.0/16"], negate: true }, "ip daddr != { 10.0.0.0/8, 192.168.0.0/16 }"],
    [{ kind: "set", dir: "src", set: "s:x", negate: false }, "ip saddr @cali40s-x"],
    [{ kind: "set", dir: "dst", set: "s:x", negate: true }, "ip daddr != @cali40s-x"],
    [{ kind: "addrPortSet", dir: "dst", set: "n:y", negate: false }, "ip daddr . meta l4proto . th dport @cali40n-y"],
    [{ kind: "addrPortSet", dir: "src", set: "n:y", negate: true }, "ip saddr . meta l4proto . th sport != @cali40n-y"],
    [{ kind: "ports", dir: "dst", ranges: [{ first: 80, last: 80 }, { first: 1000, last: 2000 }], negate: false }, "th dport { 80, 1000-2000 }"],
    [{ kind: "ports", dir: "src", ranges: [{ first: 53, last: 53 }], negate: true }, "th sport != 53"],
    [{ kind: "icmp", type: 8, negate: false }, "icmp type 8"],
    [{ kind: "icmp", type: 8, code: 0, negate: false }, "icmp type 8 icmp code 0"],
    [{ kind: "icmp", type: 3, negate: true }, "icmp type != 3"],
    [{ kind: "icmp", type: 3, code: 4, negate: true }, "icmp type . icmp code != { 3 . 4 }"],
    [{ kind: "iface", dir: "in", name: "cali", prefix: true, negate: false }, 'iifname "cali*"'],
    [{ kind: "iface", dir: "out", name: "eth0", prefix: false, negate: true }, 'oifname != "eth0"'],
    [{ kind: "mark", value: 0x10000, mask: 0x10000, negate: false }, "meta mark & 0x10000 == 0x10000"],
    [{ kind: "mark", value: 0, mask: 0x20000, negate: false }, "meta mark & 0x20000 == 0x0"],
    [{ kind: "mark", value: 0x10000, mask: 0x10000, negate: true }, "meta mark & 0x10000 != 0x10000"],
    [{ kind: "ctstate", states: ["RELATED", "ESTABLISHED"] }, "ct state related,established"],
  ])("%j → %s", (match, text) => {
    expect(renderMatch(match, v4)).toBe(text);
  });

  it("uses ip6 and icmpv6 on IPv6", () => {
    expect(renderMatch({ kind: "set", dir: "src", set: "s:x", negate: false }, v6)).toBe("ip6 saddr @cali60s-x");
    expect(renderMatch({ kind: "addr", dir: "dst", cidrs: ["fd00::/8"], negate: false }, v6)).toBe("ip6 daddr fd00::/8");
    expect(renderMatch({ kind: "icmp", type: 128, code: 0, negate: false }, v6)).toBe("icmpv6 type 128 icmpv6 code 0");
    expect(renderMatch({ kind: "protocol", protocol: 58, negate: false }, v6)).toBe("meta l4proto ipv6-icmp");
  });

  it("refuses unknown sets, the wrong set kind and bad interface names", () => {
    expect(() => renderMatch({ kind: "set", dir: "src", set: "s:nope", negate: false }, v4)).toThrow(/unknown IPv4 set/);
    expect(() => renderMatch({ kind: "set", dir: "src", set: "n:y", negate: false }, v4)).toThrow(/not a net set/);
    expect(() => ifaceString('a"b', false)).toThrow(/bad interface name/);
    expect(() => ifaceString("a*", false)).toThrow(/bad interface name/);
    expect(() => ifaceString("x".repeat(16), false)).toThrow(/bad interface name/);
    expect(ifaceString("", true)).toBe('"*"');
  });

  it("orders interfaces first, protocol before ports and ICMP, negations after, marks last", () => {
    const matches: Match[] = [
      { kind: "mark", value: 0, mask: 1, negate: false },
      { kind: "ports", dir: "dst", ranges: [{ first: 1, last: 1 }], negate: true },
      { kind: "ports", dir: "dst", ranges: [{ first: 2, last: 2 }], negate: false },
      { kind: "protocol", protocol: 17, negate: false },
      { kind: "iface", dir: "in", name: "cali", prefix: true, negate: false },
    ];
    expect(renderMatches(matches, v4)).toBe('iifname "cali*" meta l4proto udp th dport 2 th dport != 1 meta mark & 0x1 == 0x0');
  });
});

describe("renderAction / renderSetMark", () => {
  it("computes (mark & ~mask) | value in its shortest form", () => {
    expect(renderSetMark(0x10000, 0x10000)).toBe("meta mark set meta mark | 0x10000");
    expect(renderSetMark(0, 0x30000)).toBe("meta mark set meta mark & 0xfffcffff");
    expect(renderSetMark(0x200, 0x600)).toBe("meta mark set meta mark & 0xfffff9ff | 0x200");
    expect(renderSetMark(0x5, 0xffffffff)).toBe("meta mark set 0x5");
  });

  it("renders verdicts, jumps to nft chain names and log statements", () => {
    expect(renderAction({ kind: "jump", chain: "cali-pi-np/ns/a" }, v4)).toBe("jump filter-cali-pi-np/ns/a");
    expect(renderAction({ kind: "goto", chain: "cali-pi-np/ns/a" }, v4)).toBe("goto filter-cali-pi-np/ns/a");
    expect(() => renderAction({ kind: "goto", chain: "cali-x" }, v4)).toThrow(/not a chain of this table/);
    expect(renderAction({ kind: "log", prefix: 'calico-packet: "x"' }, v4)).toBe('log prefix "calico-packet: _x_" level notice');
    expect(renderAction({ kind: "log", prefix: "p".repeat(200) }, v4)).toBe(`log prefix "${"p".repeat(127)}" level notice`);
    expect(renderAction({ kind: "none" }, v4)).toBe("");
  });
});

describe("rule text, hashes and comments", () => {
  const drop: Rule = { matches: [], action: { kind: "drop" }, comments: [] };

  it("hashes like Felix's nft dataplane: filter-FORWARD + `counter drop` is DCGauXoHP5A9-AIO", () => {
    const bare = renderBareRule(drop, v4);
    expect(bare.text).toBe("counter drop");
    const [rule] = hashRules("filter-FORWARD", [bare], [0]);
    expect([rule?.hash, rule?.comment, rule?.text()]).toEqual(["DCGauXoHP5A9-AIO", "cali:DCGauXoHP5A9-AIO;", 'counter drop comment "cali:DCGauXoHP5A9-AIO;"']);
  });

  it("puts counter before every verdict and renders a rule without action as just counter", () => {
    expect(renderBareRule({ matches: [], action: { kind: "none" }, comments: ["Policy x"] }, v4)).toEqual({ text: "counter", comments: ["Policy x"] });
  });

  it("includes human comments in the hash, escaped, and cuts the whole comment to 128 bytes", () => {
    const commented = renderBareRule({ ...drop, comments: ['a "b"', "c".repeat(300)] }, v4);
    expect(hashText(commented)).toBe(`counter drop comment "a _b_;${"c".repeat(106 - 6)}"`);
    const comment = hashRules("filter-x", [commented], [0])[0]?.comment ?? "";
    expect(comment).toHaveLength(128);
    expect(comment.startsWith(`cali:${ruleHashes("filter-x", [hashText(commented)])[0]};a _b_;`)).toBe(true);
    expect(ruleHashes("filter-x", [hashText(commented)])).not.toEqual(ruleHashes("filter-x", ["counter drop"]));
  });

  it("chains hashes: a change at rule 0 changes every later hash", () => {
    const accept = renderBareRule({ ...drop, action: { kind: "accept" } }, v4);
    const a = hashRules("c", [renderBareRule(drop, v4), accept], [0, 1]);
    const b = hashRules("c", [renderBareRule({ ...drop, action: { kind: "return" } }, v4), accept], [0, 1]);
    expect(a[1]?.hash).not.toBe(b[1]?.hash);
  });
});
