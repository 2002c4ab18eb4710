/**
 * The host side of IP pools and nodes: Felix's NAT outgoing (nat table) and the filter rules that
 * accept IPIP and VXLAN only from known hosts, with the sets they match on.
 *
 * - NAT outgoing (felix/rules/nat.go `NATOutgoingChain`, felix/rules/static.go
 *   `StaticNATPostroutingChains`, felix/dataplane/linux/masq_mgr.go): nat `POSTROUTING` appends a
 *   jump to `cali-POSTROUTING`, which jumps to `cali-fip-snat` (floating IPs: none here) and
 *   `cali-nat-outgoing`. While some pool has natOutgoing, that chain masquerades packets from a
 *   NAT pool (`masq-ipam-pools`) to anything outside every pool (`network-ip-pools`).
 * - Encapsulation (felix/rules/static.go `filterInputChain`, `filterOutputChain`): with IPIP on,
 *   `cali-INPUT` first accepts IP protocol 4 from a known host (`all-hosts-net`) to a local
 *   address and drops any other; with VXLAN on, it accepts UDP to the VXLAN port from a node with
 *   a VXLAN tunnel endpoint (`all-vxlan-net`) to a local address and drops it from anyone else;
 *   `cali-OUTPUT` accepts the same going from the host to those nodes, so that host endpoint
 *   policy cannot cut the tunnel. Workloads never send either: their egress chains drop it
 *   (felix/rules/endpoints.go, endpointChains.ts).
 * - LoadBalancer-only pools (`allowedUses: [LoadBalancer]`) hold no workload addresses: they are
 *   not in `network-ip-pools`, so traffic to them is masqueraded (masq_mgr.go `isLoadBalancerOnly`).
 * - Disabled pools count as any other: Felix's IPAM pool updates carry no `disabled`
 *   (felix/calc/event_sequencer.go `flushIPPoolUpdates`), and a disabled pool is how a cluster
 *   marks external CIDRs as not to be masqueraded (felix/calc/l3_route_resolver.go).
 * - Known hosts are the Nodes (felix/calc/dataplane_passthru.go, felix/calc/vxlan_resolver.go).
 *
 * Everything here is node-wide and cheap to build, so both compilers rebuild it whole when a pool
 * or node changes and lay it over the filter IR (`withHostSide`). The nat table and the sets are
 * there only when the model has a pool or FelixConfiguration turns an encapsulation on: without
 * them Felix's chains are empty.
 */
import {
  ALL_HOSTS_SET_ID,
  ALL_VXLAN_SOURCES_SET_ID,
  encapEnabled,
  type EncapMode,
  FELIX_DEFAULTS,
  type FelixSettings,
  MASQ_POOLS_SET_ID,
  NETWORK_POOLS_SET_ID,
  nodeHostAddress,
  PROTO_IPIP,
  PROTO_UDP,
} from "../calico/index.js";
import type { CalicoNode, K8sNode, Model } from "../model/types.js";
import { DROP, jump, rule } from "./ir/build.js";
import { filterAllowAction } from "./felixLayout/settings.js";
import type { Chain, Family, FamilyIr, Hook, IpSet, Ir, Match, Rule, Table, TableName } from "./ir/types.js";
import { FIP_SNAT_CHAIN, INPUT_CHAIN, NAT_OUTGOING_CHAIN, NAT_POSTROUTING_CHAIN, OUTPUT_CHAIN } from "./felixLayout/chainNames.js";
import { aggregateCidrs } from "./passes/cidrMath.js";

/**
 * The FelixConfiguration settings the host side reads: `ipipEnabled` and `vxlanEnabled` (absent:
 * on when some pool uses it), `vxlanPort`, and `iptablesFilterAllowAction` for the tunnel allows
 * (felix/rules/static.go uses `filterAllowAction` for them).
 */
export type EncapSettings = Pick<FelixSettings, "ipipEnabled" | "vxlanEnabled" | "vxlanPort" | "iptablesFilterAllowAction">;

interface PoolFacts {
  readonly cidr: string;
  readonly family: Family;
  readonly ipipMode: EncapMode;
  readonly vxlanMode: EncapMode;
  readonly natOutgoing: boolean;
  /** Left out of `network-ip-pools` (felix/dataplane/linux/masq_mgr.go `isLoadBalancerOnly`). */
  readonly loadBalancerOnly: boolean;
}

/** One family's share of the host side. */
export interface HostSideFamily {
  /** Rules at the top of `cali-INPUT`. */
  readonly input: readonly Rule[];
  /** Rules in `cali-OUTPUT` after the ones for traffic to workloads. */
  readonly output: readonly Rule[];
  /** The nat table; absent without pools. */
  readonly nat?: Table;
  readonly sets: readonly IpSet[];
}

export interface HostSide {
  readonly v4: HostSideFamily;
  readonly v6: HostSideFamily;
}

