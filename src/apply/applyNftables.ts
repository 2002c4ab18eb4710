/**
 * `apply` for the nftables backend: read our two tables, plan one transaction, run it after
 * `nft --check`. The transaction is atomic, so a failure leaves the node untouched and there is
 * nothing to roll back.
 */
import { renderNftables } from "../backends/nftables/index.js";
import type { Ir } from "../compiler/ir/types.js";
import type { BackendOutcome } from "./applyIptables.js";
import type { ApplyCache } from "./cache.js";
import { freshEntry } from "./cache.js";
import type { Exec } from "./exec.js";
import { executePlan } from "./execute.js";
import type { NftTable } from "./nftState.js";
import { parseNftJson, parseRenderedNft } from "./nftState.js";
import { NFT_TABLE, planNftables } from "./planNftables.js";
import { stepError } from "./stepError.js";

/**
 * Reads `nft -j list table <family> policyc` for both families at once (each listing takes
 * seconds on a node with a million set elements); a missing table is absent.
 */
export async function readNftState(exec: Exec): Promise<NftTable[]> {
  const read = async (family: "ip" | "ip6"): Promise<NftTable | undefined> => {
    const argv = ["nft", "-j", "list", "table", family, NFT_TABLE];
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

/** The desired tables: the backend's rendered script, read back (see nftState.ts). */
export function desiredNftState(ir: Ir): NftTable[] {
  return parseRenderedNft(renderNftables(ir).map((f) => f.contents).join("\n"));
}

export async function applyNftables(ir: Ir, options: { readonly exec: Exec; readonly dryRun: boolean; readonly cache?: ApplyCache }): Promise<BackendOutcome> {
  const { cache } = options;
  const cached = freshEntry(cache, "nftables", Date.now());
  const readAt = cached?.readAt ?? Date.now();
  const desired = desiredNftState(ir);
  const plan = planNftables(desired, cached?.state ?? (await readNftState(options.exec)));
  const notes = cached === undefined ? [] : ["kernel state from the agent's cache"];
  if (options.dryRun) return { plan, notes };
  const failure = plan.steps.length === 0 ? undefined : await executePlan(plan, options.exec, () => Promise.resolve());
  // After a successful transaction our tables are exactly the desired ones.
  if (cache !== undefined) cache.entry = failure === undefined ? { backend: "nftables", state: desired, readAt } : undefined;
  return failure === undefined ? { plan, notes } : { plan, notes, failure };
}
