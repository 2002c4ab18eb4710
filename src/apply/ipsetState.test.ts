import { describe, expect, it } from "vitest";
import { normalizeMember, parseIpsetSave } from "./ipsetState.js";

describe("normalizeMember", () => {
  it.each([
    ["10.0.0.1/32", "10.0.0.1"],
    ["10.1.2.3/16", "10.1.0.0/16"],
    ["2001:DB8:0:0::1/128", "2001:db8::1"],
    ["2001:db8::/64", "2001:db8::/64"],
    ["10.65.0.50/32,tcp:8080", "10.65.0.50,tcp:8080"],
    ["8080", "8080"],
    ["cali12", "cali12"],
  ])("%s -> %s", (input, output) => expect(normalizeMember(input)).toBe(output));
});

describe("parseIpsetSave", () => {
  it("keeps our sets only, with metadata and normalized sorted members", () => {
    const text = [
      "create KUBE-CLUSTER-IP hash:ip,port family inet hashsize 1024 maxelem 65536",
      "add KUBE-CLUSTER-IP 10.96.0.1,tcp:443",
      "create cali40s:abc hash:net family inet hashsize 1024 maxelem 1048576 bucketsize 12 initval 0x1",
      "add cali40s:abc 10.1.0.0/16",
      "add cali40s:abc 10.0.0.1",
      "create cali60s:abc hash:net family inet6 hashsize 1024 maxelem 1048576",
    ].join("\n");
    expect(parseIpsetSave(text)).toEqual([
      { name: "cali40s:abc", type: "hash:net", family: "inet", maxelem: 1048576, members: ["10.0.0.1", "10.1.0.0/16"] },
      { name: "cali60s:abc", type: "hash:net", family: "inet6", maxelem: 1048576, members: [] },
    ]);
  });
});
