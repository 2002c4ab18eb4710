/**
 * Short digests of the IR, so that an apply can tell which chains and sets changed since the
 * last one without rendering them (rendering and hashing every rule of a 170k-rule node costs
 * seconds; serializing and digesting its IR costs a fraction of that). Not a security boundary:
 * SHA-1 is used for speed and length, and a collision would only make a chain look unchanged.
 */
import { createHash } from "node:crypto";
import type { Chain, Family, IpSet } from "../../compiler/ir/types.js";

/**
 * A digest of one IR chain in one family. The chain's rendered rules depend on nothing else:
 * jump targets and set names are fixed functions of the names the chain mentions.
 */
export function chainFingerprint(family: Family, chain: Chain): string {
  return createHash("sha1").update(`${family}\n`).update(JSON.stringify(chain)).digest("base64url");
}

/** A digest of a set's members as the IR lists them (before kernel normalization). */
export function membersDigest(members: readonly string[]): string {
  // One join and one update: a native call per member would cost more than the digest.
  return createHash("sha1").update(members.join("\n")).digest("base64url");
}

/**
 * A digest of a whole IR set: id, type, family, comment and members (the members joined, not
 * serialized: a set of a million members digests in a fraction of the time).
 */
export function setFingerprint(set: IpSet): string {
  return createHash("sha1").update(JSON.stringify([set.id, set.type, set.family, set.comment])).update("\n").update(set.members.join("\n")).digest("base64url");
}
