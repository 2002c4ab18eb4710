/**
 * selector-global: `global()` is allowed only as the whole expression of an EntityRule's
 * `namespaceSelector` (validator.go); everywhere else it is an error.
 */
import { error } from "../../../diagnostics/diagnostic.js";
import { spanOf, type Resource, type Selector, type SelectorField } from "../../types.js";
import { rulesOf, sidesOf } from "./ruleHelpers.js";
import type { ResourceRule } from "./types.js";

/** Whether a selector contains `global()` anywhere. */
export function containsGlobal(s: Selector): boolean {
  switch (s.kind) {
    case "global":
      return true;
    case "not":
      return containsGlobal(s.operand);
    case "and":
    case "or":
      return s.operands.some(containsGlobal);
    default:
      return false;
  }
}

/** Every selector field of a resource with its path and whether a bare global() is allowed there. */
function selectorFields(r: Resource): { field: SelectorField | undefined; path: string; bareGlobal: boolean }[] {
  const out: { field: SelectorField | undefined; path: string; bareGlobal: boolean }[] = [];
  if (r.kind === "NetworkPolicy" || r.kind === "GlobalNetworkPolicy") {
    out.push({ field: r.selector, path: "spec.selector", bareGlobal: false });
    out.push({ field: r.serviceAccountSelector, path: "spec.serviceAccountSelector", bareGlobal: false });
  }
  if (r.kind === "GlobalNetworkPolicy") out.push({ field: r.namespaceSelector, path: "spec.namespaceSelector", bareGlobal: false });
  for (const rule of rulesOf(r)) {
    for (const { entity, path } of sidesOf(rule)) {
      out.push({ field: entity.selector, path: `${path}.selector`, bareGlobal: false });
      out.push({ field: entity.notSelector, path: `${path}.notSelector`, bareGlobal: false });
      out.push({ field: entity.namespaceSelector, path: `${path}.namespaceSelector`, bareGlobal: true });
      out.push({ field: entity.serviceAccounts?.selector, path: `${path}.serviceAccounts.selector`, bareGlobal: false });
    }
  }
  return out;
}

export const selectorGlobal: ResourceRule = {
  name: "selectorGlobal",
  check(resource, report) {
    for (const { field, path, bareGlobal } of selectorFields(resource)) {
      if (!field || !containsGlobal(field.ast)) continue;
      if (bareGlobal && field.ast.kind === "global") continue;
      const where = bareGlobal ? "global() must be the whole namespaceSelector" : "global() is only allowed in a rule's namespaceSelector";
      report(error("selector-global", where, spanOf(resource.origin, path)));
    }
  },
};
