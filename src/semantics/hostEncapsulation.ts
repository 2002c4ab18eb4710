/**
 * What Felix's `cali-INPUT` does with IPIP and VXLAN packets to the node (felix/rules/static.go
 * `filterInputChain`), worked out from the model on its own (the compiler has hostSide.ts): while
 * IPIP is on (FelixConfiguration `ipipEnabled`, else some IPv4 pool uses it), IP protocol 4 is
 * accepted from the address Felix takes for each node (felix/calc/dataplane_passthru.go) and
 * dropped from anyone else; while VXLAN is on for the family, UDP to the VXLAN port is accepted
 * from the BGP address of each node with a VXLAN tunnel address of that family
 * (felix/calc/vxlan_resolver.go) and dropped from anyone else. These rules come first in
 * `cali-INPUT`, before any workload or host endpoint policy.
 */
import { encapEnabled, type EncapMode, type FelixSettings, nodeHostAddress } from "../calico/index.js";
import type { Model } from "../model/types.js";
import type { Family } from "./addresses.js";

export interface HostEncapsulation {
  readonly ipip: boolean;
  readonly vxlan: Readonly<Record<Family, boolean>>;
  readonly vxlanPort: number;
  /** Addresses IPIP is accepted from (IPv4). */
  readonly ipipPeers: ReadonlySet<string>;
  /** Addresses VXLAN is accepted from, both families. */
  readonly vxlanPeers: ReadonlySet<string>;
}

export function prepareHostEncapsulation(model: Model, settings: FelixSettings): HostEncapsulation {
  const modes: Record<Family, { ipip: EncapMode[]; vxlan: EncapMode[] }> = { 4: { ipip: [], vxlan: [] }, 6: { ipip: [], vxlan: [] } };
  const ipipPeers = new Set<string>();
  const vxlanPeers = new Set<string>();
  for (const r of model.resources) {
    if (r.kind === "IPPool" || r.kind === "V1IPPool") {
      const f: Family = r.cidr.includes(":") ? 6 : 4;
      modes[f].ipip.push(r.kind === "IPPool" ? r.ipipMode : r.ipip ? "Always" : "Never");
      modes[f].vxlan.push(r.kind === "IPPool" ? r.vxlanMode : "Never");
    } else if ((r.kind === "Node" || r.kind === "K8sNode") && !(r.bgp?.empty ?? false)) {
      const v4 = nodeHostAddress(r.bgp?.ipv4Address, r.addresses, 4);
      if (v4 !== undefined) ipipPeers.add(v4);
      if (r.bgp?.ipv4Address !== undefined && r.ipv4VXLANTunnelAddr !== undefined) vxlanPeers.add(r.bgp.ipv4Address);
      if (r.bgp?.ipv6Address !== undefined && r.ipv6VXLANTunnelAddr !== undefined) vxlanPeers.add(r.bgp.ipv6Address);
    }
  }
  return {
    ipip: encapEnabled(settings.ipipEnabled, modes[4].ipip),
    vxlan: { 4: encapEnabled(settings.vxlanEnabled, modes[4].vxlan), 6: encapEnabled(undefined, modes[6].vxlan) },
    vxlanPort: settings.vxlanPort,
    ipipPeers,
    vxlanPeers,
  };
}

/** The encapsulation filter's verdict on a packet to the node, or undefined when it does not apply. */
export function hostEncapsulationVerdict(
  h: HostEncapsulation,
  family: Family,
  protocol: number,
  dstPort: number | undefined,
  /** Undefined: a workload without an address, which is no known node. */
  src: string | undefined,
): { readonly what: "IPIP" | "VXLAN"; readonly fromKnownNode: boolean } | undefined {
  if (family === 4 && h.ipip && protocol === 4) return { what: "IPIP", fromKnownNode: src !== undefined && h.ipipPeers.has(src) };
  if (h.vxlan[family] && protocol === 17 && dstPort === h.vxlanPort) return { what: "VXLAN", fromKnownNode: src !== undefined && h.vxlanPeers.has(src) };
  return undefined;
}

/**
 * Whether filter OUTPUT accepts the node's own packet as a tunnel packet to a known node
 * (felix/rules/static.go `filterOutputChain`: IPIP to a node's address, VXLAN to the VXLAN port of
 * a node with a tunnel endpoint), before host endpoint policy.
 */
export function hostEncapsulationOutbound(h: HostEncapsulation, family: Family, protocol: number, dstPort: number | undefined, dst: string | undefined): boolean {
  if (dst === undefined) return false;
  if (family === 4 && h.ipip && protocol === 4) return h.ipipPeers.has(dst);
  if (h.vxlan[family] && protocol === 17 && dstPort === h.vxlanPort) return h.vxlanPeers.has(dst);
  return false;
}
