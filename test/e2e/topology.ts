/**
 * A Calico-style routed node built from network namespaces.
 *
 * - The node: one netns with forwarding on. Each local endpoint gets a veth pair whose node side
 *   carries the endpoint's `cali…` name and Calico's MAC `ee:ee:ee:ee:ee:ee`, with a /32 (/128)
 *   route to the pod's address, proxy ARP on and the proxy reply delay at 0.
 * - A pod: its own netns with `eth0`, the address as /32 (and /128, no DAD), `169.254.1.1` as
 *   an on-link gateway answered by the node's proxy ARP, and for IPv6 the node side's link-local
 *   address (`fe80::ecee:eeff:feee:eeee`, EUI-64 of Calico's MAC) as the gateway.
 * - The world: one more netns behind the node's uplink veth (`eth0`, `UPLINK_IFACE`), holding
 *   every remote host's address (pods on other nodes, outside addresses; IPv6 ones on its
 *   loopback, with `fe80::1` its only address on the link). The node's default routes point
 *   there, which is also what makes proxy ARP answer for 169.254.1.1: the kernel only proxies
 *   for targets it routes out of a different interface.
 *
 * Everything is made by one bash script (see `topologyScript`), which is fast (a few ms per
 * command) and easy to read when something fails.
 */
import { randomBytes } from "node:crypto";
import { run } from "./kernel.js";
import { UPLINK_IFACE } from "../../src/semantics/hostFlow.js";
import { NEXT_HOP_LINK_LOCAL, UPLINK_LINK_LOCAL } from "../../src/semantics/neighbourDiscovery.js";

