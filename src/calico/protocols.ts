/**
 * IP protocols by the names Calico accepts in rules (case-sensitive in v3:
 * api/pkg/lib/numorstring/protocol.go; validated in libcalico-go/lib/validator/v3/validator.go)
 * and their IANA numbers.
 */

/** Calico's protocol names and their IP protocol numbers. */
export const PROTOCOL_NUMBERS = {
  TCP: 6,
  UDP: 17,
  ICMP: 1,
  ICMPv6: 58,
  SCTP: 132,
  UDPLite: 136,
} as const satisfies Readonly<Record<string, number>>;

export type ProtocolName = keyof typeof PROTOCOL_NUMBERS;

/** Every name, in Calico's documentation order. */
export const PROTOCOL_NAMES: readonly ProtocolName[] = Object.keys(PROTOCOL_NUMBERS) as ProtocolName[];

export function isProtocolName(name: string): name is ProtocolName {
  return Object.prototype.hasOwnProperty.call(PROTOCOL_NUMBERS, name);
}

/**
 * A protocol as written in a rule (a name, a number, or a digit string, which Calico stores as a
 * number) to its number; undefined for an unknown name (validation reports those).
 */
export function protocolNumber(protocol: string | number): number | undefined {
  if (typeof protocol === "number") return protocol;
  if (/^[0-9]+$/.test(protocol)) return Number(protocol);
  return isProtocolName(protocol) ? PROTOCOL_NUMBERS[protocol] : undefined;
}

/** ICMP is IPv4-only and ICMPv6 IPv6-only. */
export const ICMP_NUMBER = PROTOCOL_NUMBERS.ICMP;
export const ICMPV6_NUMBER = PROTOCOL_NUMBERS.ICMPv6;

/** Protocols whose rules may match ports (api/pkg/apis/projectcalico/v3/policy_common.go CEL rules). */
export const PORT_PROTOCOL_NUMBERS: readonly number[] = [PROTOCOL_NUMBERS.TCP, PROTOCOL_NUMBERS.UDP, PROTOCOL_NUMBERS.SCTP];
