/**
 * `isolatingPolicies`: the policies that apply to an endpoint in one direction, in the order the
 * evaluator meets them (tiers in order, then each tier's policies). Any one of them isolates the
 * endpoint in that direction: a tier with one takes part in the verdict, and a flow no rule of the
 * tier decides meets the tier's end (`evaluateDirection`). With none, the endpoint's profiles
 * decide alone. `explain` names them when a direction denies.
 */
import { hasBit } from "./bits.js";
import type { Prepared, PreparedPolicy } from "./types.js";

export function isolatingPolicies(prepared: Prepared, endpointId: string, direction: "ingress" | "egress"): readonly PreparedPolicy[] {
  const index = prepared.memberIndexById.get(endpointId);
  if (index === undefined) return [];
  const type = direction === "ingress" ? "Ingress" : "Egress";
  return prepared.tiers.flatMap((tier) => tier.policies.filter((p) => hasBit(p.selects, index) && p.types.includes(type)));
}
