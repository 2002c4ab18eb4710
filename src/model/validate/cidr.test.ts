import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, test } from "vitest";
import { canonicalAddress, canonicalHostCidr, isStrictSubnet, parseCidr } from "./cidr.js";

const ok = (text: string) => {
  const r = parseCidr(text);
  if (!r.ok) throw new Error(r.reason);
  return r;
};

describe("parseCidr", () => {
  test("canonical forms", () => {
    expect(ok("10.1.2.3").canonical).toBe("10.1.2.3/32");
    expect(ok("10.1.2.3/8")).toMatchObject({ canonical: "10.0.0.0/8", hostBits: true, family: 4 });
    expect(ok("0.0.0.0/0")).toMatchObject({ canonical: "0.0.0.0/0", hostBits: false });
    expect(ok("2001:DB8:0:0:0:0:0:1").canonical).toBe("2001:db8::1/128");
    expect(ok("2001:db8:1:2::ffff/33")).toMatchObject({ canonical: "2001:db8::/33", hostBits: true, family: 6 });
  });

  test("rejects what Go's net.ParseCIDR rejects", () => {
    for (const bad of ["10.1/8", "10.0.0.0/33", "0x0a.0.0.0/8", "::/129", "10.0.0.0/", "10.0.0.0/08x", "fe80::1%eth0", "", "a.b.c.d"]) {
      expect(parseCidr(bad).ok).toBe(false);
    }
  });

  test("masking is idempotent and leaves no host bits (property)", () => {
    const v4 = fc.tuple(fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 }), fc.integer({ min: 0, max: 32 }));
    fc.assert(
      fc.property(v4, ([bytes, prefix]) => {
        const first = ok(`${bytes.join(".")}/${prefix}`);
        const again = ok(first.canonical);
        return again.canonical === first.canonical && !again.hostBits;
      }),
    );
  });

  test("strict subnets", () => {
    expect(isStrictSubnet(ok("10.1.0.0/16"), ok("10.0.0.0/8"))).toBe(true);
    expect(isStrictSubnet(ok("10.0.0.0/8"), ok("10.0.0.0/8"))).toBe(false);
    expect(isStrictSubnet(ok("11.0.0.0/16"), ok("10.0.0.0/8"))).toBe(false);
    expect(isStrictSubnet(ok("fd00::/16"), ok("10.0.0.0/8"))).toBe(false);
  });

  test("canonicalAddress", () => {
    expect(canonicalAddress("fd00:0::5")).toEqual({ text: "fd00::5", family: 6 });
    expect(canonicalAddress("10.0.0.5/32")).toBeUndefined();
  });

  test("canonicalAddress's IPv6 shortcut agrees with ipaddr.js (property)", () => {
    const group = fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 0, max: 0xffff }));
    const spelled = fc.tuple(fc.array(group, { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 5 })).map(([groups, how]) => {
      const address = ipaddr.fromByteArray(groups.flatMap((g) => [g >> 8, g & 0xff])) as ipaddr.IPv6;
      switch (how) {
        case 0:
        case 1:
          return address.toString();
        case 2:
          return address.toNormalizedString();
        case 3:
          return address
            .toNormalizedString()
            .split(":")
            .map((g) => g.padStart(4, "0"))
            .join(":");
        case 4:
          return address.toString().toUpperCase();
        default:
          return address.toString().replace("::", ":0::");
      }
    });
    const odd = fc.constantFrom("::", "::1", "1::", "::ffff:1.2.3.4", "::ffff:102:304", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1::2::3", ":::", "1:2:3:4:5:6:7:8:9", "fe80::1%eth0", "g::1", "12345::");
    fc.assert(
      fc.property(fc.oneof(spelled, odd), (text) => {
        const valid = text.includes(":") && ipaddr.IPv6.isValid(text) && !text.includes("%");
        expect(canonicalAddress(text)).toEqual(valid ? { text: ipaddr.IPv6.parse(text).toString(), family: 6 } : undefined);
      }),
      { numRuns: 3000 },
    );
  });

  test("canonicalAddress's IPv4 shortcut agrees with ipaddr.js on dotted texts (property)", () => {
    const part = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "010", "255", "256", "0x1", "", " 1", "1 ", "+1"));
    fc.assert(
      fc.property(fc.array(part, { minLength: 3, maxLength: 5 }), (parts) => {
        const text = parts.join(".");
        const valid = ipaddr.IPv4.isValidFourPartDecimal(text);
        expect(canonicalAddress(text)).toEqual(valid ? { text: ipaddr.IPv4.parse(text).toString(), family: 4 } : undefined);
      }),
      { numRuns: 2000 },
    );
  });

  test("canonicalHostCidr is parseCidr's canonical text whenever it answers, and answers for canonical host CIDRs (property)", () => {
    const v4 = fc.array(fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("00", "01", "0x1", "")), { minLength: 3, maxLength: 5 }).map((p) => p.join("."));
    const v6 = fc.tuple(fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }), fc.boolean()).map(([groups, upper]) => {
      const text = (ipaddr.fromByteArray(groups.flatMap((g) => [g >> 8, g & 0xff])) as ipaddr.IPv6).toString();
      return upper ? text.toUpperCase() : text;
    });
    const prefix = fc.constantFrom("", "/32", "/128", "/032", "/31", "/127", "/", "/0");
    fc.assert(
      fc.property(fc.oneof(v4, v6, fc.constantFrom("::ffff:1.2.3.4", "fe80::1%eth0", "1::2::3")), prefix, (address, p) => {
        const text = address + p;
        const fast = canonicalHostCidr(text);
        const parsed = parseCidr(text);
        if (fast !== undefined) expect(parsed.ok && parsed.canonical).toBe(fast);
        // A host CIDR: /32 of IPv4, /128 of IPv6 (an IPv6 /32, such as `::/32`, is a network).
        if (parsed.ok && parsed.canonical === text && parsed.prefix === (parsed.family === 4 ? 32 : 128)) expect(fast).toBe(text);
      }),
      { numRuns: 3000 },
    );
  });
});
