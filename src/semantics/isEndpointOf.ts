import type { Family, PreparedMember } from "./types.js";

/**
 * Whether a member is a workload endpoint of `family` for the matrix, the classes and the diff:
 * one with an address of the family, or a workload from its manifest, which has no address and
 * takes part in either family (its pods would get an address of each family the cluster runs).
 */
export function isEndpointOf(m: PreparedMember, family: Family): boolean {
  return m.workload && (m.kind === "Workload" || m.nets.some((c) => c.family === family));
}
