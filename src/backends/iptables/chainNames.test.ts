import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { chainNameMap, iptablesChainName, lengthLimitedId, splitChainName } from "./chainNames.js";
import { MAX_CHAIN_NAME_LENGTH } from "./limits.js";

describe("iptablesChainName", () => {
  it("hashes Felix's long GNP example exactly (calico:felix/rules/policy_test.go)", () => {
    expect(iptablesChainName("cali-pi-gnp/long-policy-name-that-gets-hashed")).toBe("cali-pi-_PymyFHQQg3808jiz1OJ");
  });

  it.each([
    ["short policy chain stays", "cali-pi-gnp/default.foo", "cali-pi-gnp/default.foo"],
    ["kernel hook target", "cali-FORWARD", "cali-FORWARD"],
    ["dispatch child", "cali-from-wl-dispatch-1", "cali-from-wl-dispatch-1"],
    ["exactly 28 stays", "cali-fw-" + "a".repeat(20), "cali-fw-" + "a".repeat(20)],
  ])("%s", (_name, logical, expected) => {
    expect(iptablesChainName(logical)).toBe(expected);
  });

  it.each([
    ["cali-pi-", "cali-pi-knp/some-namespace/some-long-policy-name"],
    ["cali-po-", "cali-po-knp/some-namespace/some-long-policy-name"],
    ["cali-pri-", "cali-pri-ksa.some-namespace.some-service-account"],
    ["cali-pro-", "cali-pro-ksa.some-namespace.some-service-account"],
    ["cali-fw-", "cali-fw-" + "x".repeat(21)],
    ["cali-tw-", "cali-tw-" + "x".repeat(21)],
    ["cali-from-wl-dispatch-", "cali-from-wl-dispatch-abcdefghij"],
    ["cali-", "cali-something-quite-long-and-unknown"],
  ])("keeps the known prefix %s readable when hashing", (prefix, logical) => {
    const short = iptablesChainName(logical);
    expect(short).toHaveLength(MAX_CHAIN_NAME_LENGTH);
    expect(short.startsWith(`${prefix}_`)).toBe(true);
    expect(splitChainName(logical).prefix).toBe(prefix);
  });

  it("hashes an exactly-28 name whose suffix starts with _ (it could pose as a hashed name)", () => {
    const logical = "cali-pi-_" + "a".repeat(19);
    expect(logical).toHaveLength(28);
    expect(iptablesChainName(logical)).not.toBe(logical);
  });

  it("rejects names outside cali-", () => {
    expect(() => iptablesChainName("KUBE-SERVICES")).toThrow(/internal error/);
  });

  it("gives every name at most 28 characters and keeps the cali- prefix", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (suffix) => {
        const short = iptablesChainName(`cali-pi-${suffix}`);
        expect(short.length).toBeLessThanOrEqual(MAX_CHAIN_NAME_LENGTH);
        expect(short.startsWith("cali-pi-")).toBe(true);
      }),
    );
  });
});

describe("lengthLimitedId", () => {
  it("is prefix + suffix when short", () => {
    expect(lengthLimitedId("p-", "abc", 10)).toBe("p-abc");
  });
  it("hashes to exactly max characters when long", () => {
    expect(lengthLimitedId("p-", "abcdefghijk", 10)).toMatch(/^p-_[A-Za-z0-9_-]{7}$/);
  });
});

describe("chainNameMap", () => {
  it("maps every logical name", () => {
    const map = chainNameMap(["cali-FORWARD", "cali-pi-gnp/long-policy-name-that-gets-hashed"]);
    expect([...map.values()]).toEqual(["cali-FORWARD", "cali-pi-_PymyFHQQg3808jiz1OJ"]);
  });
  it("keeps a name that poses as another's hash apart from it", () => {
    const map = chainNameMap(["cali-pi-gnp/long-policy-name-that-gets-hashed", "cali-pi-_PymyFHQQg3808jiz1OJ"]);
    expect(new Set(map.values()).size).toBe(2);
  });
});
