/**
 * Felix's facts about IP pools, known hosts and encapsulation: the sets it keeps for them
 * (felix/rules/rule_defs.go), the protocol and port it filters, and how it decides that IPIP and
 * VXLAN are on (felix/calc/encapsulation_resolver.go).
 */

/**
 * Every pool's CIDR (felix/dataplane/linux/masq_mgr.go): traffic to these is never masqueraded.
 * Felix called this set `all-ipam-pools` before projectcalico/calico 2e6b3c4e1d (2026), which
 * renamed it and left LoadBalancer-only pools out of it.
 */
export const NETWORK_POOLS_SET_ID = "network-ip-pools";
/** The CIDRs of pools with `natOutgoing` (felix/dataplane/linux/masq_mgr.go). */
export const MASQ_POOLS_SET_ID = "masq-ipam-pools";
/** Every node's address (felix/dataplane/linux/ipset_hosts_mgr.go): IPIP is accepted from these. */
export const ALL_HOSTS_SET_ID = "all-hosts-net";
/** The addresses of nodes with a VXLAN tunnel endpoint (felix/dataplane/linux/vxlan_mgr.go). */
export const ALL_VXLAN_SOURCES_SET_ID = "all-vxlan-net";

/** IP-in-IP (felix/rules/rule_defs.go `ProtoIPIP`). */
export const PROTO_IPIP = 4;
export const PROTO_UDP = 17;

/** An encapsulation mode of a pool, as v3 spells it (`Never` turns it off). */
export type EncapMode = "Never" | "Always" | "CrossSubnet";

/**
 * Whether an encapsulation is on: FelixConfiguration's `ipipEnabled` / `vxlanEnabled` when set,
 * otherwise whether some pool uses it in any mode (`EncapsulationCalculator.IPIPEnabled`,
 * `VXLANEnabled`). IPv6 VXLAN has no setting: only the pools decide (`VXLANEnabledV6`).
 */
export function encapEnabled(configured: boolean | undefined, poolModes: readonly EncapMode[]): boolean {
  return configured ?? poolModes.some((m) => m !== "Never");
}

/**
 * The address Felix takes for a node in one family (felix/calc/dataplane_passthru.go
 * `extractNodeAddress`): the BGP address, else the first InternalIP of the family in the address
 * list, else the first ExternalIP. `addresses` are canonical (no prefix length).
 */
export function nodeHostAddress(
  bgpAddress: string | undefined,
  addresses: readonly { readonly address: string; readonly type: string }[],
  family: 4 | 6,
): string | undefined {
  if (bgpAddress !== undefined) return bgpAddress;
  const ofFamily = (a: { readonly address: string }): boolean => a.address.includes(":") === (family === 6);
  return addresses.find((a) => a.type === "InternalIP" && ofFamily(a))?.address ?? addresses.find((a) => a.type === "ExternalIP" && ofFamily(a))?.address;
}
