/**
 * The desired nftables state of a node, built piece by piece with the backend's own renderer
 * (`familyPieces`): each set and chain is rendered as the script renders it and read back with
 * the script's parser, so the result equals `parseRenderedNft(renderNftables(ir))` (checked in
 * desiredNftables.test.ts). Pieces that stand for one IR object carry that object's digest;
 * with `reuse` (a ledger), a piece whose digest is unchanged since the last apply is not
 * rendered at all.
 */
import { familyPieces, type NftPiece } from "../backends/nftables/renderNftables.js";
import type { FamilyIr, Ir } from "../compiler/ir/types.js";
import { chainFingerprint, setFingerprint } from "./fingerprint.js";
import type { NftChain, NftSet, NftTable } from "./nftState.js";
import { parseRenderedNft } from "./nftState.js";

/** What a ledger already knows: pieces whose IR digest is unchanged, as the kernel holds them. */
export interface NftReuse {
  chain(family: "ip" | "ip6", name: string, fingerprint: string): NftChain | undefined;
  set(family: "ip" | "ip6", name: string, fingerprint: string): NftSet | undefined;
}

export interface NftDesiredOptions {
  readonly reuse?: NftReuse;
  /** Also build each table's whole creation script (needed to re-create a table). */
  readonly script?: boolean;
}

function fingerprintOf(piece: NftPiece, familyIr: FamilyIr): string | undefined {
  if (piece.source === undefined) return undefined;
  return "set" in piece.source ? setFingerprint(piece.source.set) : chainFingerprint(familyIr.family, piece.source.chain);
}

/** One rendered piece read back with the script parser. */
function parsePiece(family: "ip" | "ip6", table: string, lines: readonly string[]): { chain?: NftChain; set?: NftSet } {
  const [parsed] = parseRenderedNft([`table ${table} {`, ...lines, "}"].join("\n"));
  if (parsed?.family !== family) throw new Error(`internal error: nft piece of ${table} did not parse`);
  return { ...(parsed.chains[0] === undefined ? {} : { chain: parsed.chains[0] }), ...(parsed.sets[0] === undefined ? {} : { set: parsed.sets[0] }) };
}

function desiredTable(familyIr: FamilyIr, options: NftDesiredOptions): NftTable {
  const { table, pieces } = familyPieces(familyIr);
  const family = familyIr.family === 4 ? "ip" : "ip6";
  const chains: NftChain[] = [];
  const sets: NftSet[] = [];
  const script = options.script === true ? [`table ${table} {}`, `delete table ${table}`, `table ${table} {`] : undefined;
  for (const piece of pieces) {
    const fingerprint = fingerprintOf(piece, familyIr);
    const reused = fingerprint === undefined || script !== undefined ? undefined : piece.kind === "chain" ? options.reuse?.chain(family, piece.name, fingerprint) : options.reuse?.set(family, piece.name, fingerprint);
    if (reused !== undefined) {
      if (piece.kind === "chain") chains.push(reused as NftChain);
      else sets.push(reused as NftSet);
      continue;
    }
    const lines = piece.render();
    if (script !== undefined) for (const line of lines) script.push(line);
    const parsed = parsePiece(family, table, lines);
    const digest = fingerprint === undefined ? {} : { fingerprint };
    if (parsed.chain !== undefined) chains.push({ ...parsed.chain, ...digest });
    if (parsed.set !== undefined) sets.push({ ...parsed.set, ...digest });
  }
  script?.push("}");
  return { family, chains, sets, ...(script === undefined ? {} : { script }) };
}

/** Our two tables as `ir` wants them. Pure; throws only on a broken IR invariant. */
export function desiredNftTables(ir: Ir, options: NftDesiredOptions = {}): NftTable[] {
  return [desiredTable(ir.v4, options), desiredTable(ir.v6, options)];
}
