/**
 * All the digests of an IR at once (fingerprint.ts), for an apply through the ledger that works
 * them out while its probes run.
 */
import type { Chain, Family, IpSet, Ir } from "../../compiler/ir/types.js";
import { chainFingerprint, membersDigest } from "./fingerprint.js";

/** The digests of an IR's chains and sets, by object (`chainFingerprint`, `membersDigest`). */
export interface IrDigests {
  chain(family: Family, chain: Chain): string;
  members(set: IpSet): string;
}

/**
 * Every digest of `ir`, worked out now: an apply through the ledger does this while its probes
 * run (their processes on another core), so that its desired state only looks them up. Objects
 * not in `ir` are digested when asked.
 */
export function digestIr(ir: Ir): IrDigests {
  const chains = { 4: new Map<Chain, string>(), 6: new Map<Chain, string>() };
  const sets = new Map<IpSet, string>();
  for (const fam of [ir.v4, ir.v6]) {
    for (const table of fam.tables) for (const chain of table.chains) chains[fam.family].set(chain, chainFingerprint(fam.family, chain));
    for (const set of fam.sets) sets.set(set, membersDigest(set.members));
  }
  return {
    chain: (family, chain) => chains[family].get(chain) ?? chainFingerprint(family, chain),
    members: (set) => sets.get(set) ?? membersDigest(set.members),
  };
}
