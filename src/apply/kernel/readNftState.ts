/**
 * Reading our nftables tables from the kernel: `nft -j list table <family> policyc`.
 */
import { NFT_TABLE_NAME } from "../../backends/nftables/names.js";
import type { Exec } from "../execution/exec.js";
import { stepError } from "../execution/stepError.js";
import type { NftTable } from "../state/nftState.js";
import { parseNftJson } from "../state/nftState.js";

/**
 * Reads `nft -j list table <family> policyc` for both families at once (each listing takes
 * seconds on a node with a million set elements); a missing table is absent. Throws a
 * StepError when nft fails otherwise.
 */
export async function readNftState(exec: Exec): Promise<NftTable[]> {
  const read = async (family: "ip" | "ip6"): Promise<NftTable | undefined> => {
    const argv = ["nft", "-j", "list", "table", family, NFT_TABLE_NAME];
    const result = await exec.run(argv);
    if (result.code !== 0) {
      if (/No such file or directory/.test(result.stderr)) return undefined;
      throw stepError("reading state", argv, result);
    }
    return parseNftJson(result.stdout, family);
  };
  const tables = await Promise.all([read("ip"), read("ip6")]);
  return tables.filter((t) => t !== undefined);
}
