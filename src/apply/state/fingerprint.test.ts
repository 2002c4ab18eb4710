import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { membersDigest, setFingerprint } from "./fingerprint.js";

/** The digests as one join defines them (what the chunked updates must equal). */
const joined = (members: readonly string[]): string => createHash("sha1").update(members.join("\n")).digest("base64url");

describe("membersDigest and setFingerprint", () => {
  it("digest the members joined by newlines, whatever the chunking (around each chunk boundary)", () => {
    for (const n of [0, 1, 2, 4095, 4096, 4097, 8191, 8192, 8193, 12_000]) {
      const members = Array.from({ length: n }, (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}/32`);
      expect(membersDigest(members)).toBe(joined(members));
      const set = { id: "s:x", type: "net" as const, family: 4 as const, comment: "all()", members };
      const whole = createHash("sha1").update(JSON.stringify([set.id, set.type, set.family, set.comment])).update("\n").update(members.join("\n")).digest("base64url");
      expect(setFingerprint(set)).toBe(whole);
    }
  });

  it("tell apart member lists that join alike only without their separators", () => {
    expect(membersDigest(["10.0.0.1", "0"])).not.toBe(membersDigest(["10.0.0.10"]));
    expect(membersDigest([])).not.toBe(membersDigest(["x"]));
  });
});
