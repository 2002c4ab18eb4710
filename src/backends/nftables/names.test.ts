import { describe, expect, it } from "vitest";
import { isNftIdentifier, nftBaseChainName, nftChainName, nftSetName, uniqueNames } from "./names.js";

describe("nftChainName", () => {
  it("prefixes the logical table and keeps Felix names readable", () => {
    expect(nftChainName("filter", "cali-FORWARD")).toBe("filter-cali-FORWARD");
    expect(nftChainName("filter", "cali-pi-np/ns/na.me")).toBe("filter-cali-pi-np/ns/na.me");
    expect(nftChainName("raw", "cali-PREROUTING")).toBe("raw-cali-PREROUTING");
  });

  it("keeps names up to 255 bytes and hashes longer ones behind the Felix prefix", () => {
    const fits = `cali-pi-${"a".repeat(255 - "filter-cali-pi-".length)}`;
    expect(nftChainName("filter", fits)).toBe(`filter-${fits}`);
    const long = nftChainName("filter", `${fits}b`);
    expect(long).toMatch(/^filter-cali-pi-_[A-Za-z0-9_-]{43}$/);
    expect(isNftIdentifier(long)).toBe(true);
  });

  it("hashes names with characters nft identifiers cannot hold", () => {
    const name = nftChainName("filter", 'cali-pri-weird name"x');
    expect(name).toMatch(/^filter-cali-pri-_[A-Za-z0-9_-]{43}$/);
    expect(nftChainName("filter", "cali-pri-a:b")).not.toBe(nftChainName("filter", "cali-pri-a;b"));
  });

  it("rejects names outside cali-", () => {
    expect(() => nftChainName("filter", "KUBE-SERVICES")).toThrow(/internal error/);
  });

  it("names base chains after Felix's table layer", () => {
    expect(nftBaseChainName("filter", "FORWARD")).toBe("filter-FORWARD");
  });
});

describe("nftSetName", () => {
  it("is Felix's ipset name with ':' replaced by '-', not cut to 31", () => {
    expect(nftSetName(4, "s:rV61RKD1Q8wo61pyeB0j2rwABCDEFGHIJKLM")).toBe("cali40s-rV61RKD1Q8wo61pyeB0j2rwABCDEFGHIJKLM");
    expect(nftSetName(6, "n:abc")).toBe("cali60n-abc");
  });

  it("hashes ids that would not make an identifier", () => {
    expect(nftSetName(4, "s:a b")).toMatch(/^cali40_[A-Za-z0-9_-]{43}$/);
  });
});

describe("uniqueNames", () => {
  it("throws when two logical names get one nft name", () => {
    expect(() => uniqueNames(["a", "b"], () => "x", "chains")).toThrow(/both get the nft name x/);
    expect([...uniqueNames(["a", "b"], (n) => `n-${n}`, "chains")]).toEqual([["a", "n-a"], ["b", "n-b"]]);
  });
});
