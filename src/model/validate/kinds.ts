/**
 * Which documents policyc compiles: (apiVersion, kind) to a schema and a builder.
 *
 * Kubernetes core kinds and calicoctl's legacy kinds share `apiVersion: v1`; they are told apart by
 * case (Kubernetes kinds are capitalized, calicoctl v1 kinds are lower camel case).
 */
import type { z } from "zod";
import type { Resource } from "../types.js";
import type { BuildContext } from "./build/context.js";
import * as k8s from "./build/kubernetes.js";
import * as v3 from "./build/calicoV3.js";
import * as v1 from "./build/calicoV1.js";
import * as ks from "./schemas/kubernetes.js";
import * as s3 from "./schemas/calicoV3.js";
import * as s1 from "./schemas/calicoV1.js";

/** How to validate and build one kind. */
export interface KindHandler {
  readonly schema: z.ZodType;
  readonly build: (ctx: BuildContext, data: unknown) => Resource | undefined;
}

function handler<S extends z.ZodType>(schema: S, build: (ctx: BuildContext, data: z.output<S>) => Resource | undefined): KindHandler {
  return { schema, build: (ctx, data) => build(ctx, data as z.output<S>) };
}

const calico = "projectcalico.org/v3";

const handlers: Readonly<Record<string, KindHandler>> = {
  "v1/Namespace": handler(ks.namespaceSchema, k8s.buildNamespace),
  "v1/Pod": handler(ks.podSchema, k8s.buildPod),
  "v1/ServiceAccount": handler(ks.serviceAccountSchema, k8s.buildServiceAccount),
  "networking.k8s.io/v1/NetworkPolicy": handler(ks.k8sNetworkPolicySchema, k8s.buildK8sNetworkPolicy),
  [`${calico}/NetworkPolicy`]: handler(s3.networkPolicySchema, v3.buildNetworkPolicy),
  [`${calico}/GlobalNetworkPolicy`]: handler(s3.globalNetworkPolicySchema, v3.buildGlobalNetworkPolicy),
  [`${calico}/Tier`]: handler(s3.tierSchema, v3.buildTier),
  [`${calico}/Profile`]: handler(s3.profileSchema, v3.buildProfile),
  [`${calico}/NetworkSet`]: handler(s3.networkSetSchema, v3.buildNetworkSet),
  [`${calico}/GlobalNetworkSet`]: handler(s3.globalNetworkSetSchema, v3.buildGlobalNetworkSet),
  [`${calico}/HostEndpoint`]: handler(s3.hostEndpointSchema, v3.buildHostEndpoint),
  [`${calico}/WorkloadEndpoint`]: handler(s3.workloadEndpointSchema, v3.buildWorkloadEndpoint),
  [`${calico}/IPPool`]: handler(s3.ipPoolSchema, v3.buildIpPool),
  "v1/profile": handler(s1.v1ProfileSchema, v1.buildV1Profile),
  "v1/policy": handler(s1.v1PolicySchema, v1.buildV1Policy),
  "v1/workloadEndpoint": handler(s1.v1WorkloadEndpointSchema, v1.buildV1WorkloadEndpoint),
  "v1/hostEndpoint": handler(s1.v1HostEndpointSchema, v1.buildV1HostEndpoint),
  "v1/ipPool": handler(s1.v1IpPoolSchema, v1.buildV1IpPool),
};

/** The handler for a document's apiVersion and kind, or undefined for kinds policyc ignores. */
export function kindHandler(apiVersion: string, kind: string): KindHandler | undefined {
  return Object.hasOwn(handlers, `${apiVersion}/${kind}`) ? handlers[`${apiVersion}/${kind}`] : undefined;
}
