/**
 * ipset state: parsing `ipset save` and normalizing members, so that what we want
 * (`10.0.0.1/32`, from the IR) and what the kernel prints (`10.0.0.1`) compare equal.
 */
import ipaddr from "ipaddr.js";
import type { SetState } from "./iptablesState.js";
import { ownedSetFamily } from "./iptablesState.js";

/**
 * The kernel's spelling of a member: addresses in canonical form (IPv6 compressed, lower case),
 * a CIDR with its host bits cleared, and a full-length prefix (`/32`, `/128`) left out, as
 * `ipset save` prints them. `addr,proto:port` members get the same treatment on the address.
 * Text that does not parse is returned unchanged.
 */
export function normalizeMember(member: string): string {
  const comma = member.indexOf(",");
  if (comma >= 0) return `${normalizeAddress(member.slice(0, comma))}${member.slice(comma)}`;
  return normalizeAddress(member);
}

/** Dotted-quad IPv4 or colon-separated IPv6, with an optional prefix length; nothing looser. */
const ADDRESS = /^(\d{1,3}(\.\d{1,3}){3}|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)(\/\d{1,3})?$/;

/** Plain dotted-quad IPv4 with an optional prefix: the common case, normalized without ipaddr.js. */
const V4 = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})(?:\/(\d{1,2}))?$/;

function normalizeV4(m: RegExpExecArray): string | undefined {
  const octets = [m[1], m[2], m[3], m[4]].map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  const length = m[5] === undefined ? 32 : Number(m[5]);
  if (length > 32) return undefined;
  if (length === 32) return octets.join(".");
  const value = octets.reduce((v, o) => v * 256 + o, 0);
  const network = length === 0 ? 0 : value - (value % 2 ** (32 - length));
  return `${[24, 16, 8, 0].map((shift) => Math.floor(network / 2 ** shift) % 256).join(".")}/${length}`;
}

function normalizeAddress(text: string): string {
  const v4 = V4.exec(text);
  if (v4 !== null) return normalizeV4(v4) ?? text;
  // ipaddr.js also reads `8080` as an IPv4 address (0.0.31.144); a port must stay a port.
  if (!ADDRESS.test(text)) return text;
  try {
    if (!text.includes("/")) return ipaddr.parse(text).toString();
    const [address, length] = ipaddr.parseCIDR(text);
    const full = address.kind() === "ipv4" ? 32 : 128;
    if (length === full) return address.toString();
    const network = address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
    return `${network.toString()}/${length}`;
  } catch {
    return text;
  }
}

/** Words after `create <name>`: `<type> family inet hashsize 1024 maxelem 65536 …`. */
function createOptions(words: readonly string[]): Omit<SetState, "name" | "members"> {
  const value = (key: string): string | undefined => {
    const i = words.indexOf(key);
    return i < 0 ? undefined : words[i + 1];
  };
  const family = value("family") === "inet6" ? "inet6" : "inet";
  // ipset(8): maxelem defaults to 65536 and is always printed by `save`.
  return { type: words[0] ?? "", family, maxelem: Number(value("maxelem") ?? 65536) };
}

/**
 * Parses `ipset save` output, keeping only our sets (`cali4…`, `cali6…`). Members are
 * normalized and sorted.
 */
export function parseIpsetSave(text: string): SetState[] {
  const sets = new Map<string, { options: Omit<SetState, "name" | "members">; members: string[] }>();
  for (const raw of text.split("\n")) {
    const words = raw.trim().split(/\s+/);
    const [verb, name] = words;
    if (name === undefined || ownedSetFamily(name) === undefined) continue;
    if (verb === "create") sets.set(name, { options: createOptions(words.slice(2)), members: [] });
    else if (verb === "add" && words[2] !== undefined) sets.get(name)?.members.push(normalizeMember(words[2]));
  }
  return [...sets].map(([name, s]) => ({ name, ...s.options, members: [...new Set(s.members)].sort() }));
}
