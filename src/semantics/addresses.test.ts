import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { parseAddress } from "./addresses.js";

/** parseAddress through ipaddr.js alone (what the dotted-decimal fast path must equal). */
function throughIpaddr(text: string): { family: number; value: bigint; text: string } | undefined {
  if (!ipaddr.isValid(text)) return undefined;
  const parsed = ipaddr.parse(text);
  let value = 0n;
  for (const b of parsed.toByteArray()) value = (value << 8n) | BigInt(b);
  return { family: parsed.kind() === "ipv4" ? 4 : 6, value, text: parsed.toString() };
}

describe("parseAddress", () => {
  it("reads IPv4 texts as ipaddr.js does (dotted decimal, leading zeros, out of range, short forms)", () => {
    const octet = fc.oneof(fc.integer({ min: 0, max: 300 }).map(String), fc.constantFrom("0", "00", "010", "0x1f", "255", "256", ""));
    fc.assert(
      fc.property(fc.array(octet, { minLength: 1, maxLength: 5 }), fc.constantFrom("", " "), (octets, pad) => {
        const text = octets.join(".") + pad;
        expect(parseAddress(text)).toEqual(throughIpaddr(text));
      }),
      { numRuns: 2000 },
    );
    for (const text of ["0.0.0.0", "255.255.255.255", "10.0.0.1", "1.2.3.04", "::1", "::ffff:1.2.3.4"]) expect(parseAddress(text)).toEqual(throughIpaddr(text));
  });
});

describe("parseAddress of IPv6", () => {
  /** A group as people write them: short, padded, upper case, zero, all ones. */
  const group = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16)),
    fc.integer({ min: 0, max: 0xffff }).map((g) => g.toString(16).toUpperCase().padStart(4, "0")),
    fc.constantFrom("0", "00", "0000", "ffff", "FFFF", "1", "00001", "12345", "g", ""),
  );
  /** Groups joined by colons, with a `::` (or a stray colon, or an IPv4 tail or a zone) somewhere. */
  const text = fc
    .tuple(
      fc.array(fc.oneof({ weight: 3, arbitrary: group }, { weight: 1, arbitrary: fc.constant("0") }), { minLength: 0, maxLength: 9 }),
      fc.integer({ min: -1, max: 9 }),
      fc.constantFrom("::", ":", ":::"),
      fc.constantFrom("", "", "", ":", "%eth0", ".1", ":1.2.3.4", "/64"),
    )
    .map(([groups, at, gap, tail]) => {
      if (at < 0 || at > groups.length) return groups.join(":") + tail;
      return `${groups.slice(0, at).join(":")}${gap}${groups.slice(at).join(":")}${tail}`;
    });

  it("reads IPv6 texts as ipaddr.js does (compressed, padded, upper case, invalid)", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(parseAddress(t)).toEqual(throughIpaddr(t));
      }),
      { numRuns: Number(process.env.ADDRESS_RUNS ?? 5000) },
    );
    for (const t of ["::", "::1", "1::", "fd00::0:1", "fd00::1", "1:0:0:1:0:0:0:1", "1:0:0:0:1:0:0:1", "0:0:1:0:0:1:0:0", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2::3", ":1::", "1::2:", "::FFFF:a:b", "::ffff:1.2.3.4"]) {
      expect(parseAddress(t)).toEqual(throughIpaddr(t));
    }
  });

  it("reads valid IPv6 addresses, written with any run of zero groups compressed, as ipaddr.js does", () => {
    const groups = fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
    const written = fc.tuple(groups, fc.nat(), fc.nat(), fc.boolean(), fc.boolean()).map(([gs, from, length, upper, pad]) => {
      const parts = gs.map((g) => (pad ? g.toString(16).padStart(4, "0") : g.toString(16))).map((g) => (upper ? g.toUpperCase() : g));
      // Compress a run of zero groups starting at `from` (at most `length` of them), if there is one.
      const start = from % 8;
      let end = start;
      while (end < 8 && end - start < (length % 8) + 1 && gs[end] === 0) end++;
      return end > start ? `${parts.slice(0, start).join(":")}::${parts.slice(end).join(":")}` : parts.join(":");
    });
    fc.assert(
      fc.property(written, (t) => {
        expect(parseAddress(t)).toEqual(throughIpaddr(t));
      }),
      { numRuns: Number(process.env.ADDRESS_RUNS ?? 5000) },
    );
  });
});
