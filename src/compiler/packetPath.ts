/**
 * `packetPath`: where a flow between endpoints meets the node's netfilter, so the compiled IR can
 * be run on it (`interpret`) and compared with the reference evaluator, or traced for `explain`.
 *
 * The node is Calico's routed node (cni-plugin/pkg/dataplane/linux/dataplane_linux.go and felix/rules/static.go): every local workload sits
 * behind its own host-side `cali…` interface; everything else (remote pods, outside addresses)
 * is reached through the uplink.
 * - pod → pod, pod → outside, outside → pod: routed, so the filter table's FORWARD hook, with
 *   `iif`/`oif` the pods' interfaces (the uplink for a non-local end);
 * - pod → host (an address of a host endpoint): delivered locally, so INPUT with the pod's `iif`.
 */
import type { EvaluateOptions } from "../semantics/evaluateFlow.js";
import { resolvePeer } from "../semantics/evaluateFlow.js";
import { ICMPV6_NUMBER } from "../calico/index.js";
import { isNodeAddress, UPLINK_IFACE } from "../semantics/hostFlow.js";
import { neighbourMessages } from "../semantics/neighbourDiscovery.js";
import { memberIface } from "../semantics/prepareMembers.js";
import type { Flow, Prepared, PreparedMember } from "../semantics/types.js";
import type { Packet, RuleHit, Verdict } from "./ir/interpret.js";
import { interpret } from "./ir/interpret.js";
import type { FamilyIr, KernelChain, TableName } from "./ir/types.js";

export { UPLINK_IFACE } from "../semantics/hostFlow.js";

export interface PacketPath {
  /** The filter table's hook. */
  readonly hook: KernelChain;
  /** Every (table, kernel chain) the packet meets, in order: raw and mangle before filter. */
  readonly hooks: readonly { readonly table: TableName; readonly chain: KernelChain }[];
  readonly packet: Packet;
}

/**
 * The kernel hooks and the first packet of `flow` (conntrack state NEW, mark 0). Ends are resolved
 * as `evaluateFlow` does (and it throws for the same caller errors); an end is local when it is a
 * local workload endpoint (`options.local` overrides the prepared node, as for `evaluateFlow`);
 * an address of one of the node's host endpoints is the node itself (INPUT to it, OUTPUT from it).
 */
export function packetPath(prepared: Prepared, flow: Flow, options: EvaluateOptions = {}): PacketPath {
  const localIds = options.local ? new Set(options.local) : undefined;
  const isLocal = (m: PreparedMember | undefined): m is PreparedMember => m !== undefined && m.workload && (localIds ? localIds.has(m.id) : m.local);
  const src = resolvePeer(prepared, flow.src, flow.family, flow.srcPort);
  const dst = resolvePeer(prepared, flow.dst, flow.family, flow.dstPort);
  // A workload from its manifest has no address and nothing compiled for it: no packet to trace.
  if (!src.address || !dst.address) throw new Error("a workload has no address: only the pods that run are compiled (trace a pod or an address)");
  const ifaceOf = (m: PreparedMember | undefined): string => (isLocal(m) ? (memberIface(m) ?? UPLINK_IFACE) : UPLINK_IFACE);
  const fromHost = isNodeAddress(prepared, src.member);
  const toHost = isNodeAddress(prepared, dst.member) && !fromHost;
  const packet: Packet = {
    family: flow.family,
    src: src.address.text,
    dst: dst.address.text,
    proto: flow.protocol,
    ...(flow.srcPort !== undefined ? { sport: flow.srcPort } : {}),
    ...(flow.dstPort !== undefined ? { dport: flow.dstPort } : {}),
    ...(flow.icmpType !== undefined ? { icmpType: flow.icmpType } : {}),
    ...(flow.icmpCode !== undefined ? { icmpCode: flow.icmpCode } : {}),
    // A host endpoint's address is one of the node's own (`-m addrtype --src-type/--dst-type LOCAL`).
    ...(fromHost ? { srcLocal: true } : { iifname: ifaceOf(src.member) }),
    ...(toHost ? { dstLocal: true } : { oifname: ifaceOf(dst.member) }),
    ctstate: "NEW",
    mark: 0,
  };
  const hook: KernelChain = fromHost ? "OUTPUT" : toHost ? "INPUT" : "FORWARD";
  const hooks = fromHost
    ? [{ table: "raw" as const, chain: "OUTPUT" as const }, { table: "filter" as const, chain: hook }]
    : [{ table: "raw" as const, chain: "PREROUTING" as const }, { table: "mangle" as const, chain: "PREROUTING" as const }, { table: "filter" as const, chain: hook }];
  return { hook, hooks, packet };
}

