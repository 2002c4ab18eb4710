/**
 * Felix's chained rule hashes, carried in each rule's `cali:<hash>` comment so a later run can
 * tell our rules apart (and tell which changed) without parsing iptables output.
 *
 * Byte layout (checked against Felix's fixed example, see ruleHash.test.ts):
 * - `h0 = SHA-224(utf8(chainName))`, the raw 28-byte digest.
 * - `h_i = SHA-224(h_{i-1} ‖ utf8(renderForHash(rule_i)))`, where `h_{i-1}` is the raw 28-byte
 *   digest (not hex, not base64) and the rule text follows it directly, with no separator.
 * - The recorded hash is the first 16 characters of base64url(h_i) (alphabet `A-Za-z0-9-_`;
 *   padding never reaches the first 16 characters).
 * `renderForHash` is the rule as iptables-restore would see it, with the literal `HASH` in place
 * of the hash comment: `-A <chain> HASH <comments…> <match> <action>`.
 */
import { createHash } from "node:crypto";

/** Characters of base64url(digest) kept in the comment. */
export const RULE_HASH_LENGTH = 16;

/** The placeholder that stands for the hash comment while hashing. */
export const HASH_PLACEHOLDER = "HASH";

/**
 * The hashes of a chain's rules, in order. `seed` is the chain name (for hooks: the kernel chain
 * name); `renderedForHash[i]` is rule i rendered with `HASH` in place of its hash comment.
 */
export function ruleHashes(seed: string, renderedForHash: readonly string[]): string[] {
  let previous = createHash("sha224").update(seed, "utf8").digest();
  return renderedForHash.map((text) => {
    previous = createHash("sha224").update(previous).update(text, "utf8").digest();
    return previous.toString("base64url").slice(0, RULE_HASH_LENGTH);
  });
}
