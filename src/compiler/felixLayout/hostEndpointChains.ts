/**
 * A host endpoint's chains (felix/rules/endpoints.go `HostEndpointToFilterChains`,
 * `HostEndpointToRawChains`, `HostEndpointToMangleIngressChains`, and `endpointIptablesChain`
 * for the rule order): `cali-fh-`/`cali-th-` for traffic from/to the host itself,
 * `cali-fhfw-`/`cali-thfw-` for traffic forwarded through the interface, and the same `cali-fh-`
 * and `cali-th-` names in raw (untracked policy) and mangle (preDNAT policy).
 *
 * Direction as Felix names it: traffic from the endpoint (into the host) is ingress and uses the
 * policies' `cali-pi-` chains; traffic to the endpoint (out of the host) is egress, `cali-po-`.
 */
import type { Action, Chain, MarkBits, Rule } from "../ir/types.js";
import { clearBits, DROP, jump, markClear, markSet, RETURN, rule, setBits } from "../ir/build.js";
import type { OrderedTier } from "../policies.js";
import { profileChain } from "./chainNames.js";
import { conntrackRules, policyCall, type PolicyDirection } from "./endpointChains.js";

/** Felix's `endpointChainType`: which table and traffic the chain is for. */
export type HostChainType = "normal" | "forward" | "untracked" | "preDNAT";

export interface HostChainOptions {
  readonly type: HostChainType;
  /** What an established flow gets (the table's allow action; untracked chains have no conntrack rules). */
  readonly allow: Action;
  /** The failsafe chain jumped to before policy (none for forwarded traffic). */
  readonly failsafe?: string;
  /**
   * Whether the endpoint has any tier of this chain type, in either direction: a forward chain
   * with none accepts (Felix's "Allow forwarded traffic by default").
   */
  readonly anyTiers: boolean;
}

/** The NOTRACK action of untracked chains. */
const NOTRACK: Action = { kind: "notrack" };

export function hostEndpointChain(
  name: string,
  direction: PolicyDirection,
  tiers: readonly OrderedTier[],
  profiles: readonly string[],
  marks: MarkBits,
  options: HostChainOptions,
): Chain {
  const { type } = options;
  const rules: Rule[] = [];
  if (type !== "untracked") rules.push(...conntrackRules(marks, options.allow));
  if (options.failsafe !== undefined) rules.push(rule([], jump(options.failsafe)));
  rules.push(rule([], clearBits(marks.accept | marks.pass)));
  for (const { tier, policies } of tiers) {
    if (policies.length === 0) continue;
    rules.push(rule([], clearBits(marks.pass), `Start of tier ${tier.name}`));
    for (const p of policies) {
      const [call, returnIfAccepted] = policyCall(p, direction, marks);
      rules.push(call!);
      if (type === "untracked") rules.push(rule([markSet(marks.accept)], NOTRACK));
      rules.push(returnIfAccepted!);
    }
    if ((type === "normal" || type === "forward") && tier.defaultAction !== "Pass") {
      rules.push(rule([markClear(marks.pass)], DROP, `End of tier ${tier.name}. Drop if no policies passed packet`));
    }
  }
  if (type === "forward" && !options.anyTiers) {
    rules.push(rule([], setBits(marks.accept), "Allow forwarded traffic by default"));
    rules.push(rule([], RETURN, "Return for accepted forward traffic"));
  }
  if (type === "normal") {
    for (const profile of profiles) {
      rules.push(rule([], jump(profileChain(direction, profile))));
      rules.push(rule([markSet(marks.accept)], RETURN, "Return if profile accepted"));
    }
    rules.push(rule([], DROP, "Drop if no profiles matched"));
  }
  return { name, rules };
}
