/** Pass: every `ports` match's ranges sorted and merged (overlapping or adjacent ranges joined). */
import type { Ir, Rule } from "../ir/types.js";
import { flatMapRules, mapMatches } from "./irMap.js";
import { mergeRanges } from "./portRanges.js";

/** The rule with its port lists merged (the rule itself when none changes). */
export function mergeRulePortRanges(rule: Rule): Rule {
  return mapMatches(rule, (m) => {
    if (m.kind !== "ports") return m;
    const ranges = mergeRanges(m.ranges);
    const same = ranges.length === m.ranges.length && ranges.every((x, i) => x.first === m.ranges[i]!.first && x.last === m.ranges[i]!.last);
    return same ? m : { ...m, ranges };
  });
}

export function mergePortRanges(ir: Ir): Ir {
  return flatMapRules(ir, (r) => [mergeRulePortRanges(r)]);
}
