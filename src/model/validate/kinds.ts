/**
 * What policyc does with each (apiVersion, kind): compile it (a schema and a builder), report it
 * as a policy kind it does not enforce, or skip it as a kind that has nothing to do with policy.
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
import { buildCalicoNode, buildK8sNode } from "./build/node.js";
import * as ks from "./schemas/kubernetes.js";
import * as s3 from "./schemas/calicoV3.js";
import * as s1 from "./schemas/calicoV1.js";
import * as cnp from "./build/clusterPolicy.js";
import * as sc from "./schemas/clusterPolicy.js";
import { fromCrdV1 } from "./crdV1.js";
import type { Invariant } from "../invariants.js";
import { INVARIANT_API_VERSION, invariantKinds, type InvariantKind } from "../invariants.js";
import * as inv from "./build/invariant.js";
import * as si from "./schemas/invariant.js";

/**
 * Who decodes the kind in a real cluster, which decides how a number in a string field is read
 * (see `goDecode`): the API server rejects it; calicoctl turns it into a string.
 */
export type Reader = "apiserver" | "calicoctl";

/** How to validate and build one kind. */
export interface KindHandler {
  readonly schema: z.ZodType;
  readonly build: (ctx: BuildContext, data: unknown) => Resource | undefined;
  readonly reader: Reader;
  /** Rewrites the plain document before the schema sees it (crd.projectcalico.org/v1 metadata). */
  readonly prepare?: (plain: unknown) => unknown;
  /** Lives in a namespace (`default` unless it names one, or the run gives another default). */
  readonly namespaced: boolean;
}

/** How to validate and build one invariant kind (model/invariants.ts). */
export interface InvariantHandler {
  readonly schema: z.ZodType;
  readonly build: (ctx: BuildContext, data: unknown) => Invariant | undefined;
}

/** What a document's kind means to policyc. */
export type KindClass =
  | { readonly class: "compiled"; readonly handler: KindHandler }
  /** One of policyc's invariants: validated, kept for `policyc verify`, never compiled. */
  | { readonly class: "invariant"; readonly handler: InvariantHandler }
  /** A Calico staged policy: Felix only reports what it would do (flow logs); nothing is enforced. */
  | { readonly class: "staged" }
  /** A kind that enforces policy in some cluster, which policyc does not compile. */
  | { readonly class: "uncompiled-policy"; readonly why: string }
  /** A Calico kind that shapes the dataplane, which policyc does not read yet. */
  | { readonly class: "unsupported"; readonly why: string }
  /** Anything else (Services, ConfigMaps, CRDs, ...): nothing to do with policy. */
  | { readonly class: "other" };

function handler<S extends z.ZodType>(
  schema: S,
  build: (ctx: BuildContext, data: z.output<S>) => Resource | undefined,
  reader: Reader,
  namespaced = false,
): KindHandler {
  return { schema, build: (ctx, data) => build(ctx, data as z.output<S>), reader, namespaced };
}

const calico = "projectcalico.org/v3";
/** What `kubectl get <kind>.crd.projectcalico.org` returns on clusters without Calico's API server. */
const calicoCrd = "crd.projectcalico.org/v1";

/** Calico's v3 kinds; each is also read as its crd.projectcalico.org/v1 twin (same schema). */
const calicoKinds: Readonly<Record<string, KindHandler>> = {
  NetworkPolicy: handler(s3.networkPolicySchema, v3.buildNetworkPolicy, "calicoctl", true),
  GlobalNetworkPolicy: handler(s3.globalNetworkPolicySchema, v3.buildGlobalNetworkPolicy, "calicoctl"),
  Tier: handler(s3.tierSchema, v3.buildTier, "calicoctl"),
  Profile: handler(s3.profileSchema, v3.buildProfile, "calicoctl"),
  NetworkSet: handler(s3.networkSetSchema, v3.buildNetworkSet, "calicoctl", true),
  GlobalNetworkSet: handler(s3.globalNetworkSetSchema, v3.buildGlobalNetworkSet, "calicoctl"),
  HostEndpoint: handler(s3.hostEndpointSchema, v3.buildHostEndpoint, "calicoctl"),
  WorkloadEndpoint: handler(s3.workloadEndpointSchema, v3.buildWorkloadEndpoint, "calicoctl", true),
  IPPool: handler(s3.ipPoolSchema, v3.buildIpPool, "calicoctl"),
  FelixConfiguration: handler(s3.felixConfigurationSchema, v3.buildFelixConfiguration, "calicoctl"),
};

