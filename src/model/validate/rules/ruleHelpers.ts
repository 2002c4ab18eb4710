/**
 * Helpers shared by the semantic rules.
 */
import type { EntityRule, Resource, Rule } from "../../types.js";

/** The rules of a resource without any (one array for all of them: rules ask every resource). */
const NO_RULES: readonly Rule[] = [];

/** Every Calico rule of a resource (v3 policies and profiles, v1 policies and profiles). */
export function rulesOf(r: Resource): readonly Rule[] {
  switch (r.kind) {
    case "NetworkPolicy":
    case "GlobalNetworkPolicy":
    case "Profile":
    case "V1Profile":
    case "V1Policy":
      return [...r.ingress, ...r.egress];
    default:
      return NO_RULES;
  }
}

/** The two sides of a rule with their paths. */
export function sidesOf(rule: Rule): readonly { readonly entity: EntityRule; readonly path: string }[] {
  return [
    { entity: rule.source, path: `${rule.path}.source` },
    { entity: rule.destination, path: `${rule.path}.destination` },
  ];
}

export { keySpanOf } from "../../types.js";

/** Whether the resource came from a calicoctl v1 document. */
export function isV1(r: Resource): boolean {
  return r.kind.startsWith("V1");
}
