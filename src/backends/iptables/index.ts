/**
 * The iptables + ipset backend (API contract; implementation in progress).
 */
import type { Ir } from "../../compiler/ir/types.js";

/** A rendered output file. */
export interface OutputFile {
  readonly path: string;
  readonly contents: string;
}

/** Renders `ipset.restore`, `iptables.rules` and `ip6tables.rules`. Pure and deterministic. */
export function renderIptables(_ir: Ir): readonly OutputFile[] {
  throw new Error("not implemented");
}
