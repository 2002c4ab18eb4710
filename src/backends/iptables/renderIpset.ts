/**
 * `ipset restore` input for every set of both families, printed from the layout (layout.ts), and
 * the naming of sets.
 *
 * Each set is written the way Felix's full rewrite did it (ipsets.go `writeFullRewrite`): make
 * sure the set exists, fill a temporary set of the same type, `swap` the two and destroy the
 * temporary. Loading the file again therefore replaces each set's members atomically per set
 * instead of piling up stale members or leaving a set empty for a moment, and no rule that uses
 * the set ever sees it missing. `-exist` makes `create` a no-op for a set that already exists with
 * the same type and options (ipset(8)).
 */
import type { Family, FamilyIr, SetType } from "../../compiler/ir/types.js";
import type { IptablesLayout } from "./layout.js";
import { MAX_IPSET_NAME_LENGTH } from "./limits.js";

/**
 * The ipset name for a set ID: `cali` + `4`|`6` + the version token `0` + the ID, cut to 31
 * characters (Felix's `IPVersionConfig.NameForMainIPSet`).
 */
export function ipsetName(family: Family, id: string): string {
  return `cali${family}0${id}`.slice(0, MAX_IPSET_NAME_LENGTH);
}

/** The temporary set used while rewriting the `index`-th set of a family (Felix's `cali4t<N>`). */
export function tempIpsetName(family: Family, index: number): string {
  return `cali${family}t${index}`;
}

/** ipset type for an IR set type: selector sets are `hash:net`, named-port sets `hash:ip,port`. */
export function ipsetType(type: SetType): "hash:net" | "hash:ip,port" {
  return type === "net" ? "hash:net" : "hash:ip,port";
}

/**
 * Names for a family's sets, by ID. Throws (an internal error) if two IDs cut to the same name
 * or a set's family disagrees with the family it is listed under.
 */
export function ipsetNameMap(familyIr: FamilyIr): ReadonlyMap<string, string> {
  const names = new Map<string, string>();
  const owners = new Map<string, string>();
  for (const set of familyIr.sets) {
    if (set.family !== familyIr.family) {
      throw new Error(`internal error: IPv${set.family} set ${set.id} listed under IPv${familyIr.family}`);
    }
    const name = ipsetName(set.family, set.id);
    const owner = owners.get(name);
    if (owner !== undefined && owner !== set.id) {
      throw new Error(`internal error: sets ${owner} and ${set.id} both get the ipset name ${name}`);
    }
    owners.set(name, set.id);
    names.set(set.id, name);
  }
  return names;
}

/**
 * `ipset restore` input creating (or refilling) every set of both families, v4 first, sets in
 * the IR's order, members sorted. Each set uses the temporary set named after its position in
 * its family (`cali4t0`, `cali4t1`, …).
 */
export function printIpsetRestore(layout: IptablesLayout): string {
  const lines = ["# policyc: input for `ipset restore`; sets cali4* are IPv4, cali6* IPv6."];
  for (const fam of [layout.v4, layout.v6]) fam.sets.forEach((set, index) => set.printRestore(tempIpsetName(set.family, index), lines));
  return `${lines.join("\n")}\n`;
}
