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
import { parseCidr } from "../cidr.js";
import { buildAddresses, buildCidrs, buildEndpointNets, buildSelector, reportError, type BuildContext } from "./context.js";
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
    allowSpoofedSourcePrefixes: buildCidrs(ctx, spec.allowSpoofedSourcePrefixes, "spec.allowSpoofedSourcePrefixes"),
  };
}

/**
 * An IPPool, checked as Calico checks it (libcalico-go/lib/validator/v3/validator.go,
 * `validateIPPoolSpec`, and the CEL rules on api/pkg/apis/projectcalico/v3/ippool.go): the CIDR
 * must be a network address (host bits are an error here, not masked), `blockSize` is 0 (the
 * default) or 20-32 for IPv4 and 116-128 for IPv6, and an enabled pool is at least one block.
 */
export function buildIpPool(ctx: BuildContext, input: In<typeof s.ipPoolSchema>): IPPool | undefined {
  const spec = input.spec;
  const parsed = parseCidr(spec.cidr);
  if (!parsed.ok) {
    reportError(ctx, "invalid-cidr", parsed.reason, "spec.cidr");
    return undefined;
  }
  if (parsed.hostBits) {
    reportError(ctx, "cidr-host-bits", `the pool CIDR "${spec.cidr}" has host bits set; Calico requires the network address (${parsed.canonical})`, "spec.cidr");
    return undefined;
  }
  const cidr = parsed.canonical;
  const [lo, hi, defaultBlock] = parsed.family === 4 ? [20, 32, 26] : [116, 128, 122];
  const blockSize = spec.blockSize ?? 0;
  if (blockSize !== 0 && (blockSize < lo || blockSize > hi)) {
    reportError(ctx, "invalid-value", `blockSize must be between ${lo} and ${hi} for an IPv${parsed.family} pool`, "spec.blockSize");
  } else if (!(spec.disabled ?? false) && parsed.prefix > (blockSize || defaultBlock)) {
    const what = blockSize ? `its blockSize ${blockSize}` : `the default block size /${defaultBlock}`;
    reportError(ctx, "invalid-value", `the pool /${parsed.prefix} is smaller than ${what}; Calico requires at least one block`, "spec.cidr");
  }
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
