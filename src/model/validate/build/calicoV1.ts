/**
 * Builders for the legacy calicoctl v1 kinds (the Docker CNM model): rules are normalized into the
 * v3 shape; tags are kept as written (a profile's implicit tag, its own name, is the compiler's).
 */
import type { z } from "zod";
import type { Metadata, NamedPort, V1HostEndpoint, V1IPPool, V1Policy, V1Profile, V1WorkloadEndpoint } from "../../types.js";
import type * as s from "../schemas/calicoV1.js";
import { buildAddresses, buildCidr, buildEndpointNets, buildSelector, type BuildContext } from "./context.js";
import { defaultTypes } from "./calicoV3.js";
import { buildV1Rules } from "./rule.js";

type In<T extends z.ZodType> = z.output<T>;

function meta(name: string, labels: Readonly<Record<string, string>> | undefined, annotations?: Readonly<Record<string, string>>): Metadata {
  return { name, labels: { ...(labels ?? {}) }, annotations: { ...(annotations ?? {}) } };
}

function ports(list: readonly { name: string; protocol: string; port: number }[] | undefined): NamedPort[] {
  return (list ?? []).map((p) => ({ name: p.name, protocol: p.protocol.toUpperCase() as NamedPort["protocol"], port: p.port }));
}

export function buildV1Profile(ctx: BuildContext, input: In<typeof s.v1ProfileSchema>): V1Profile {
  const spec = input.spec ?? {};
  return {
    kind: "V1Profile",
    metadata: meta(input.metadata.name, input.metadata.labels),
    origin: ctx.origin,
    tags: [...(input.metadata.tags ?? [])],
    ingress: buildV1Rules(ctx, spec.ingress, "spec.ingress"),
    egress: buildV1Rules(ctx, spec.egress, "spec.egress"),
  };
}

export function buildV1Policy(ctx: BuildContext, input: In<typeof s.v1PolicySchema>): V1Policy {
  const spec = input.spec ?? {};
  const ingress = buildV1Rules(ctx, spec.ingress, "spec.ingress");
  const egress = buildV1Rules(ctx, spec.egress, "spec.egress");
  return {
    kind: "V1Policy",
    metadata: meta(input.metadata.name, undefined, input.metadata.annotations),
    origin: ctx.origin,
    tier: input.metadata.tier !== undefined && input.metadata.tier !== "" ? input.metadata.tier : "default",
    ...(spec.order !== undefined ? { order: spec.order } : {}),
    selector: buildSelector(ctx, spec.selector ?? "", "spec.selector", "v1") ?? { text: "", ast: { kind: "all" } },
    types: spec.types ? spec.types.map((t) => (t === "ingress" ? "Ingress" : "Egress")) : defaultTypes(ingress, egress),
    ingress,
    egress,
    doNotTrack: spec.doNotTrack ?? false,
    preDNAT: spec.preDNAT ?? false,
    applyOnForward: spec.applyOnForward ?? false,
  };
}

export function buildV1WorkloadEndpoint(ctx: BuildContext, input: In<typeof s.v1WorkloadEndpointSchema>): V1WorkloadEndpoint {
  const m = input.metadata;
  return {
    kind: "V1WorkloadEndpoint",
    metadata: meta(m.name, m.labels),
    origin: ctx.origin,
    node: m.node,
    ...(m.orchestrator !== undefined ? { orchestrator: m.orchestrator } : {}),
    ...(m.workload !== undefined ? { workload: m.workload } : {}),
    interfaceName: input.spec.interfaceName,
    ipNetworks: buildEndpointNets(ctx, input.spec.ipNetworks, "spec.ipNetworks"),
    profiles: [...(input.spec.profiles ?? [])],
    ports: ports(input.spec.ports),
  };
}

export function buildV1HostEndpoint(ctx: BuildContext, input: In<typeof s.v1HostEndpointSchema>): V1HostEndpoint {
  const spec = input.spec;
  return {
    kind: "V1HostEndpoint",
    metadata: meta(input.metadata.name, input.metadata.labels),
    origin: ctx.origin,
    node: input.metadata.node,
    ...(spec.interfaceName !== undefined && spec.interfaceName !== "" ? { interfaceName: spec.interfaceName } : {}),
    expectedIPs: buildAddresses(ctx, spec.expectedIPs, "spec.expectedIPs"),
    profiles: [...(spec.profiles ?? [])],
    ports: ports(spec.ports),
  };
}

/** A v1 pool is identified by its CIDR, which also serves as its name (the libnetwork pool ID). */
export function buildV1IpPool(ctx: BuildContext, input: In<typeof s.v1IpPoolSchema>): V1IPPool | undefined {
  const cidr = buildCidr(ctx, input.metadata.cidr, "metadata.cidr");
  if (cidr === undefined) return undefined;
  const spec = input.spec ?? {};
  return {
    kind: "V1IPPool",
    metadata: meta(cidr, undefined),
    origin: ctx.origin,
    cidr,
    ipip: spec.ipip?.enabled ?? false,
    natOutgoing: spec["nat-outgoing"] ?? false,
    disabled: spec.disabled ?? false,
  };
}