/**
 * The ICMPv6 neighbour-discovery packets that `flow`'s first packet needs on a guarded uplink
 * before it can be sent (src/semantics/neighbourDiscovery.ts has the model), as paths through the
 * node: conntrack leaves them untracked. Empty for IPv4, when nothing guards the uplink, or when
 * the flow does not cross it.
 */
export function neighbourPaths(prepared: Prepared, flow: Flow, options: EvaluateOptions = {}): PacketPath[] {
  const localIds = options.local ? new Set(options.local) : undefined;
  const isLocal = (m: PreparedMember | undefined): m is PreparedMember => m !== undefined && m.workload && (localIds ? localIds.has(m.id) : m.local);
  const src = resolvePeer(prepared, flow.src, flow.family, flow.srcPort);
  const dst = resolvePeer(prepared, flow.dst, flow.family, flow.dstPort);
  const srcNode = isNodeAddress(prepared, src.member);
  const dstNode = isNodeAddress(prepared, dst.member);
  const srcEp = isLocal(src.member) ? src.member : undefined;
  const dstEp = isLocal(dst.member) ? dst.member : undefined;
  if (!(srcEp || dstEp || srcNode || dstNode) || (srcNode && dstNode)) return [];
  const ends = {
    ...(srcNode ? {} : { inIface: (srcEp ? memberIface(srcEp) : undefined) ?? UPLINK_IFACE }),
    ...(dstNode ? {} : { outIface: (dstEp ? memberIface(dstEp) : undefined) ?? UPLINK_IFACE }),
    fromWorkload: srcEp !== undefined,
  };
  return neighbourMessages(prepared, flow.family, ends, src.address).map((m): PacketPath => {
    const packet: Packet = {
      family: 6,
      src: m.src.text,
      dst: m.dst.text,
      proto: ICMPV6_NUMBER,
      icmpType: m.icmpType,
      icmpCode: 0,
      // Out: the node sends it from its own address. In: a solicitation goes to a multicast
      // address (`--dst-type MULTICAST`, not LOCAL), an advertisement to the node's own.
      ...(m.way === "out" ? { srcLocal: true, oifname: m.iface } : { iifname: m.iface, ...(m.message === "advertisement" ? { dstLocal: true } : {}) }),
      ctstate: "UNTRACKED",
      mark: 0,
    };
    const hooks =
      m.way === "out"
        ? [{ table: "raw" as const, chain: "OUTPUT" as const }, { table: "filter" as const, chain: "OUTPUT" as const }]
        : [{ table: "raw" as const, chain: "PREROUTING" as const }, { table: "mangle" as const, chain: "PREROUTING" as const }, { table: "filter" as const, chain: "INPUT" as const }];
    return { hook: m.way === "out" ? "OUTPUT" : "INPUT", hooks, packet };
  });
}

/** A rule hit with the table it is in. */
export interface PathHit extends RuleHit {
  readonly table: TableName;
}

/**
 * Runs the packet through every hook of its path, as the kernel does: the mark carries from one
 * table to the next, a drop ends it, and a NOTRACK in raw leaves the packet untracked for the rest.
 */
export function interpretPath(fam: FamilyIr, path: PacketPath): Verdict & { readonly hits: readonly PathHit[] } {
  const hits: PathHit[] = [];
  let packet = path.packet;
  const logs: string[] = [];
  for (const { table, chain } of path.hooks) {
    const v = interpret(fam, table, chain, packet, (h) => void hits.push({ ...h, table }));
    logs.push(...v.logs);
    if (v.verdict === "drop") return { verdict: "drop", mark: v.mark, logs, hits };
    packet = { ...packet, mark: v.mark, ...(v.untracked ? { ctstate: "UNTRACKED" as const } : {}) };
  }
  return { verdict: "accept", mark: packet.mark, logs, hits };
}
