import { describe, expect, it } from "vitest";
import { cidrRange } from "./cidrRange.js";

describe("cidrRange", () => {
  it.each([
    ["10.0.1.0/24", "10.0.1.0-10.0.1.255"],
    ["10.0.1.7/32", "10.0.1.7-10.0.1.7"],
    ["10.0.1.7/24", "10.0.1.0-10.0.1.255"],
    ["0.0.0.0/0", "0.0.0.0-255.255.255.255"],
    ["fd00:1::/64", "fd00:1::-fd00:1::ffff:ffff:ffff:ffff"],
    ["2001:db8::1/128", "2001:db8::1-2001:db8::1"],
  ])("%s", (cidr, expected) => {
    expect(cidrRange(cidr)).toBe(expected);
  });
});
