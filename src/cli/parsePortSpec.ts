import { UsageError } from "./usageError.js";

/** A destination port (or ICMP type) as `explain` and `matrix` take it on the command line. */
export interface PortSpec {
  /** The protocol's name as Calico writes it: `TCP`, `UDP`, `SCTP`, `UDPLite`, `ICMP`, `ICMPv6`. */
  readonly protocol: "TCP" | "UDP" | "SCTP" | "UDPLite" | "ICMP" | "ICMPv6";
  /** The IP protocol number (IANA): TCP 6, UDP 17, SCTP 132, UDPLite 136, ICMP 1, ICMPv6 58. */
  readonly number: number;
  /** Protocols with ports only. */
  readonly port?: number;
  /** ICMP and ICMPv6 only. */
  readonly icmpType?: number;
  readonly icmpCode?: number;
  /** The family the protocol forces: ICMP is IPv4-only, ICMPv6 IPv6-only. */
  readonly family?: 4 | 6;
}

const WITH_PORTS: Readonly<Record<string, { readonly name: PortSpec["protocol"]; readonly number: number }>> = {
  tcp: { name: "TCP", number: 6 },
  udp: { name: "UDP", number: 17 },
  sctp: { name: "SCTP", number: 132 },
  udplite: { name: "UDPLite", number: 136 },
};

/** Echo request: ICMP type 8 (RFC 792), ICMPv6 type 128 (RFC 4443). */
const ECHO_REQUEST: Readonly<Record<4 | 6, number>> = { 4: 8, 6: 128 };

function integer(text: string | undefined, min: number, max: number, what: string, spec: string): number {
  const n = text !== undefined && /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) throw new UsageError(`bad --port '${spec}': ${what} must be ${min}-${max}`);
  return n;
}

/**
 * Parses `--port`: `80/TCP`, `53/UDP`, `80` (TCP), `9/SCTP`, `ICMP`, `ICMP/8`, `ICMP/8/0`,
 * `ICMPv6`, `ICMPv6/128[/0]` (protocol names are case-insensitive). A bare `ICMP` or `ICMPv6`
 * means an echo request (type 8 or 128, code 0), what `ping` sends. Throws a `UsageError` for
 * anything else.
 */
export function parsePortSpec(text: string): PortSpec {
  const parts = text.split("/");
  const first = parts[0] ?? "";
  const icmp = first.toLowerCase() === "icmp" ? 4 : first.toLowerCase() === "icmpv6" ? 6 : undefined;
  if (icmp !== undefined) {
    if (parts.length > 3) throw new UsageError(`bad --port '${text}': expected ${first}[/TYPE[/CODE]]`);
    // ICMP type 255 is reserved and Calico's icmp.type stops at 254 (api/pkg/apis/projectcalico/v3/policy_common.go, `ICMPFields.Type`: lte=254).
    const icmpType = parts[1] === undefined ? ECHO_REQUEST[icmp] : integer(parts[1], 0, 254, "the ICMP type", text);
    const icmpCode = parts[2] === undefined ? 0 : integer(parts[2], 0, 255, "the ICMP code", text);
    return { protocol: icmp === 4 ? "ICMP" : "ICMPv6", number: icmp === 4 ? 1 : 58, icmpType, icmpCode, family: icmp };
  }
  if (parts.length > 2) throw new UsageError(`bad --port '${text}': expected PORT[/PROTOCOL], ICMP[/TYPE[/CODE]] or ICMPv6[/TYPE[/CODE]]`);
  const proto = WITH_PORTS[(parts[1] ?? "tcp").toLowerCase()];
  if (proto === undefined) throw new UsageError(`bad --port '${text}': unknown protocol '${parts[1] ?? ""}' (TCP, UDP, SCTP, UDPLite, ICMP, ICMPv6)`);
  return { protocol: proto.name, number: proto.number, port: integer(first, 1, 65535, "the port", text) };
}

/** The spec back in its canonical command-line form (`80/TCP`, `ICMP/8/0`). */
export function formatPortSpec(p: PortSpec): string {
  return p.port !== undefined ? `${p.port}/${p.protocol}` : `${p.protocol}/${p.icmpType ?? 0}/${p.icmpCode ?? 0}`;
}