const handlers: Readonly<Record<string, KindHandler>> = {
  "v1/Namespace": handler(ks.namespaceSchema, k8s.buildNamespace, "apiserver"),
  "v1/Pod": handler(ks.podSchema, k8s.buildPod, "apiserver", true),
  "v1/ServiceAccount": handler(ks.serviceAccountSchema, k8s.buildServiceAccount, "apiserver", true),
  "networking.k8s.io/v1/NetworkPolicy": handler(ks.k8sNetworkPolicySchema, k8s.buildK8sNetworkPolicy, "apiserver", true),
  "policy.networking.k8s.io/v1alpha2/ClusterNetworkPolicy": handler(sc.clusterNetworkPolicySchema, cnp.buildClusterNetworkPolicy, "apiserver"),
  "policy.networking.k8s.io/v1alpha1/AdminNetworkPolicy": handler(sc.adminNetworkPolicySchema, cnp.buildAdminNetworkPolicy, "apiserver"),
  "policy.networking.k8s.io/v1alpha1/BaselineAdminNetworkPolicy": handler(sc.baselineAdminNetworkPolicySchema, cnp.buildBaselineAdminNetworkPolicy, "apiserver"),
  "discovery.k8s.io/v1/EndpointSlice": handler(ks.endpointSliceSchema, k8s.buildEndpointSlice, "apiserver", true),
  "v1/Node": handler(ks.k8sNodeSchema, buildK8sNode, "apiserver"),
  // Workloads: endpoints (without an address) for the audit commands only; compile reads pods.
  "apps/v1/Deployment": handler(ks.workloadSchema, k8s.buildWorkload("Deployment"), "apiserver", true),
  "apps/v1/StatefulSet": handler(ks.workloadSchema, k8s.buildWorkload("StatefulSet"), "apiserver", true),
  "apps/v1/DaemonSet": handler(ks.workloadSchema, k8s.buildWorkload("DaemonSet"), "apiserver", true),
  "apps/v1/ReplicaSet": handler(ks.workloadSchema, k8s.buildWorkload("ReplicaSet"), "apiserver", true),
  "batch/v1/Job": handler(ks.workloadSchema, k8s.buildWorkload("Job"), "apiserver", true),
  "batch/v1/CronJob": handler(ks.cronJobSchema, k8s.buildWorkload("CronJob"), "apiserver", true),
  // Not a custom resource: Calico's API server serves it; the Kubernetes datastore keeps nodes as Kubernetes Nodes.
  [`${calico}/Node`]: handler(s3.nodeSchema, buildCalicoNode, "calicoctl"),
  ...Object.fromEntries(Object.entries(calicoKinds).map(([kind, h]) => [`${calico}/${kind}`, h])),
  ...Object.fromEntries(
    Object.entries(calicoKinds).map(([kind, h]) => [`${calicoCrd}/${kind}`, { ...h, reader: "apiserver" as const, prepare: fromCrdV1 }]),
  ),
  "v1/profile": handler(s1.v1ProfileSchema, v1.buildV1Profile, "calicoctl"),
  "v1/policy": handler(s1.v1PolicySchema, v1.buildV1Policy, "calicoctl"),
  "v1/workloadEndpoint": handler(s1.v1WorkloadEndpointSchema, v1.buildV1WorkloadEndpoint, "calicoctl"),
  "v1/hostEndpoint": handler(s1.v1HostEndpointSchema, v1.buildV1HostEndpoint, "calicoctl"),
  "v1/ipPool": handler(s1.v1IpPoolSchema, v1.buildV1IpPool, "calicoctl"),
};

/**
 * Calico's staged kinds (api/pkg/apis/projectcalico/v3/staged*.go): Felix evaluates them only to
 * report what they would do, never to allow or drop a packet.
 */
const stagedKinds: readonly string[] = ["StagedNetworkPolicy", "StagedGlobalNetworkPolicy", "StagedKubernetesNetworkPolicy"];

/**
 * Kinds that enforce network policy in clusters that run them, which policyc does not compile.
 * Each is an error for `compile` and `apply` (the result would not be what the cluster enforces)
 * and a warning for `lint`. Keyed by API group (apiVersion without the version) and kind.
 */
