/**
 * The backend-neutral intermediate representation.
 *
 * Design
 * - Plain, readonly, JSON-serializable data, shaped like netfilter: per IP family, tables of
 *   chains of ordered rules, plus named sets. Both the iptables and nftables backends lower from
 *   it; the IR interpreter evaluates it exactly as netfilter would.
 * - Chain names are logical, in Felix's scheme (`cali-pi-gnp/default.foo`); a backend shortens or
 *   prefixes them to fit its own limits (iptables: 28 characters).
 * - A rule is a conjunction of matches plus one action. Inside one match, a positive list is an
 *   OR (any of the CIDRs, ports); a negated list is a NOR (none of them).
 * - Sets are referenced by id; a backend derives its own name from the id (`cali40` + id, cut to
 *   31 characters for ipset).
 */

export type Family = 4 | 6;
export type TableName = "filter" | "raw" | "mangle" | "nat";
export type KernelChain = "PREROUTING" | "INPUT" | "FORWARD" | "OUTPUT" | "POSTROUTING";
export type Direction = "src" | "dst";

/** An inclusive port range; a single port has `first === last`. */
export interface PortRange {
  readonly first: number;
  readonly last: number;
}

/** Conntrack states, and `DNAT` (the connection's destination was translated: iptables' `--ctstate DNAT`, nft's `ct status dnat`). */
export type ConntrackState = "NEW" | "ESTABLISHED" | "RELATED" | "INVALID" | "UNTRACKED" | "DNAT";

export type Match =
  /** IP protocol number (6 TCP, 17 UDP, 1 ICMP, 58 ICMPv6, 132 SCTP, ...). */
  | { readonly kind: "protocol"; readonly protocol: number; readonly negate: boolean }
  /** Source or destination address in any of (or, negated, none of) the CIDRs. */
  | { readonly kind: "addr"; readonly dir: Direction; readonly cidrs: readonly string[]; readonly negate: boolean }
  /** Address is (or is not) a member of an address set. */
  | { readonly kind: "set"; readonly dir: Direction; readonly set: string; readonly negate: boolean }
  /** (address, protocol, port) is a member of an address-port set (named ports). */
  | { readonly kind: "addrPortSet"; readonly dir: Direction; readonly set: string; readonly negate: boolean }
  /** L4 port in any of (or none of) the ranges; the rule must also match a protocol with ports. */
  | { readonly kind: "ports"; readonly dir: Direction; readonly ranges: readonly PortRange[]; readonly negate: boolean }
  /** ICMP (v4) or ICMPv6 (v6) type and optional code. */
  | { readonly kind: "icmp"; readonly type: number; readonly code?: number; readonly negate: boolean }
  /** Input or output interface; `prefix` means a wildcard (`cali+`, `cali*`). */
  | { readonly kind: "iface"; readonly dir: "in" | "out"; readonly name: string; readonly prefix: boolean; readonly negate: boolean }
  /** `(packet mark & mask) === value`, or its negation. */
  | { readonly kind: "mark"; readonly value: number; readonly mask: number; readonly negate: boolean }
  /** Connection-tracking state is one of the states (negated: none of them). */
  | { readonly kind: "ctstate"; readonly states: readonly ConntrackState[]; readonly negate?: boolean }
  /** The source or destination address is (or is not) one of the node's own (`-m addrtype`, `fib ... type local`). */
  | { readonly kind: "addrType"; readonly dir: Direction; readonly type: "LOCAL"; readonly negate: boolean };

export type Action =
  | { readonly kind: "accept" }
  | { readonly kind: "drop" }
  | { readonly kind: "return" }
  | { readonly kind: "jump"; readonly chain: string }
  | { readonly kind: "goto"; readonly chain: string }
  /** `mark = (mark & ~mask) | value`; non-terminal. */
  | { readonly kind: "setMark"; readonly value: number; readonly mask: number }
  /** Log and continue (iptables LOG, nft `log`). */
  | { readonly kind: "log"; readonly prefix: string }
  /** Leave the packet untracked (raw table only; iptables NOTRACK, nft `notrack`); non-terminal. */
  | { readonly kind: "notrack" }
  /** No action: the rule only carries a comment (Felix's empty policy chain). */
  | { readonly kind: "none" }
  /** Source NAT to the outgoing interface's address (nat table, POSTROUTING); terminal. */
  | { readonly kind: "masquerade" };

export interface Rule {
  readonly matches: readonly Match[];
  readonly action: Action;
  /** Human comments (not the `cali:` hash, which a backend computes). */
  readonly comments: readonly string[];
}

export interface Chain {
  readonly name: string;
  readonly rules: readonly Rule[];
}

/** A rule that sends traffic from a kernel (base) chain into one of our chains. */
export interface Hook {
  readonly kernelChain: KernelChain;
  /** Our chain that the hook jumps to. */
  readonly target: string;
  /** Felix inserts most hooks at the top; nat POSTROUTING is appended. */
  readonly position: "insert" | "append";
  readonly matches: readonly Match[];
}

export interface Table {
  readonly name: TableName;
  readonly hooks: readonly Hook[];
  /** Our chains, sorted by name. */
  readonly chains: readonly Chain[];
}

export type SetType = "net" | "addrPort";

/**
 * A named set. `net` members are CIDRs (`10.0.0.1/32`); `addrPort` members are
 * `address,protocol:port` with protocol `tcp`, `udp` or `sctp` (ipset's hash:ip,port syntax).
 */
export interface IpSet {
  readonly id: string;
  readonly type: SetType;
  readonly family: Family;
  /** Sorted, de-duplicated. */
  readonly members: readonly string[];
  /** What the set stands for, e.g. the canonical selector. */
  readonly comment: string;
}

export interface FamilyIr {
  readonly family: Family;
  /** Tables in the order filter, raw, mangle, nat; only tables we have chains in. */
  readonly tables: readonly Table[];
  /** Sorted by id. */
  readonly sets: readonly IpSet[];
}

/** Mark bits, as Felix allocates them from 0xffff0000. */
export interface MarkBits {
  readonly accept: number;
  readonly pass: number;
  readonly drop: number;
  readonly scratch0: number;
  readonly scratch1: number;
}

export interface Ir {
  readonly marks: MarkBits;
  readonly v4: FamilyIr;
  readonly v6: FamilyIr;
}
