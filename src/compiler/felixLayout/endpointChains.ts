/**
 * Per-workload chains `cali-tw-<iface>` (ingress, to the workload) and `cali-fw-<iface>`
 * (egress, from the workload) in Felix's rule order (felix/rules/endpoints.go).
 */
import type { Action, Chain, MarkBits, Rule } from "../ir/types.js";
import { ACCEPT, clearBits, ctstate, DROP, jump, markClear, markSet, RETURN, rule, setBits } from "../ir/build.js";
import type { OrderedTier } from "../policies.js";
import { FELIX_DEFAULTS, PROTO_IPIP, PROTO_UDP } from "../../calico/index.js";
import { fromWorkloadChain, policyChain, profileChain, toWorkloadChain } from "./chainNames.js";

export type PolicyDirection = "ingress" | "egress";

/**
 * Felix drops encapsulated packets a workload sends, which could carry traffic past its egress
 * policy (felix/rules/endpoints.go, `AllowVXLANPacketsFromWorkloads` and
 * `AllowIPIPPacketsFromWorkloads` off by default), whether or not the cluster uses IPIP or VXLAN.
 */
export function workloadEncapDrops(vxlanPort: number): readonly Rule[] {
  let drops = encapDrops.get(vxlanPort);
  if (!drops) encapDrops.set(vxlanPort, (drops = encapDropRules(vxlanPort)));
  return drops;
}

/** The drops per VXLAN port, shared by every endpoint chain (an IR is immutable). */
const encapDrops = new Map<number, readonly Rule[]>();

function encapDropRules(vxlanPort: number): readonly Rule[] {
  return [
    rule(
      [{ kind: "protocol", protocol: PROTO_UDP, negate: false }, { kind: "ports", dir: "dst", ranges: [{ first: vxlanPort, last: vxlanPort }], negate: false }],
      DROP,
      "Drop VXLAN encapped packets originating in workloads",
    ),
    rule([{ kind: "protocol", protocol: PROTO_IPIP, negate: false }], DROP, "Drop IPinIP encapped packets originating in workloads"),
  ];
}

/**
 * The two rules that call one policy (jump to its chain, return if it accepted), shared by
 * every endpoint chain that calls it: an IR is immutable, and hundreds of endpoints calling
 * hundreds of policies would otherwise build a rule pair each.
 */
const policyCalls = new WeakMap<MarkBits, WeakMap<object, Record<PolicyDirection, readonly Rule[] | undefined>>>();

export function policyCall(p: OrderedTier["policies"][number], direction: PolicyDirection, marks: MarkBits): readonly Rule[] {
  let byPolicy = policyCalls.get(marks);
  if (!byPolicy) policyCalls.set(marks, (byPolicy = new WeakMap()));
  let calls = byPolicy.get(p);
  if (!calls) byPolicy.set(p, (calls = { ingress: undefined, egress: undefined }));
  return (calls[direction] ??= [
    rule([markClear(marks.pass)], jump(policyChain(direction, p.id))),
    rule([markSet(marks.accept)], RETURN, "Return if policy accepted"),
  ]);
}

/**
 * The conntrack rules at the top of a tracked endpoint chain: established flows get the chain's
 * allow action, and when that is RETURN the accept mark first, so the caller sees the verdict
 * (felix/rules/endpoints.go `appendConntrackRules`); invalid packets are dropped.
 */
export function conntrackRules(marks: MarkBits, allow: Action): Rule[] {
  return [
    ...(allow.kind === "accept" ? [] : [rule([ctstate("RELATED", "ESTABLISHED")], setBits(marks.accept))]),
    rule([ctstate("RELATED", "ESTABLISHED")], allow),
    rule([ctstate("INVALID")], DROP),
  ];
}

/**
 * The chain of one endpoint in one direction. `tiers` holds only the policies that apply to this
 * endpoint in this direction (tiers without any are left out, as Felix does).
 */
export function endpointChain(
  iface: string,
  direction: PolicyDirection,
  tiers: readonly OrderedTier[],
  profiles: readonly string[],
  marks: MarkBits,
  allow: Action = ACCEPT,
  vxlanPort: number = FELIX_DEFAULTS.vxlanPort,
): Chain {
  const rules: Rule[] = [
    ...conntrackRules(marks, allow),
    rule([], clearBits(marks.accept | marks.pass)),
    ...(direction === "egress" ? workloadEncapDrops(vxlanPort) : []),
  ];
  for (const { tier, policies } of tiers) {
    if (policies.length === 0) continue;
    rules.push(rule([], clearBits(marks.pass), `Start of tier ${tier.name}`));
    for (const p of policies) rules.push(...policyCall(p, direction, marks));
    if (tier.defaultAction !== "Pass") {
      rules.push(rule([markClear(marks.pass)], DROP, `End of tier ${tier.name}. Drop if no policies passed packet`));
    }
  }
  for (const name of profiles) {
    rules.push(rule([], jump(profileChain(direction, name))));
    rules.push(rule([markSet(marks.accept)], RETURN, "Return if profile accepted"));
  }
  rules.push(rule([], DROP, "Drop if no profiles matched"));
  return { name: direction === "ingress" ? toWorkloadChain(iface) : fromWorkloadChain(iface), rules };
}
