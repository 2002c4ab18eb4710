/** Pass: every `ports` match's ranges sorted and merged (overlapping or adjacent ranges joined). */
import type { Ir } from "../ir/types.js";
import { flatMapRules } from "./irMap.js";
import { mergeRanges } from "./portRanges.js";

export function mergePortRanges(ir: Ir): Ir {
  return flatMapRules(ir, (r) => [{ ...r, matches: r.matches.map((m) => (m.kind === "ports" ? { ...m, ranges: mergeRanges(m.ranges) } : m)) }]);
}
