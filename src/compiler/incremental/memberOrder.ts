/**
 * The orders of set members, as sort keys: the incremental compiler keeps each set's members
 * sorted and inserts into them, so it must sort exactly as the full compile does (setBuilder.ts,
 * serviceSets.ts, and cidrMath.ts for aggregated sets). A key's `<` order is the members' order;
 * keys of one order are all numbers or all strings.
 *
 * - `net` members as the full compile lists them: IPv4 by address, then prefix length; IPv6 by
 *   text.
 * - `net` members by address (then prefix length), both families: the order aggregation reads
 *   and writes.
 * - `addrPort` members (`address,proto:port`): IPv4 by address, then the rest as text; IPv6 by
 *   text (',' sorts before every character of an address, so that is by address text, then the
 *   rest). Endpoints' addresses are single addresses (validation requires it), so no two
 *   members differ in prefix length alone.
 */
import type { Family, SetType } from "../ir/types.js";
import { v4SortKey, v6AddressKey } from "../passes/cidrMath.js";

export type SortKey = number | string;

/** A member's sort key. */
export type MemberOrder = (member: string) => SortKey;

const text: MemberOrder = (m) => m;

/** IPv6 by address then prefix length (cidrMath.ts `v6AddressKey`). */
const v6ByAddress: MemberOrder = v6AddressKey;

/** IPv4 `address,proto:port`: 8 hex digits of the address, then the rest as written. */
const v4AddrPort: MemberOrder = (m) => {
  const comma = m.indexOf(",");
  const address = Math.floor(v4SortKey(comma < 0 ? m : m.slice(0, comma)) / 64);
  return address.toString(16).padStart(8, "0") + (comma < 0 ? "" : m.slice(comma));
};

/** The order of a set's members in the IR (`aggregated`: a `net` set after aggregateCidrs). */
export function memberOrder(type: SetType, family: Family, aggregated: boolean): MemberOrder {
  if (type === "addrPort") return family === 4 ? v4AddrPort : text;
  if (family === 4) return v4SortKey;
  return aggregated ? v6ByAddress : text;
}

/** The address order of CIDRs of a family, the order aggregation works in. */
export function addressOrder(family: Family): MemberOrder {
  return family === 4 ? v4SortKey : v6ByAddress;
}

/** `-1`, `0` or `1` as `a` sorts before, with or after `b`. */
export function compareKeys(a: SortKey, b: SortKey): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The members sorted by their keys (each key computed once). */
export function sortMembers(members: readonly string[], order: MemberOrder): string[] {
  const keys = members.map(order);
  const index = Array.from(members, (_, i) => i);
  index.sort((x, y) => compareKeys(keys[x]!, keys[y]!));
  return index.map((i) => members[i]!);
}
