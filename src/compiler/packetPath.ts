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
import type { Flow, Prepared, PreparedMember } from "../semantics/types.js";
import type { Packet } from "./ir/interpret.js";
import type { KernelChain } from "./ir/types.js";

/** The interface name used for the node's uplink (anything not starting with `cali`). */
export const UPLINK_IFACE = "eth0";

export interface PacketPath {
  readonly hook: KernelChain;
  readonly packet: Packet;
}

/**
 * The kernel hook and the first packet of `flow` (conntrack state NEW, mark 0). Ends are resolved
 * as `evaluateFlow` does (and it throws for the same caller errors); an end is local when it is a
 * local workload endpoint (`options.local` overrides the prepared node, as for `evaluateFlow`).
 */
export function packetPath(prepared: Prepared, flow: Flow, options: EvaluateOptions = {}): PacketPath {
  const localIds = options.local ? new Set(options.local) : undefined;
  const isLocal = (m: PreparedMember | undefined): m is PreparedMember => m !== undefined && m.workload && (localIds ? localIds.has(m.id) : m.local);
  const src = resolvePeer(prepared, flow.src, flow.family, flow.srcPort);
  const dst = resolvePeer(prepared, flow.dst, flow.family, flow.dstPort);
  const ifaceOf = (m: PreparedMember | undefined): string => (isLocal(m) ? (m.iface ?? UPLINK_IFACE) : UPLINK_IFACE);
  const toHost = dst.member !== undefined && (dst.member.kind === "HostEndpoint" || dst.member.kind === "V1HostEndpoint");
  const packet: Packet = {
    family: flow.family,
    src: src.address.text,
    dst: dst.address.text,
    proto: flow.protocol,
    ...(flow.srcPort !== undefined ? { sport: flow.srcPort } : {}),
    ...(flow.dstPort !== undefined ? { dport: flow.dstPort } : {}),
    ...(flow.icmpType !== undefined ? { icmpType: flow.icmpType } : {}),
    ...(flow.icmpCode !== undefined ? { icmpCode: flow.icmpCode } : {}),
    iifname: ifaceOf(src.member),
    // A host endpoint's address is one of the node's own (`-m addrtype --dst-type LOCAL`).
    ...(toHost ? { dstLocal: true } : { oifname: ifaceOf(dst.member) }),
    ctstate: "NEW",
    mark: 0,
  };
  return { hook: toHost ? "INPUT" : "FORWARD", packet };
}
