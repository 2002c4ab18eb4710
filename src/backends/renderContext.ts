/** What both backends need to render a rule besides the rule itself. */
import type { Family } from "../compiler/ir/types.js";

/** The family, and the names the backend chose for chains and sets. */
export interface RenderContext {
  readonly family: Family;
  /** Logical chain name → the backend's chain name, for every chain of the table. */
  readonly chainNames: ReadonlyMap<string, string>;
  /** Set id → the backend's set name, for every set of the family. */
  readonly setNames: ReadonlyMap<string, string>;
  /** Set id → set type, to check that `set`/`addrPortSet` matches use the right kind of set. */
  readonly setTypes: ReadonlyMap<string, "net" | "addrPort">;
}

/**
 * Protocol names by IP protocol number, as `iptables-save` prints them and nft's `meta l4proto`
 * reads them (both from /etc/protocols); other protocols are written as numbers.
 */
export const PROTOCOL_NAMES: Readonly<Record<number, string>> = { 1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp", 136: "udplite" };
