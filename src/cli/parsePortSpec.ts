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

/** A named port on the command line (`http`, `http/TCP`), resolved on the destination endpoint. */
export interface NamedPortSpec {
  readonly name: string;
  readonly protocol: "TCP" | "UDP" | "SCTP";
}

/**
 * Kubernetes' IANA_SVC_NAME (k8s.io/apimachinery/pkg/util/validation `IsValidPortName`): at most
 * 15 lower-case letters, digits and '-', with a letter, no '-' at either end and no '--'.
 */
function isPortName(text: string): boolean {
  return text.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(text) && /[a-z]/.test(text) && !text.includes("--");
}

/**
 * Parses `explain`'s `--port`: what `parsePortSpec` takes, or a named port `NAME[/PROTOCOL]`
 * (TCP when no protocol is given, as a NetworkPolicy port's protocol defaults to TCP).
 */
export function parsePortOrName(text: string): PortSpec | NamedPortSpec {
  const parts = text.split("/");
  const first = parts[0] ?? "";
  if (parts.length <= 2 && !/^\d+$/.test(first) && isPortName(first) && !/^icmp(v6)?$/i.test(first)) {
    const proto = WITH_PORTS[(parts[1] ?? "tcp").toLowerCase()];
    if (proto === undefined || proto.name === "UDPLite") throw new UsageError(`bad --port '${text}': a named port's protocol is TCP, UDP or SCTP`);
    return { name: first, protocol: proto.name as NamedPortSpec["protocol"] };
  }
  return parsePortSpec(text);
}

/**
 * The port a named port stands for on the destination, as Kubernetes resolves a NetworkPolicy's
 * named port: the endpoint's port with that name and protocol. A `UsageError` when it has none.
 */
export function resolveNamedPort(named: NamedPortSpec, destination: string, ports: readonly { readonly name: string; readonly protocol: string; readonly port: number }[]): PortSpec {
  const found = ports.find((p) => p.name === named.name && p.protocol === named.protocol);
  if (!found) {
    const known = ports.map((p) => `${p.name}=${p.port}/${p.protocol}`).join(", ");
    throw new UsageError(`--port ${named.name}/${named.protocol}: ${destination} has no such named port (${known === "" ? "it has no named ports" : `it has ${known}`})`);
  }
  const proto = WITH_PORTS[named.protocol.toLowerCase()]!;
  return { protocol: proto.name, number: proto.number, port: found.port };
}

export function isNamedPortSpec(p: PortSpec | NamedPortSpec): p is NamedPortSpec {
  return "name" in p;
}
