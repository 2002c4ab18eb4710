import type { Family, PreparedMember } from "./types.js";

/**
 * Whether a member is a workload endpoint of `family` for the matrix, the classes and the diff:
 * one with an address of the family, or a workload from its manifest, which has no address and
 * takes part in either family (its pods would get an address of each family the cluster runs).
 */
export function isEndpointOf(m: PreparedMember, family: Family): boolean {
  if (!m.workload) return false;
  if (m.kind === "Workload") return true;
  // A loop, not `some` with a closure: called for every member (on L, 250,000) by each user.
  for (const c of m.nets) if (c.family === family) return true;
  return false;
}
