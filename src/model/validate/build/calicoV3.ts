/**
 * Builders for the Calico projectcalico.org/v3 kinds.
 */
import type { z } from "zod";
import type {
  CalicoNetworkPolicy,
  GlobalNetworkPolicy,
  GlobalNetworkSet,
  HostEndpoint,
  IPPool,
  NetworkSet,
  PolicyType,
  Profile,
  Rule,
  Tier,
  WorkloadEndpoint,
} from "../../types.js";
import type * as s from "../schemas/calicoV3.js";
import { buildAddresses, buildCidr, buildCidrs, buildEndpointNets, buildSelector, type BuildContext } from "./context.js";
import { buildMetadata } from "./kubernetes.js";
import { buildRules } from "./rule.js";

type In<T extends z.ZodType> = z.output<T>;

/**
 * Calico's default policy types (api/pkg/defaults): only egress rules → [Egress]; egress and
 * ingress rules → both; otherwise [Ingress].
 */
export function defaultTypes(ingress: readonly Rule[], egress: readonly Rule[]): PolicyType[] {
  if (egress.length === 0) return ["Ingress"];
  return ingress.length === 0 ? ["Egress"] : ["Ingress", "Egress"];
}

function policyCommon(ctx: BuildContext, spec: In<typeof s.networkPolicySchema>["spec"]) {
  const ingress = buildRules(ctx, spec.ingress, "spec.ingress");
  const egress = buildRules(ctx, spec.egress, "spec.egress");
  const serviceAccountSelector = buildSelector(ctx, spec.serviceAccountSelector, "spec.serviceAccountSelector");
  return {
    tier: spec.tier ?? "default",
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    selector: buildSelector(ctx, spec.selector ?? "", "spec.selector") ?? { text: "", ast: { kind: "all" as const } },
    ...(serviceAccountSelector ? { serviceAccountSelector } : {}),
    types: spec.types ? [...spec.types] : defaultTypes(ingress, egress),
    ingress,
    egress,
  };
}

export function buildNetworkPolicy(ctx: BuildContext, input: In<typeof s.networkPolicySchema>): CalicoNetworkPolicy {
  return { kind: "NetworkPolicy", metadata: buildMetadata(input.metadata, true), origin: ctx.origin, ...policyCommon(ctx, input.spec) };
}

export function buildGlobalNetworkPolicy(ctx: BuildContext, input: In<typeof s.globalNetworkPolicySchema>): GlobalNetworkPolicy {
  const spec = input.spec;
  const namespaceSelector = buildSelector(ctx, spec.namespaceSelector, "spec.namespaceSelector");
  return {
    kind: "GlobalNetworkPolicy",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    ...policyCommon(ctx, spec),
    ...(namespaceSelector ? { namespaceSelector } : {}),
    doNotTrack: spec.doNotTrack ?? false,
    preDNAT: spec.preDNAT ?? false,
    applyOnForward: spec.applyOnForward ?? false,
  };
}

export function buildTier(ctx: BuildContext, input: In<typeof s.tierSchema>): Tier {
  const spec = input.spec ?? {};
  return {
    kind: "Tier",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    defaultAction: spec.defaultAction ?? "Deny",
  };
}

export function buildProfile(ctx: BuildContext, input: In<typeof s.profileSchema>): Profile {
  const spec = input.spec ?? {};
  return {
    kind: "Profile",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    labelsToApply: { ...(spec.labelsToApply ?? {}) },
    ingress: buildRules(ctx, spec.ingress, "spec.ingress"),
    egress: buildRules(ctx, spec.egress, "spec.egress"),
  };
}

export function buildNetworkSet(ctx: BuildContext, input: In<typeof s.networkSetSchema>): NetworkSet {
  return {
    kind: "NetworkSet",
    metadata: buildMetadata(input.metadata, true),
    origin: ctx.origin,
    nets: buildCidrs(ctx, input.spec?.nets, "spec.nets"),
  };
}

export function buildGlobalNetworkSet(ctx: BuildContext, input: In<typeof s.globalNetworkSetSchema>): GlobalNetworkSet {
  return {
    kind: "GlobalNetworkSet",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    nets: buildCidrs(ctx, input.spec?.nets, "spec.nets"),
  };
}

export function buildHostEndpoint(ctx: BuildContext, input: In<typeof s.hostEndpointSchema>): HostEndpoint {
  const spec = input.spec;
  return {
    kind: "HostEndpoint",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    node: spec.node,
    ...(spec.interfaceName !== undefined && spec.interfaceName !== "" ? { interfaceName: spec.interfaceName } : {}),
    expectedIPs: buildAddresses(ctx, spec.expectedIPs, "spec.expectedIPs"),
    profiles: [...(spec.profiles ?? [])],
    ports: (spec.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
  };
}

export function buildWorkloadEndpoint(ctx: BuildContext, input: In<typeof s.workloadEndpointSchema>): WorkloadEndpoint {
  const spec = input.spec;
  const optional = {
    ...(spec.orchestrator !== undefined ? { orchestrator: spec.orchestrator } : {}),
    ...(spec.workload !== undefined ? { workload: spec.workload } : {}),
    ...(spec.pod !== undefined ? { pod: spec.pod } : {}),
    ...(spec.endpoint !== undefined ? { endpoint: spec.endpoint } : {}),
    ...(spec.serviceAccountName !== undefined ? { serviceAccountName: spec.serviceAccountName } : {}),
  };
  return {
    kind: "WorkloadEndpoint",
    metadata: buildMetadata(input.metadata, true),
    origin: ctx.origin,
    node: spec.node,
    ...optional,
    interfaceName: spec.interfaceName ?? "",
    ipNetworks: buildEndpointNets(ctx, spec.ipNetworks, "spec.ipNetworks"),
    profiles: [...(spec.profiles ?? [])],
    ports: (spec.ports ?? []).map((p) => ({ name: p.name, protocol: p.protocol, port: p.port })),
  };
}

export function buildIpPool(ctx: BuildContext, input: In<typeof s.ipPoolSchema>): IPPool | undefined {
  const spec = input.spec;
  const cidr = buildCidr(ctx, spec.cidr, "spec.cidr");
  if (cidr === undefined) return undefined;
  return {
    kind: "IPPool",
    metadata: buildMetadata(input.metadata, false),
    origin: ctx.origin,
    cidr,
    ipipMode: spec.ipipMode ?? "Never",
    vxlanMode: spec.vxlanMode ?? "Never",
    natOutgoing: spec.natOutgoing ?? false,
    disabled: spec.disabled ?? false,
  };
}
