/**
 * Set elements and anonymous-set contents in nft syntax.
 *
 * nft rejects overlapping elements in an interval set ("conflicting intervals specified") unless
 * the set has `auto-merge`; rather than depend on that flag, CIDR lists are reduced to the
 * minimal list of prefixes covering exactly the same addresses (contained prefixes dropped,
 * adjacent ones merged), so the declared elements are exactly what the kernel holds.
 */
import type { Family, IpSet, PortRange } from "../../compiler/ir/types.js";
import { aggregateCidrs } from "../../compiler/passes/cidrMath.js";

function internal(message: string): Error {
  return new Error(`internal error (nftables backend): ${message}`);
}

function familyOfAddress(address: string): Family {
  return address.includes(":") ? 6 : 4;
}

/**
 * The minimal, sorted, non-overlapping prefix list covering `cidrs` (CIDRs or bare addresses,
 * all of `family`). Throws (an internal error) on a member of the other family.
 */
export function intervalElements(cidrs: readonly string[], family: Family, owner: string): readonly string[] {
  for (const cidr of cidrs) {
    if (familyOfAddress(cidr) !== family) throw internal(`${owner} holds ${cidr}, which is not IPv${family}`);
  }
  return aggregateCidrs(cidrs);
}

/** Whether a `net` member is one address: no prefix, or a full-length one (`/32`, `/128`). */
export function isSingleAddress(member: string): boolean {
  const slash = member.indexOf("/");
  return slash < 0 || member.slice(slash + 1) === (member.includes(":") ? "128" : "32");
}

/**
 * The members of a `net` set that holds single addresses only, as addresses (a full-length
 * prefix dropped): the elements of a set without `flags interval`, which nft rejects prefixes
 * in. Throws (an internal error) on a member of the other family.
 */
export function addressElements(members: readonly string[], family: Family, owner: string): readonly string[] {
  const out: string[] = [];
  for (const member of members) {
    if (familyOfAddress(member) !== family) throw internal(`${owner} holds ${member}, which is not IPv${family}`);
    const slash = member.indexOf("/");
    const address = slash < 0 ? member : member.slice(0, slash);
    if (out[out.length - 1] !== address) out.push(address);
  }
  return out;
}

/**
 * Whether a `net` set needs `flags interval`: only when it holds a prefix shorter than one
 * address. A set of single addresses is a plain hash set, which nft 1.0.6 changes cheaply: for
 * an element added to or deleted from any interval set, nft first fetches the elements of every
 * interval set of the table (on shape L, seconds for the pod sets), and for one of a plain set
 * nothing. A set that comes to hold a prefix (or loses its last) is replaced by the applier.
 */
export function needsInterval(set: IpSet): boolean {
  return set.type === "net" && !set.members.every(isSingleAddress);
}

/** Protocol names valid both in nft's `inet_proto` type and in ipset's hash:ip,port members. */
const PORT_PROTOCOLS: ReadonlySet<string> = new Set(["tcp", "udp", "sctp"]);

/** An `addrPort` member (`10.0.0.1,tcp:8080`, ipset syntax) as nft's `10.0.0.1 . tcp . 8080`. */
export function addrPortElement(member: string, family: Family, owner: string): string {
  const comma = member.lastIndexOf(",");
  const address = member.slice(0, comma);
  const [protocol, port, ...rest] = member.slice(comma + 1).split(":");
  const portNumber = Number(port);
  if (
    comma <= 0 || rest.length > 0 || protocol === undefined || !PORT_PROTOCOLS.has(protocol) ||
    !/^\d+$/.test(port ?? "") || portNumber > 65535 || familyOfAddress(address) !== family || !/^[0-9A-Fa-f.:]+$/.test(address)
  ) {
    throw internal(`${owner} has a malformed IPv${family} address-port member ${JSON.stringify(member)}`);
  }
  return `${address} . ${protocol} . ${portNumber}`;
}

/**
 * A set's elements in nft syntax: for `net` sets prefixes (`needsInterval`) or addresses, for
 * `addrPort` concatenations.
 */
export function setElements(set: IpSet): readonly string[] {
  const owner = `set ${set.id}`;
  if (set.type === "net") return needsInterval(set) ? intervalElements(set.members, set.family, owner) : addressElements(set.members, set.family, owner);
  return [...new Set(set.members.map((m) => addrPortElement(m, set.family, owner)))].sort();
}

/** Sorted ranges with overlapping and adjacent ones joined. */
export function normalizeRanges(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a.first - b.first || a.last - b.last);
  const out: { first: number; last: number }[] = [];
  for (const r of sorted) {
    if (r.first > r.last || r.first < 0 || r.last > 65535) throw internal(`bad port range ${r.first}-${r.last}`);
    const top = out[out.length - 1];
    if (top !== undefined && r.first <= top.last + 1) top.last = Math.max(top.last, r.last);
    else out.push({ first: r.first, last: r.last });
  }
  return out;
}

/** Whether no two of the ranges share a port. */
export function rangesDisjoint(ranges: readonly PortRange[]): boolean {
  const sorted = [...ranges].sort((a, b) => a.first - b.first);
  return sorted.every((r, i) => i === 0 || r.first > (sorted[i - 1]?.last ?? -1));
}

/** `80`, `1000-2000`, or an anonymous set `{ 80, 1000-2000 }` when there are several. */
export function portsExpression(ranges: readonly PortRange[]): string {
  const items = normalizeRanges(ranges).map((r) => (r.first === r.last ? `${r.first}` : `${r.first}-${r.last}`));
  if (items.length === 0) throw internal("a ports match needs at least one range");
  return items.length === 1 ? (items[0] ?? "") : `{ ${items.join(", ")} }`;
}

/** The minimal prefix list of `cidrs`: one prefix, or an anonymous interval set `{ a, b }`. */
export function addressExpression(cidrs: readonly string[], family: Family): string {
  if (cidrs.length === 0) throw internal("an address match needs at least one CIDR");
  const items = intervalElements(cidrs, family, "an address match");
  return items.length === 1 ? (items[0] ?? "") : `{ ${items.join(", ")} }`;
}
