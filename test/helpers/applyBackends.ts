/**
 * The three dataplanes a kernel test of `apply` runs on, with the apply options that pick each:
 * iptables through its nf_tables variant (Felix's default where the kernel has it), iptables
 * through legacy xtables, and nftables.
 */
import type { ApplyOptions } from "../../src/apply/apply.js";

export const APPLY_BACKENDS: readonly (readonly [string, Partial<ApplyOptions>])[] = [
  ["iptables-nft", { backendMode: "nft" }],
  ["iptables-legacy", { backendMode: "legacy" }],
  ["nftables", { backend: "nftables" }],
];