/** An endpoint on the node under test. */
export interface LocalEndpoint {
  /** `namespace/name`, as the reference evaluator names endpoints. */
  readonly id: string;
  /** Host-side interface name, at most 15 characters (IFNAMSIZ - 1). */
  readonly iface: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

/**
 * A host beyond the node's uplink: a pod on another node or an outside address; or, with
 * `onNode`, an address of the node itself (on its uplink, where a host endpoint guards it).
 */
export interface RemoteHost {
  readonly id: string;
  readonly ipv4?: string;
  readonly ipv6?: string;
  readonly onNode?: true;
}

export interface TopologySpec {
  readonly local: readonly LocalEndpoint[];
  readonly remote: readonly RemoteHost[];
  /**
   * Optional: the node's own addresses, on its uplink (/32, /128). Without one the node has no
   * address of its own; with one it can masquerade, and be reached from the world.
   */
  readonly uplink?: { readonly ipv4?: string; readonly ipv6?: string };
}

/** A host of a built topology: where its processes run and its addresses. */
export interface Host {
  readonly id: string;
  /** The netns its server and probes run in (the world netns for remote hosts). */
  readonly netns: string;
  readonly local: boolean;
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export interface Topology {
  /** The node's netns: load the rules here. */
  readonly node: string;
  readonly world: string;
  readonly hosts: readonly Host[];
  /** Every netns made, node first. */
  readonly namespaces: readonly string[];
}

/**
 * Name of the node side of the uplink veth: the evaluator's and packetPath's uplink (its own
 * netns, so it never meets the pods' `eth0`).
 */
export const UPLINK = UPLINK_IFACE;
/** Calico's host-side MAC for workload veths; its EUI-64 link-local is `GATEWAY6`. */
export const HOST_MAC = "ee:ee:ee:ee:ee:ee";
export const GATEWAY4 = "169.254.1.1";
/** The node-side link-local address of every veth (the uplink's too: `UPLINK_LINK_LOCAL`). */
export const GATEWAY6 = UPLINK_LINK_LOCAL;

/** Linux interface names are at most IFNAMSIZ - 1 = 15 bytes (include/uapi/linux/if.h). */
const IFNAME_MAX = 15;

/** Chooses netns names for a topology: `pcn-<hex>` for the node, `-<i>` per pod, `-w` for the world. */
export function namespaceNames(spec: TopologySpec, tag: string = randomBytes(3).toString("hex")): Topology {
  const node = `pcn-${tag}`;
  const world = `${node}-w`;
  const hosts: Host[] = [
    ...spec.local.map((e, i) => ({ id: e.id, netns: `${node}-${i}`, local: true, ...addrs(e) })),
    ...spec.remote.map((r) => ({ id: r.id, netns: r.onNode ? node : world, local: r.onNode === true, ...addrs(r) })),
  ];
  return { node, world, hosts, namespaces: [node, world, ...spec.local.map((_, i) => `${node}-${i}`)] };
}

function addrs(h: { ipv4?: string; ipv6?: string }): { ipv4?: string; ipv6?: string } {
  return { ...(h.ipv4 !== undefined ? { ipv4: h.ipv4 } : {}), ...(h.ipv6 !== undefined ? { ipv6: h.ipv6 } : {}) };
}

/** Throws when the spec cannot be built (bad interface name, duplicate id or address). */
export function checkSpec(spec: TopologySpec): void {
  const ids = new Set<string>();
  const ips = new Set<string>();
  const ifaces = new Set<string>([UPLINK]);
  for (const h of [...spec.local, ...spec.remote, ...(spec.uplink ? [{ id: "(node uplink)", ...spec.uplink }] : [])]) {
    if (ids.has(h.id)) throw new Error(`duplicate host id ${h.id}`);
    ids.add(h.id);
    for (const ip of [h.ipv4, h.ipv6]) {
      if (ip === undefined) continue;
      if (ips.has(ip)) throw new Error(`address ${ip} used twice`);
      ips.add(ip);
    }
  }
  for (const e of spec.local) {
    if (!/^[A-Za-z0-9_.-]+$/.test(e.iface) || e.iface.length > IFNAME_MAX) throw new Error(`bad interface name ${JSON.stringify(e.iface)} for ${e.id}`);
    if (ifaces.has(e.iface)) throw new Error(`interface ${e.iface} used twice`);
    ifaces.add(e.iface);
  }
}

/**
 * The bash script that builds `topology` (names from `namespaceNames`) for `spec`. Pure; every
 * command is one line so a failure names its line.
 */
export function topologyScript(spec: TopologySpec, topology: Topology): string {
  checkSpec(spec);
  const { node, world } = topology;
  const lines: string[] = ["set -euo pipefail"];
  const sysctl = (ns: string, settings: readonly string[]): void => {
    lines.push(`ip netns exec ${ns} sysctl -qw ${settings.join(" ")}`);
  };
  for (const ns of topology.namespaces) {
    lines.push(`ip netns add ${ns}`, `ip -n ${ns} link set lo up`);
    // No duplicate address detection: addresses (link-local ones too) are usable at once
    // instead of after DAD's ~1 s (RFC 4862 §5.4; sysctl accept_dad).
    sysctl(ns, ["net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0"]);
  }
  sysctl(node, ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1", "net.ipv4.conf.all.rp_filter=0"]);

  /** A veth from the node (named `iface`) to `peer` (named eth0), Calico style. */
  const attach = (iface: string, peer: string): void => {
    lines.push(`ip -n ${node} link add ${iface} address ${HOST_MAC} type veth peer name eth0 netns ${peer}`);
    // Proxy ARP answers the pod's ARP for 169.254.1.1; proxy_delay=0 makes it answer at once
    // (the default delays proxy replies by up to 0.8 s, see ip-sysctl.rst "proxy_delay").
    // rp_filter=1 (strict) as Calico sets it on workload interfaces.
    sysctl(node, [`net.ipv4.conf.${iface}.proxy_arp=1`, `net.ipv4.neigh.${iface}.proxy_delay=0`, `net.ipv4.conf.${iface}.rp_filter=1`]);
    lines.push(`ip -n ${node} link set ${iface} up`, `ip -n ${peer} link set eth0 up`);
  };

  spec.local.forEach((e, i) => {
    const pod = `${node}-${i}`;
    attach(e.iface, pod);
    if (e.ipv4 !== undefined) {
      lines.push(
        `ip -n ${pod} addr add ${e.ipv4}/32 dev eth0`,
        `ip -n ${pod} route add ${GATEWAY4} dev eth0 scope link`,
        `ip -n ${pod} route add default via ${GATEWAY4} dev eth0`,
        `ip -n ${node} route add ${e.ipv4}/32 dev ${e.iface}`,
      );
    }
    if (e.ipv6 !== undefined) {
      lines.push(
        `ip -n ${pod} -6 addr add ${e.ipv6}/128 dev eth0 nodad`,
        `ip -n ${pod} -6 route add default via ${GATEWAY6} dev eth0`,
        `ip -n ${node} -6 route add ${e.ipv6}/128 dev ${e.iface}`,
      );
    }
  });

  // The world: remote hosts' addresses, reached through the node's default routes.
  attach(UPLINK, world);
  if (spec.uplink?.ipv4 !== undefined) lines.push(`ip -n ${node} addr add ${spec.uplink.ipv4}/32 dev ${UPLINK}`);
  if (spec.uplink?.ipv6 !== undefined) lines.push(`ip -n ${node} -6 addr add ${spec.uplink.ipv6}/128 dev ${UPLINK} nodad`);
  // The world is the node's IPv6 next hop, at NEXT_HOP_LINK_LOCAL only, and holds the remote
  // IPv6 addresses on its loopback: neighbour discovery on the uplink is then between the two
  // link-local addresses, as on a routed uplink, which is what the evaluator models
  // (src/semantics/neighbourDiscovery.ts).
  lines.push(
    `ip -n ${world} link set eth0 addrgenmode none`,
    `ip -n ${world} -6 addr flush dev eth0 scope link`,
    `ip -n ${world} -6 addr add ${NEXT_HOP_LINK_LOCAL}/64 dev eth0 nodad`,
  );
  lines.push(`ip -n ${node} route add default dev ${UPLINK}`, `ip -n ${node} -6 route add default via ${NEXT_HOP_LINK_LOCAL} dev ${UPLINK}`);
  // On-link default: the node's proxy ARP on the uplink answers for the pods' addresses.
  lines.push(`ip -n ${world} route add default dev eth0`, `ip -n ${world} -6 route add default via ${GATEWAY6} dev eth0`);
  for (const r of spec.remote) {
    // The node's own addresses go on its uplink; the world reaches them on-link.
    const [ns, dev, dev6] = r.onNode ? [node, UPLINK, UPLINK] : [world, "eth0", "lo"];
    if (r.ipv4 !== undefined) lines.push(`ip -n ${ns} addr add ${r.ipv4}/32 dev ${dev}`);
    if (r.ipv6 !== undefined) lines.push(`ip -n ${ns} -6 addr add ${r.ipv6}/128 dev ${dev6} nodad`);
  }
  return lines.join("\n") + "\n";
}

/** Deletes network namespaces, ignoring ones already gone. */
export async function deleteNamespaces(names: readonly string[]): Promise<void> {
  await Promise.all(names.map((ns) => run("ip", ["netns", "del", ns])));
}

/**
 * Builds the topology. On failure deletes whatever it made and throws with the script's error.
 * The caller must call `destroyTopology` when done (vitest `afterAll`/`finally`).
 */
export async function createTopology(spec: TopologySpec): Promise<Topology> {
  const topology = namespaceNames(spec);
  const script = topologyScript(spec, topology);
  const r = await run("bash", ["-c", script]);
  if (r.code !== 0) {
    await deleteNamespaces(topology.namespaces);
    throw new Error(`building the topology failed:\n${r.stderr}\nscript:\n${script}`);
  }
  return topology;
}

/** Deletes every netns of the topology. */
export async function destroyTopology(topology: Topology): Promise<void> {
  await deleteNamespaces(topology.namespaces);
}
