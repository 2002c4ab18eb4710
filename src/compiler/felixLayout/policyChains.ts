/**
 * Policy and profile chains (`cali-pi-`/`cali-po-`, `cali-pri-`/`cali-pro-`): the lowered rules,
 * the trailing return stripped and the identifying comment on the first rule, as Felix does.
 */
import type { Rule as CalicoRule } from "../../model/types.js";
import type { Chain, Rule } from "../ir/types.js";
import { lowerRule } from "../lowerRule.js";
import type { RuleContext } from "../lowerRule.js";

/** Builds a chain from Calico rules. `comment` is `<Kind> <name> ingress|egress`. */
export function ruleChain(name: string, comment: string, rules: readonly CalicoRule[], ctx: RuleContext): Chain {
  const lowered: Rule[] = rules.flatMap((r) => lowerRule(r, ctx));
  // Felix strips return rules left at the end: falling off the chain returns anyway.
  while (lowered.length > 0 && lowered[lowered.length - 1]!.action.kind === "return") lowered.pop();
  if (lowered.length === 0) return { name, rules: [{ matches: [], action: { kind: "none" }, comments: [comment] }] };
  const [first, ...rest] = lowered;
  return { name, rules: [{ ...first!, comments: [comment, ...first!.comments] }, ...rest] };
}
