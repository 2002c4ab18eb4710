import { describe, expect, it } from "vitest";
import { ruleHashes } from "./ruleHash.js";
import { renderForHash } from "./renderRule.js";

describe("ruleHashes", () => {
  it("matches Felix's fixed example (calico:felix/iptables/table_test.go)", () => {
    const text = renderForHash("FORWARD", { comments: [], match: "", action: "--jump cali-FORWARD" });
    expect(text).toBe("-A FORWARD HASH --jump cali-FORWARD");
    expect(ruleHashes("FORWARD", [text])).toEqual(["wUHhoiAYhphO9Mso"]);
  });

  it("chains: changing rule 0 changes every later hash, changing rule 1 keeps hash 0", () => {
    const base = ruleHashes("cali-x", ["-A cali-x HASH --jump ACCEPT", "-A cali-x HASH --jump DROP"]);
    const changed0 = ruleHashes("cali-x", ["-A cali-x HASH --jump RETURN", "-A cali-x HASH --jump DROP"]);
    const changed1 = ruleHashes("cali-x", ["-A cali-x HASH --jump ACCEPT", "-A cali-x HASH --jump RETURN"]);
    expect(changed0[0]).not.toBe(base[0]);
    expect(changed0[1]).not.toBe(base[1]);
    expect(changed1[0]).toBe(base[0]);
    expect(changed1[1]).not.toBe(base[1]);
  });

  it("depends on the chain name and yields 16 base64url characters", () => {
    const [a] = ruleHashes("cali-a", ["-A cali-a HASH --jump ACCEPT"]);
    const [b] = ruleHashes("cali-b", ["-A cali-a HASH --jump ACCEPT"]);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });
});
