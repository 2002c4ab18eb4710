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
