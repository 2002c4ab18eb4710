/**
 * Short digests of the IR, so that an apply can tell which chains and sets changed since the
 * last one without rendering them (rendering and hashing every rule of a 170k-rule node costs
 * seconds; serializing and digesting its IR costs a fraction of that). Not a security boundary:
 * SHA-1 is used for speed and length, and a collision would only make a chain look unchanged.
 */
import { createHash, type Hash } from "node:crypto";
import type { Chain, Family, IpSet } from "../../compiler/ir/types.js";

/**
 * A digest of one IR chain in one family. The chain's rendered rules depend on nothing else:
 * jump targets and set names are fixed functions of the names the chain mentions.
 */
export function chainFingerprint(family: Family, chain: Chain): string {
  return createHash("sha1").update(`${family}\n`).update(JSON.stringify(chain)).digest("base64url");
}

/** Members joined per update: a native call per member would cost more than the digest. */
const MEMBERS_PER_UPDATE = 4096;

/**
 * `members` joined with newlines, fed to `hash` a few thousand at a time: the same bytes as one
 * join, but a join of a million members makes a string of megabytes, which costs five times the
 * digest (on shape L, 0.19 s against 0.04 s of CPU for all sets).
 */
function updateJoined(hash: Hash, members: readonly string[]): Hash {
  for (let i = 0; i < members.length; i += MEMBERS_PER_UPDATE) {
    const chunk = members.slice(i, i + MEMBERS_PER_UPDATE).join("\n");
    hash.update(i === 0 ? chunk : `\n${chunk}`);
  }
  return hash;
}

/** A digest of a set's members as the IR lists them (before kernel normalization). */
export function membersDigest(members: readonly string[]): string {
  return updateJoined(createHash("sha1"), members).digest("base64url");
}

/**
 * A digest of a whole IR set: id, type, family, comment and members (the members joined, not
 * serialized: a set of a million members digests in a fraction of the time).
 */
export function setFingerprint(set: IpSet): string {
  return updateJoined(createHash("sha1").update(JSON.stringify([set.id, set.type, set.family, set.comment])).update("\n"), set.members).digest("base64url");
}
