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
import * as crypto from "node:crypto";

/** Characters of base64url(digest) kept in the comment. */
export const RULE_HASH_LENGTH = 16;

/** The placeholder that stands for the hash comment while hashing. */
export const HASH_PLACEHOLDER = "HASH";

/**
 * The hashes of a chain's rules, in order. `seed` is the chain name (for hooks: the kernel chain
 * name); `renderedForHash[i]` is rule i rendered with `HASH` in place of its hash comment.
 */
export function ruleHashes(seed: string, renderedForHash: readonly string[]): string[] {
  let previous = sha224(Buffer.from(seed, "utf8"));
  return renderedForHash.map((text) => {
    // h_{i-1} ‖ utf8(text), assembled in one reused buffer: one hash call per rule, no copies.
    const need = DIGEST_BYTES + Buffer.byteLength(text, "utf8");
    if (need > scratch.length) scratch = Buffer.allocUnsafe(Math.max(need, 2 * scratch.length));
    scratch.set(previous, 0);
    const written = scratch.write(text, DIGEST_BYTES, "utf8");
    previous = sha224(scratch.subarray(0, DIGEST_BYTES + written));
    return previous.toString("base64url").slice(0, RULE_HASH_LENGTH);
  });
}

/** Bytes of a SHA-224 digest. */
const DIGEST_BYTES = 28;

/** The buffer each rule's hash input is assembled in (grown when a rule needs more). */
let scratch = Buffer.allocUnsafe(4096);

/**
 * SHA-224 of `data`. Node's one-shot `crypto.hash` (20.12 and later) saves creating a Hash object
 * per call, which dominates for inputs this small (a compile hashes every rule of every chain);
 * older releases fall back to `createHash`.
 */
const oneShot = (crypto as { hash?: (algorithm: string, data: Buffer, encoding: "buffer") => Buffer }).hash;
const sha224 = (data: Buffer): Buffer => (oneShot ? oneShot("sha224", data, "buffer") : crypto.createHash("sha224").update(data).digest());