const familyOf = (cidrOrAddr: string): Family => (cidrOrAddr.includes(":") ? 6 : 4);
const hostCidr = (addr: string): string => `${addr}/${familyOf(addr) === 4 ? 32 : 128}`;

function pools(hosts: Model): PoolFacts[] {
  const out: PoolFacts[] = [];
  for (const r of hosts.resources) {
    if (r.kind === "IPPool") {
      out.push({ cidr: r.cidr, family: familyOf(r.cidr), ipipMode: r.ipipMode, vxlanMode: r.vxlanMode, natOutgoing: r.natOutgoing, loadBalancerOnly: r.loadBalancerOnly });
    }
    else if (r.kind === "V1IPPool") {
      // A v1 pool's IPIP is on or off; its mode (always, cross-subnet) shapes routes, not rules.
      out.push({ cidr: r.cidr, family: familyOf(r.cidr), ipipMode: r.ipip ? "Always" : "Never", vxlanMode: "Never", natOutgoing: r.natOutgoing, loadBalancerOnly: false });
    }
  }
  return out;
}

function nodes(hosts: Model): (CalicoNode | K8sNode)[] {
  return hosts.resources.filter((r): r is CalicoNode | K8sNode => r.kind === "Node" || r.kind === "K8sNode");
}

function netSet(id: string, family: Family, addrs: readonly string[], comment: string): IpSet {
  const cidrs = addrs.filter((a) => familyOf(a) === family).map((a) => (a.includes("/") ? a : hostCidr(a)));
  return { id, type: "net", family, members: aggregateCidrs([...new Set(cidrs)]), comment };
}

const set = (dir: "src" | "dst", id: string, negate = false): Match => ({ kind: "set", dir, set: id, negate });
const proto = (protocol: number): Match => ({ kind: "protocol", protocol, negate: false });
const dport = (port: number): Match => ({ kind: "ports", dir: "dst", ranges: [{ first: port, last: port }], negate: false });
const local = (dir: "src" | "dst"): Match => ({ kind: "addrType", dir, type: "LOCAL", negate: false });

function hostSideFamily(family: Family, all: readonly PoolFacts[], known: readonly (CalicoNode | K8sNode)[], settings: EncapSettings): HostSideFamily {
  const mine = all.filter((p) => p.family === family);
  const v4 = all.filter((p) => p.family === 4);
  // IPIP is IPv4 only (felix/rules/static.go); IPv6 VXLAN has no FelixConfiguration switch.
  const ipip = family === 4 && encapEnabled(settings.ipipEnabled, v4.map((p) => p.ipipMode));
  const vxlan = encapEnabled(family === 4 ? settings.vxlanEnabled : undefined, mine.map((p) => p.vxlanMode));
  const port = settings.vxlanPort;
  const allow = filterAllowAction(settings);
  if (all.length === 0 && !ipip && !vxlan) return { input: [], output: [], sets: [] };

  const input: Rule[] = [];
  const output: Rule[] = [];
  const sets: IpSet[] = [
    netSet(NETWORK_POOLS_SET_ID, family, mine.filter((p) => !p.loadBalancerOnly).map((p) => p.cidr), "Felix: every IP pool but LoadBalancer-only ones"),
    netSet(MASQ_POOLS_SET_ID, family, mine.filter((p) => p.natOutgoing).map((p) => p.cidr), "Felix: IP pools with natOutgoing"),
  ];
  const live = known.filter((n) => !(n.bgp?.empty ?? false));
  if (ipip) {
    const addrs = live.flatMap((n) => nodeHostAddress(family === 4 ? n.bgp?.ipv4Address : n.bgp?.ipv6Address, n.addresses, family) ?? []);
    sets.push(netSet(ALL_HOSTS_SET_ID, family, addrs, "Felix: the address of every node"));
    input.push(
      rule([proto(PROTO_IPIP), set("src", ALL_HOSTS_SET_ID), local("dst")], allow, "Allow IPIP packets from Calico hosts"),
      rule([proto(PROTO_IPIP)], DROP, "Drop IPIP packets from non-Calico hosts"),
    );
    output.push(rule([proto(PROTO_IPIP), set("dst", ALL_HOSTS_SET_ID), local("src")], allow, "Allow IPIP packets to other Calico hosts"));
  }
  if (vxlan) {
    // A VXLAN tunnel endpoint needs the node's BGP address and a tunnel address of the family (felix/calc/vxlan_resolver.go `hasVTEPInfo`).
    const addrs = live.flatMap((n) => {
      const bgp = family === 4 ? n.bgp?.ipv4Address : n.bgp?.ipv6Address;
      const tunnel = family === 4 ? n.ipv4VXLANTunnelAddr : n.ipv6VXLANTunnelAddr;
      return bgp !== undefined && tunnel !== undefined ? [bgp] : [];
    });
    const v = `IPv${family}`;
    sets.push(netSet(ALL_VXLAN_SOURCES_SET_ID, family, addrs, "Felix: nodes with a VXLAN tunnel endpoint"));
    input.push(
      rule([proto(PROTO_UDP), dport(port), set("src", ALL_VXLAN_SOURCES_SET_ID), local("dst")], allow, `Allow ${v} VXLAN packets from allowed hosts`),
      rule([proto(PROTO_UDP), dport(port), local("dst")], DROP, `Drop ${v} VXLAN packets from non-allowed hosts`),
    );
    output.push(rule([proto(PROTO_UDP), dport(port), local("src"), set("dst", ALL_VXLAN_SOURCES_SET_ID)], allow, `Allow ${v} VXLAN packets to other allowed hosts`));
  }

  const masq = mine.some((p) => p.natOutgoing);
  const natChains: Chain[] = [
    { name: NAT_POSTROUTING_CHAIN, rules: [rule([], jump(FIP_SNAT_CHAIN)), rule([], jump(NAT_OUTGOING_CHAIN))] },
    { name: FIP_SNAT_CHAIN, rules: [] },
    {
      name: NAT_OUTGOING_CHAIN,
      rules: masq ? [rule([set("src", MASQ_POOLS_SET_ID), set("dst", NETWORK_POOLS_SET_ID, true)], { kind: "masquerade" })] : [],
    },
  ].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  // Appended, so that kube-proxy's masquerade runs first (felix/dataplane/linux/int_dataplane.go).
  const natHooks: Hook[] = [{ kernelChain: "POSTROUTING", target: NAT_POSTROUTING_CHAIN, position: "append", matches: [] }];
  sets.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { input, output, nat: { name: "nat", hooks: natHooks, chains: natChains }, sets };
}

