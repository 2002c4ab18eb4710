import { describe, expect, it } from "vitest";
import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { canonicalV6, generalMember, normalizeMember, parseIpsetSave } from "./ipsetState.js";

describe("normalizeMember", () => {
  it.each([
    ["10.0.0.1/32", "10.0.0.1"],
    ["10.1.2.3/16", "10.1.0.0/16"],
    ["2001:DB8:0:0::1/128", "2001:db8::1"],
    ["2001:db8::/64", "2001:db8::/64"],
    ["10.65.0.50/32,tcp:8080", "10.65.0.50,tcp:8080"],
    ["8080", "8080"],
    ["10.0.0.0/0", "0.0.0.0/0"],
    ["fd00:0:0:0:0:0:0:20/128", "fd00::20"],
    ["2001:db8:0:1:0:0:1:0", "2001:db8:0:1::1:0"],
    ["1:0:0:2:0:0:0:3", "1:0:0:2::3"],
    ["cali12", "cali12"],
  ])("%s -> %s", (input, output) => expect(normalizeMember(input)).toBe(output));
});

describe("normalizeMember on IPv4", () => {
  it("keeps a plain dotted quad as it is only where the general way would (property)", () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 255 }).map(String), fc.integer({ min: 0, max: 999 }).map(String), fc.constantFrom("00", "01", "007", "0010", "", "a", "1 "));
    const tail = fc.constantFrom("", "/32", "/24", "/0", "/33", "/", ",tcp:80", "/32,udp:53", ",", ".", " ");
    fc.assert(
      fc.property(fc.array(octet, { minLength: 1, maxLength: 5 }), tail, (octets, rest) => {
        const member = octets.join(".") + rest;
        expect(normalizeMember(member)).toBe(generalMember(member));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("normalizeMember on IPv6", () => {
  it("keeps an address as it is only where the general way would, with or without a port (property)", () => {
    const group = fc.oneof(fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16)), fc.constantFrom("0", "00", "0a", "A", "fFfF", "10000", "", "g", "1.2"));
    const address = fc.oneof(
      fc.ipV6(),
      fc.ipV6().map((a) => a.toUpperCase()),
      fc.array(group, { minLength: 1, maxLength: 9 }).map((g) => g.join(":")),
      fc.tuple(fc.array(group, { maxLength: 4 }), fc.array(group, { maxLength: 4 })).map(([a, b]) => `${a.join(":")}::${b.join(":")}`),
    );
    const tail = fc.constantFrom("", "/128", "/64", ",tcp:80", "/128,udp:53", ",", ":", "::", " ");
    fc.assert(
      fc.property(address, tail, (a, rest) => {
        const member = a + rest;
        expect(normalizeMember(member)).toBe(generalMember(member));
      }),
      { numRuns: 3000 },
    );
  });
});

describe("parseIpsetSave", () => {
  it("keeps our sets only, with metadata and members as the kernel prints them", () => {
    const text = [
      "create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536",
      "add KUBE-CLUSTER-IP 10.96.0.1,tcp:443",
      "create cali40s:abc hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x1",
      "add cali40s:abc 10.1.0.0/16",
      "add cali40s:abc 10.0.0.1",
      "create cali60s:abc hash:net family inet6 hashsize 1024 maxelem 1048576",
    ].join("\n");
    expect(parseIpsetSave(text)).toEqual([
      { name: "cali40s:abc", type: "hash:net", family: "inet", maxelem: 1048576, members: ["10.1.0.0/16", "10.0.0.1"] },
      { name: "cali60s:abc", type: "hash:net", family: "inet6", maxelem: 1048576, members: [] },
    ]);
  });

  it("takes the member word only, ignores malformed lines and copes with a trailing newline", () => {
    const text = [
      "create cali40s:x hash:net family inet hashsize 1024 maxelem 1048576",
      "add cali40s:x 10.0.0.2 timeout 5",
      "add cali40s:x",
      "add cali4-unknown 10.0.0.9",
      "add cali40s:x 10.0.0.3",
      "",
    ].join("\n");
    expect(parseIpsetSave(text)).toEqual([{ name: "cali40s:x", type: "hash:net", family: "inet", maxelem: 1048576, members: ["10.0.0.2", "10.0.0.3"] }]);
  });
});

describe("canonicalV6", () => {
  it("agrees with ipaddr.js's RFC 5952 form on any address", () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.boolean(), (values, upper) => {
        const full = values.map((v) => v.toString(16).padStart(upper ? 4 : 1, "0")).join(":");
        const text = upper ? full.toUpperCase() : full;
        const expected = ipaddr.IPv6.parse(full).toString();
        expect(canonicalV6(text)).toBe(expected);
        expect(canonicalV6(expected)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });
  it("agrees with ipaddr.js on addresses with any run of zero groups compressed (property)", () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    fc.assert(
      fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.nat(7), fc.nat(8), fc.boolean(), (values, from, length, pad) => {
        const hex = values.map((v) => v.toString(16).padStart(pad && v < 16 ? 2 : 1, "0"));
        const full = values.map((v) => v.toString(16)).join(":");
        const end = Math.min(8, from + length);
        const zeros = length > 0 && values.slice(from, end).every((v) => v === 0);
        const text = zeros ? `${hex.slice(0, from).join(":")}::${hex.slice(end).join(":")}` : hex.join(":");
        expect(canonicalV6(text)).toBe(ipaddr.IPv6.parse(full).toString());
      }),
      { numRuns: 3000 },
    );
  });
  it("rejects what is not a plain IPv6 address", () => {
    for (const bad of ["1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7::8", "g::1", "", ":", ":::", "1:", ":1", "1:::2", "12345::", "::1:"]) expect(canonicalV6(bad)).toBeUndefined();
  });
});
