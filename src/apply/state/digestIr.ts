/**
 * All the digests of an IR at once (fingerprint.ts), for an apply through the ledger that works
 * them out while its probes run. A set's digest is the one its backend's ledger records: the
 * members' for iptables (`membersDigest`), the whole set's for nftables (`setFingerprint`).
 */
import type { Chain, Family, IpSet, Ir } from "../../compiler/ir/types.js";
import { chainFingerprint, membersDigest } from "./fingerprint.js";

/** The digests of an IR's chains and sets, by object (`chainFingerprint`, the set digest given). */
export interface IrDigests {
  chain(family: Family, chain: Chain): string;
  set(set: IpSet): string;
}

/** The members' digest of a set: what the iptables ledger records. */
export function setMembersDigest(set: IpSet): string {
  return membersDigest(set.members);
}

/**
 * Every digest of `ir`, worked out now: an apply through the ledger does this while its probes
 * run (their processes on another core), so that its desired state only looks them up. Objects
 * not in `ir` are digested when asked.
 */
export function digestIr(ir: Ir, setDigest: (set: IpSet) => string = setMembersDigest): IrDigests {
  const chains = { 4: new Map<Chain, string>(), 6: new Map<Chain, string>() };
  const sets = new Map<IpSet, string>();
  for (const fam of [ir.v4, ir.v6]) {
    for (const table of fam.tables) for (const chain of table.chains) chains[fam.family].set(chain, chainFingerprint(fam.family, chain));
    for (const set of fam.sets) sets.set(set, setDigest(set));
  }
  return {
    chain: (family, chain) => chains[family].get(chain) ?? chainFingerprint(family, chain),
    set: (set) => sets.get(set) ?? setDigest(set),
  };
}
