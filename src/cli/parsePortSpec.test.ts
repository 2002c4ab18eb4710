import { describe, expect, it } from "vitest";
import { formatPortSpec, parsePortOrName, parsePortSpec, resolveNamedPort } from "./parsePortSpec.js";
import { UsageError } from "./usageError.js";

describe("parsePortSpec", () => {
  it("reads ports with and without a protocol", () => {
    expect(parsePortSpec("80/TCP")).toEqual({ protocol: "TCP", number: 6, port: 80 });
    expect(parsePortSpec("53/udp")).toEqual({ protocol: "UDP", number: 17, port: 53 });
    expect(parsePortSpec("80")).toEqual({ protocol: "TCP", number: 6, port: 80 });
    expect(parsePortSpec("9/SCTP")).toEqual({ protocol: "SCTP", number: 132, port: 9 });
  });

  it("reads ICMP and ICMPv6 with an optional type and code (bare: echo request)", () => {
    expect(parsePortSpec("ICMP")).toEqual({ protocol: "ICMP", number: 1, icmpType: 8, icmpCode: 0, family: 4 });
    expect(parsePortSpec("icmp/3/4")).toEqual({ protocol: "ICMP", number: 1, icmpType: 3, icmpCode: 4, family: 4 });
    expect(parsePortSpec("ICMPv6/128")).toEqual({ protocol: "ICMPv6", number: 58, icmpType: 128, icmpCode: 0, family: 6 });
    expect(formatPortSpec(parsePortSpec("ICMPv6"))).toBe("ICMPv6/128/0");
    expect(formatPortSpec(parsePortSpec("443"))).toBe("443/TCP");
  });

  it.each(["", "0", "65536", "80/XTP", "80/TCP/1", "ICMP/255", "ICMP/8/256", "ICMP/8/0/1", "x/UDP", "-1", "1e3"])("rejects %j", (text) => {
    expect(() => parsePortSpec(text)).toThrow(UsageError);
  });

  it("reads named ports for explain, resolved on the destination's ports", () => {
    expect(parsePortOrName("http")).toEqual({ name: "http", protocol: "TCP" });
    expect(parsePortOrName("dns/udp")).toEqual({ name: "dns", protocol: "UDP" });
    expect(parsePortOrName("80/TCP")).toEqual({ protocol: "TCP", number: 6, port: 80 });
    expect(parsePortOrName("ICMP")).toEqual(parsePortSpec("ICMP"));
    for (const bad of ["Http", "-http", "http-", "a--b", "abcdefghijklmnop", "http/ICMP", "http/UDPLite"]) expect(() => parsePortOrName(bad), bad).toThrow(UsageError);
    const ports = [
      { name: "http", protocol: "TCP", port: 8080 },
      { name: "dns", protocol: "UDP", port: 5353 },
    ];
    expect(resolveNamedPort({ name: "http", protocol: "TCP" }, "web/a", ports)).toEqual({ protocol: "TCP", number: 6, port: 8080 });
    expect(resolveNamedPort({ name: "dns", protocol: "UDP" }, "web/a", ports)).toEqual({ protocol: "UDP", number: 17, port: 5353 });
    expect(() => resolveNamedPort({ name: "dns", protocol: "TCP" }, "web/a", ports)).toThrow(/web\/a has no such named port \(it has http=8080\/TCP, dns=5353\/UDP\)/);
  });
});
