/**
 * The Felix settings that shape the ruleset, with Felix's defaults, and how Felix resolves them
 * from the `FelixConfiguration` resources of a node.
 *
 * Defaults: felix/config/config_params.go (the `config:` tags of `Config`). Field names and types
 * as the v3 API has them: api/pkg/apis/projectcalico/v3/felixconfig.go.
 */

/** One failsafe entry (v3 `ProtoPort`): a protocol, a port and optionally a CIDR. */
export interface FailsafePort {
  /** Lower case, as Felix renders it (`-p tcp`). */
  readonly protocol: "tcp" | "udp" | "sctp";
  readonly port: number;
  /** A CIDR (canonical) the peer must be in; absent: any address of either family. */
  readonly net?: string;
}

/** The resolved settings one node's ruleset is compiled with. Plain data. */
export interface FelixSettings {
  readonly failsafeInboundHostPorts: readonly FailsafePort[];
  readonly failsafeOutboundHostPorts: readonly FailsafePort[];
  /** What `cali-wl-to-host` does with what workload egress policy allowed. */
  readonly defaultEndpointToHostAction: "Drop" | "Accept" | "Return";
  /** The mark bits Felix may use; its bits are allocated from the lowest (see `markBitsFromMask`). */
  readonly iptablesMarkMask: number;
  /** Whether the hooks from the kernel chains go at the top (`insert`) or the end (`append`). */
  readonly chainInsertMode: "insert" | "append";
  /** What a filter-table chain does with an allowed packet. */
  readonly iptablesFilterAllowAction: "Accept" | "Return";
  /** What a mangle-table (preDNAT) chain does with an allowed packet. */
  readonly iptablesMangleAllowAction: "Accept" | "Return";
  /** Absent: Felix decides from the IP pools (an IPIP pool enables it). */
  readonly ipipEnabled?: boolean;
  /** Absent: Felix decides from the IP pools (a VXLAN pool enables it). */
  readonly vxlanEnabled?: boolean;
  readonly vxlanPort: number;
  /** The prefix of `Log` rules (felix/rules/policy.go adds ": "). */
  readonly logPrefix: string;
}

const tcp = (port: number): FailsafePort => ({ protocol: "tcp", port });
const udp = (port: number): FailsafePort => ({ protocol: "udp", port });

/** Felix's defaults (felix/config/config_params.go). */
export const FELIX_DEFAULTS: FelixSettings = {
  // `FailsafeInboundHostPorts`: SSH, DHCP client, BGP, etcd, Typha, the API server, kube-dns.
  failsafeInboundHostPorts: [tcp(22), udp(68), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667)],
  // `FailsafeOutboundHostPorts`: DNS, DHCP server, BGP, etcd, Typha, the API server.
  failsafeOutboundHostPorts: [udp(53), udp(67), tcp(179), tcp(2379), tcp(2380), tcp(5473), tcp(6443), tcp(6666), tcp(6667)],
  defaultEndpointToHostAction: "Drop",
  iptablesMarkMask: 0xffff0000,
  chainInsertMode: "insert",
  iptablesFilterAllowAction: "Accept",
  iptablesMangleAllowAction: "Accept",
  vxlanPort: 4789,
  logPrefix: "calico-packet",
};

/** The settings of one `FelixConfiguration` resource: only the fields it sets. */
export type FelixSettingsOverride = { -readonly [K in keyof FelixSettings]?: FelixSettings[K] };

/** The resource name Felix reads as the cluster-wide default (libcalico-go's configurationprocessor.go). */
export const FELIX_GLOBAL_CONFIG_NAME = "default";
/** The prefix of a node's own configuration, `node.<nodename>`. */
export const FELIX_NODE_CONFIG_PREFIX = "node.";

/**
 * A node's settings: Felix's defaults, then the `default` resource's fields, then the
 * `node.<node>` resource's fields, field by field (felix/config/config_params.go: the per-host
 * datastore source ranks above the global one, `SourcesInDescendingOrder`; an unset field of
 * either leaves the one below it).
 */
export function resolveFelixSettings(global: FelixSettingsOverride | undefined, perNode: FelixSettingsOverride | undefined): FelixSettings {
  return { ...FELIX_DEFAULTS, ...(global ?? {}), ...(perNode ?? {}) };
}

/** The fixed-purpose mark bits, as Felix allocates them from the mask. */
export interface FelixMarkBits {
  readonly accept: number;
  readonly pass: number;
  readonly drop: number;
  readonly scratch0: number;
  readonly scratch1: number;
}

/** How many mark bits Felix's allocation needs (accept, pass, drop, scratch0, scratch1). */
export const FELIX_MARK_BITS_NEEDED = 5;

/**
 * Felix's single-bit marks from `mask`, taken from its lowest set bit up in the order accept,
 * pass, drop, scratch0, scratch1 (felix/dataplane/driver.go, felix/markbits/mark_bits.go
 * `NextSingleBitMark`). Undefined when the mask has fewer than five bits.
 */
export function markBitsFromMask(mask: number): FelixMarkBits | undefined {
  const bits: number[] = [];
  for (let shift = 0; shift < 32 && bits.length < FELIX_MARK_BITS_NEEDED; shift++) {
    const bit = (2 ** shift) >>> 0;
    if (Math.floor(mask / bit) % 2 === 1) bits.push(bit);
  }
  if (bits.length < FELIX_MARK_BITS_NEEDED) return undefined;
  const [accept, pass, drop, scratch0, scratch1] = bits as [number, number, number, number, number];
  return { accept, pass, drop, scratch0, scratch1 };
}
