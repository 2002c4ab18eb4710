/**
 * What the compiler reads each kind of resource for. The full compile splits the model by it in
 * one pass (`partitionModel`): a pass over hundreds of thousands of resources reads each one
 * from memory, so each stage reads its own part only. The incremental compiler routes changes
 * by it.
 */
import type { Model, ResourceKind } from "../model/types.js";
import { assertNever } from "../diagnostics/assertNever.js";

export type ModelPart = "profiles" | "members" | "policies" | "tiers" | "slices" | "settings" | "hosts" | "audit";

/**
 * The part a kind belongs to: profiles (profiles.ts `definedProfile`), members (endpoints.ts),
 * policies (policies.ts `policyInfo`), tiers, EndpointSlices (serviceSets.ts), Felix's settings
 * (felixSettings.ts), and the host side: IP pools and nodes (hostSide.ts, NAT outgoing and the
 * encapsulation rules). Workloads (Deployments, ...) are for the audit commands only: nothing of
 * the ruleset reads them (compile.ts notes them).
 */
export function modelPart(kind: ResourceKind): ModelPart {
  switch (kind) {
    case "Namespace":
    case "ServiceAccount":
    case "Profile":
    case "V1Profile":
      return "profiles";
    case "Pod":
    case "WorkloadEndpoint":
    case "V1WorkloadEndpoint":
    case "NetworkSet":
    case "GlobalNetworkSet":
    case "HostEndpoint":
    case "V1HostEndpoint":
      return "members";
    case "NetworkPolicy":
    case "GlobalNetworkPolicy":
    case "V1Policy":
    case "K8sNetworkPolicy":
    case "ClusterNetworkPolicy":
      return "policies";
    case "Tier":
      return "tiers";
    case "EndpointSlice":
      return "slices";
    case "FelixConfiguration":
      return "settings";
    case "IPPool":
    case "V1IPPool":
    case "Node":
    case "K8sNode":
      return "hosts";
    case "Workload":
      return "audit";
    default:
      return assertNever(kind, "resource kind");
  }
}

/** The model's resources by part, each part in input order. */
export function partitionModel(model: Model): Readonly<Record<ModelPart, Model>> {
  const parts = { profiles: [], members: [], policies: [], tiers: [], slices: [], settings: [], hosts: [], audit: [] } as Record<ModelPart, Model["resources"][number][]>;
  const { resources } = model;
  for (let i = 0; i < resources.length; i++) {
    const r = resources[i]!;
    parts[modelPart(r.kind)].push(r);
  }
  return { profiles: { resources: parts.profiles }, members: { resources: parts.members }, policies: { resources: parts.policies }, tiers: { resources: parts.tiers }, slices: { resources: parts.slices }, settings: { resources: parts.settings }, hosts: { resources: parts.hosts }, audit: { resources: parts.audit } };
}