/** The host side of a model's pools and nodes (`hosts`: the model's `hosts` part). */
export function hostSide(hosts: Model, settings: EncapSettings = FELIX_DEFAULTS): HostSide {
  const all = pools(hosts);
  const known = nodes(hosts);
  return { v4: hostSideFamily(4, all, known, settings), v6: hostSideFamily(6, all, known, settings) };
}

const TABLE_ORDER: readonly TableName[] = ["filter", "raw", "mangle", "nat"];

/** The index after the rules of `cali-OUTPUT` that return traffic going to workloads (Felix's place for the tunnel allows). */
function afterWorkloadReturns(rules: readonly Rule[]): number {
  let at = 0;
  rules.forEach((r, i) => {
    if (r.action.kind === "return" && r.matches.some((m) => m.kind === "iface" && m.dir === "out")) at = i + 1;
  });
  return at;
}

function withRules(chain: Chain, at: (rules: readonly Rule[]) => number, add: readonly Rule[]): Chain {
  if (add.length === 0) return chain;
  const i = at(chain.rules);
  return { name: chain.name, rules: [...chain.rules.slice(0, i), ...add, ...chain.rules.slice(i)] };
}

/** The index of chain `name` in `chains` (sorted by name), or -1. */
function indexByName(chains: readonly Chain[], name: string): number {
  let lo = 0;
  let hi = chains.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const n = chains[mid]!.name;
    if (n === name) return mid;
    if (n < name) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** One family of the IR with its host side laid over it (the IR is not changed). */
export function withHostSideFamily(fam: FamilyIr, hs: HostSideFamily): FamilyIr {
  if (hs.input.length === 0 && hs.output.length === 0 && hs.nat === undefined && hs.sets.length === 0) return fam;
  let tables = fam.tables.map((t): Table => {
    if (t.name === "filter" && (hs.input.length > 0 || hs.output.length > 0)) {
      // The incremental compiler lays the host side over every update's IR: copy the chain list
      // (a node has hundreds of thousands of chains) and replace the two chains, found by name.
      const chains = t.chains.slice();
      const input = indexByName(chains, INPUT_CHAIN);
      if (input >= 0) chains[input] = withRules(chains[input]!, () => 0, hs.input);
      const output = indexByName(chains, OUTPUT_CHAIN);
      if (output >= 0) chains[output] = withRules(chains[output]!, afterWorkloadReturns, hs.output);
      return { ...t, chains };
    }
    if (t.name === "nat" && hs.nat) {
      const chains = [...t.chains, ...hs.nat.chains].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      return { ...t, hooks: [...t.hooks, ...hs.nat.hooks], chains };
    }
    return t;
  });
  if (hs.nat && !tables.some((t) => t.name === "nat")) {
    tables = [...tables, hs.nat].sort((a, b) => TABLE_ORDER.indexOf(a.name) - TABLE_ORDER.indexOf(b.name));
  }
  const sets = [...fam.sets, ...hs.sets].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return { ...fam, tables, sets };
}

/** The IR with the host side laid over both families. */
export function withHostSide(ir: Ir, hs: HostSide): Ir {
  const v4 = withHostSideFamily(ir.v4, hs.v4);
  const v6 = withHostSideFamily(ir.v6, hs.v6);
  return v4 === ir.v4 && v6 === ir.v6 ? ir : { ...ir, v4, v6 };
}