const uncompiledPolicyKinds: Readonly<Record<string, string>> = {
  // Other versions of the cluster-scoped kinds (the compiled ones are matched above).
  "policy.networking.k8s.io/AdminNetworkPolicy": "only policy.networking.k8s.io/v1alpha1 is compiled",
  "policy.networking.k8s.io/BaselineAdminNetworkPolicy": "only policy.networking.k8s.io/v1alpha1 is compiled",
  "policy.networking.k8s.io/ClusterNetworkPolicy": "only policy.networking.k8s.io/v1alpha2 is compiled",
  "cilium.io/CiliumNetworkPolicy": "Cilium's policy is enforced by Cilium, not by Calico",
  "cilium.io/CiliumClusterwideNetworkPolicy": "Cilium's policy is enforced by Cilium, not by Calico",
  "crd.antrea.io/NetworkPolicy": "Antrea's policy is enforced by Antrea, not by Calico",
  "crd.antrea.io/ClusterNetworkPolicy": "Antrea's policy is enforced by Antrea, not by Calico",
};

/** Calico kinds that change what Felix programs, which policyc does not read yet. */
const unsupportedCalicoKinds: Readonly<Record<string, string>> = {
  // felix/calc/event_sequencer.go passes its service IP ranges to felix/dataplane/linux/service_loop_mgr.go.
  BGPConfiguration:
    "its advertised service IP ranges make Felix drop traffic to them that kube-proxy does not handle (ServiceLoopPrevention, cali-cidr-block), which policyc does not compile",
};

function invariantHandler<S extends z.ZodType>(schema: S, build: (ctx: BuildContext, data: z.output<S>) => Invariant | undefined): InvariantHandler {
  return { schema, build: (ctx, data) => build(ctx, data as z.output<S>) };
}

/** policyc's own kinds (`policyc.dev/v1alpha1`): the invariants `policyc verify` checks. */
const invariantHandlers = {
  IsolationInvariant: invariantHandler(si.isolationInvariantSchema, inv.buildIsolationInvariant),
  NeverReachInvariant: invariantHandler(si.neverReachInvariantSchema, inv.buildNeverReachInvariant),
  OnlyReachInvariant: invariantHandler(si.onlyReachInvariantSchema, inv.buildOnlyReachInvariant),
  DefaultDenyInvariant: invariantHandler(si.defaultDenyInvariantSchema, inv.buildDefaultDenyInvariant),
} as const satisfies Readonly<Record<InvariantKind, InvariantHandler>>;

function isInvariantKind(kind: string): kind is InvariantKind {
  return Object.hasOwn(invariantHandlers, kind);
}

function group(apiVersion: string): string {
  const slash = apiVersion.lastIndexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

/** What to do with a document of this apiVersion and kind. */
export function classifyKind(apiVersion: string, kind: string): KindClass {
  const key = `${apiVersion}/${kind}`;
  if (Object.hasOwn(handlers, key)) return { class: "compiled", handler: handlers[key]! };
  if (apiVersion === INVARIANT_API_VERSION) {
    if (isInvariantKind(kind)) return { class: "invariant", handler: invariantHandlers[kind] };
    return { class: "unsupported", why: `${INVARIANT_API_VERSION} has the kinds ${invariantKinds.join(", ")}` };
  }
  const g = group(apiVersion);
  const calicoGroup = apiVersion === calico || apiVersion === calicoCrd;
  if (calicoGroup && stagedKinds.includes(kind)) return { class: "staged" };
  const policyKey = `${g}/${kind}`;
  if (Object.hasOwn(uncompiledPolicyKinds, policyKey)) return { class: "uncompiled-policy", why: uncompiledPolicyKinds[policyKey]! };
  if (calicoGroup && Object.hasOwn(unsupportedCalicoKinds, kind)) return { class: "unsupported", why: unsupportedCalicoKinds[kind]! };
  return { class: "other" };
}

/** The handler for a document's apiVersion and kind, or undefined for kinds policyc does not compile. */
export function kindHandler(apiVersion: string, kind: string): KindHandler | undefined {
  const c = classifyKind(apiVersion, kind);
  return c.class === "compiled" ? c.handler : undefined;
}

/** Every compiled (apiVersion, kind), for tests that walk the schemas. */
export function compiledKinds(): readonly { readonly apiVersion: string; readonly kind: string; readonly handler: KindHandler }[] {
  return Object.entries(handlers).map(([key, h]) => {
    const cut = key.lastIndexOf("/");
    return { apiVersion: key.slice(0, cut), kind: key.slice(cut + 1), handler: h };
  });
}
