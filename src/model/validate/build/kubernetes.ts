/**
 * Builders for the Kubernetes kinds.
 */
import type {
  ContainerPort,
  EndpointSlice,
  K8sNetworkPolicy,
  K8sPeer,
  K8sPolicyRule,
  LabelSelector,
  Metadata,
  Namespace,
  OwnerRef,
  Pod,
  PolicyType,
  ServiceAccount,
  Workload,
  WorkloadKind,
} from "../../types.js";
import type { z } from "zod";
import type { objectMeta } from "../schemas/common.js";
import type { CronJobInput, EndpointSliceInput, K8sNetworkPolicyInput, LabelSelectorInput, PodInput, PodTemplateInput, WorkloadInput } from "../schemas/kubernetes.js";
import { isFinishedPod, K8S_NAMESPACE_NAME_LABEL } from "../../../calico/index.js";
import { canonicalAddress, parseCidr } from "../cidr.js";
import { at, buildCidr, reportError, reportWarning, type BuildContext } from "./context.js";

type MetaInput = z.output<typeof objectMeta>;

/** Model metadata; namespaced kinds default to the `default` namespace as kubectl does. */
export function buildMetadata(m: MetaInput, namespaced: boolean): Metadata {
  const labels = { ...(m.labels ?? {}) };
  const annotations = { ...(m.annotations ?? {}) };
  return namespaced ? { name: m.name, namespace: m.namespace ?? "default", labels, annotations } : { name: m.name, labels, annotations };
}

/**
 * A Namespace as the API server stores it: with the label `kubernetes.io/metadata.name` set to its
 * name, whatever the input says (kubernetes pkg/registry/core/namespace/strategy.go). A GitOps
 * repository's Namespace objects lack it; selectors that the Kubernetes docs recommend (DNS
 * egress to `kubernetes.io/metadata.name: kube-system`) depend on it.
 */
export function buildNamespace(ctx: BuildContext, input: { metadata: MetaInput }): Namespace {
  const metadata = buildMetadata(input.metadata, false);
  return {
    kind: "Namespace",
    metadata: { ...metadata, labels: { ...metadata.labels, [K8S_NAMESPACE_NAME_LABEL]: metadata.name } },
    origin: ctx.origin,
  };
}

export function buildServiceAccount(ctx: BuildContext, input: { metadata: MetaInput }): ServiceAccount {
  return { kind: "ServiceAccount", metadata: buildMetadata(input.metadata, true), origin: ctx.origin };
}

/**
 * A Pod. Written without object spreads, with one object literal per shape: this runs for every
 * pod of a cluster, and spreading optional fields costs more than the rest of it.
 */
export function buildPod(ctx: BuildContext, input: PodInput): Pod {
  const spec = input.spec ?? {};
  const ports = containerPorts(spec.containers);
  const metadata = buildMetadata(input.metadata, true);
  // `serviceAccount` is the deprecated spelling Kubernetes still honours.
  const serviceAccountName = spec.serviceAccountName ?? spec.serviceAccount ?? "default";
  const hostNetwork = spec.hostNetwork ?? false;
  const ips = podIps(ctx, input);
  const phase = input.status?.phase;
  const deleting = input.metadata.deletionTimestamp !== undefined;
  const annotations = input.metadata.annotations ?? {};
  const finished = isFinishedPod(phase !== undefined ? { phase, deleting, annotations } : { deleting, annotations });
  const origin = ctx.origin;
  const pod: { -readonly [K in keyof Pod]: Pod[K] } =
    spec.nodeName !== undefined
      ? { kind: "Pod", metadata, origin, nodeName: spec.nodeName, serviceAccountName, hostNetwork, ports, ips, finished }
      : { kind: "Pod", metadata, origin, serviceAccountName, hostNetwork, ports, ips, finished };
  // Set after the literal (not spread into it): most pods of an export have an owner.
  const owner = controllerOf(input.metadata.ownerReferences);
  if (owner) pod.owner = owner;
  return pod;
}

interface ContainerInput {
  readonly ports?: readonly { readonly name?: string | undefined; readonly containerPort: number; readonly protocol?: "TCP" | "UDP" | "SCTP" | undefined }[] | undefined;
}

/** Every container's ports, in container order; the protocol defaults to TCP. */
function containerPorts(containers: readonly ContainerInput[] | undefined): ContainerPort[] {
  const ports: ContainerPort[] = [];
  for (const c of containers ?? []) {
    for (const p of c.ports ?? []) {
      const protocol = p.protocol ?? "TCP";
      ports.push(p.name !== undefined ? { name: p.name, containerPort: p.containerPort, protocol } : { containerPort: p.containerPort, protocol });
    }
  }
  return ports;
}

/**
 * The owner reference with `controller: true` (at most one; the API server enforces it), read
 * leniently: `ownerReferences` is the API server's field, accepted as written; an entry without a
 * string kind and name is not one policyc can follow and is passed over.
 */
function controllerOf(refs: unknown): OwnerRef | undefined {
  if (!Array.isArray(refs)) return undefined;
  for (const r of refs as unknown[]) {
    if (typeof r !== "object" || r === null) continue;
    const { kind, name, controller } = r as Record<string, unknown>;
    if (controller === true && typeof kind === "string" && typeof name === "string") return { kind, name };
  }
  return undefined;
}

/**
 * A workload: its pod template's labels, service account, host network and container ports
 * (`spec.template`, a CronJob's `spec.jobTemplate.spec.template`). The namespace defaults as a
 * Pod's does. Without a template (the API server requires one) it is no endpoint, with a warning.
 */
export function buildWorkload(workloadKind: WorkloadKind) {
  return (ctx: BuildContext, input: WorkloadInput | CronJobInput): Workload => {
    const cron = workloadKind === "CronJob";
    const template: PodTemplateInput | undefined = cron ? (input as CronJobInput).spec?.jobTemplate?.spec?.template : (input as WorkloadInput).spec?.template;
    const templatePath = cron ? "spec.jobTemplate.spec.template" : "spec.template";
    const metadata = buildMetadata(input.metadata, true);
    const owner = controllerOf(input.metadata.ownerReferences);
    const base = { kind: "Workload" as const, workloadKind, metadata, origin: ctx.origin, ...(owner ? { owner } : {}) };
    if (!template) {
      reportWarning(ctx, "missing-field", `${workloadKind} ${metadata.namespace}/${metadata.name} has no pod template (${templatePath}): it is no endpoint for explain, matrix, diff or verify`, "spec");
      return { ...base, podLabels: {}, serviceAccountName: "default", hostNetwork: false, ports: [] };
    }
    const spec = template.spec ?? {};
    return {
      ...base,
      templatePath,
      podLabels: { ...(template.metadata?.labels ?? {}) },
      // `serviceAccount` is the deprecated spelling Kubernetes still honours (as for Pods).
      serviceAccountName: spec.serviceAccountName ?? spec.serviceAccount ?? "default",
      hostNetwork: spec.hostNetwork ?? false,
      ports: containerPorts(spec.containers),
    };
  };
}

/**
 * An EndpointSlice, as Felix's service index reads it (felix/serviceindex/serviceindex.go): the
 * service is the `kubernetes.io/service-name` label, every endpoint's addresses count (whatever
 * its conditions), and addresses that are not IPs (FQDN slices) are skipped.
 */
export function buildEndpointSlice(ctx: BuildContext, input: EndpointSliceInput): EndpointSlice {
  const metadata = buildMetadata(input.metadata, true);
  const addresses: string[] = [];
  for (const e of input.endpoints ?? []) {
    for (const a of e.addresses) {
      const c = canonicalAddress(a);
      if (c) addresses.push(c.text);
    }
  }
  return {
    kind: "EndpointSlice",
    metadata,
    origin: ctx.origin,
    service: metadata.labels["kubernetes.io/service-name"] ?? "",
    addresses,
    ports: (input.ports ?? []).map((p) => ({ ...(p.port !== undefined ? { port: p.port } : {}), protocol: p.protocol ?? "TCP" })),
  };
}

function podIps(ctx: BuildContext, input: PodInput): string[] {
  const status = input.status;
  if (!status) return [];
  const out: string[] = [];
  // Each address's path is written only for a diagnostic (this runs for every pod).
  const podIPs = status.podIPs;
  if (podIPs) {
    for (let i = 0; i < podIPs.length; i++) {
      const ip = podIPs[i]!.ip;
      const a = canonicalAddress(ip);
      if (a) out.push(a.text);
      else reportError(ctx, "invalid-cidr", `"${ip}" is not a valid IP address`, `status.podIPs.${i}.ip`);
    }
  } else if (status.podIP !== undefined && status.podIP !== "") {
    const a = canonicalAddress(status.podIP);
    if (a) out.push(a.text);
    else reportError(ctx, "invalid-cidr", `"${status.podIP}" is not a valid IP address`, "status.podIP");
  }
  return out;
}

export function buildK8sNetworkPolicy(ctx: BuildContext, input: K8sNetworkPolicyInput): K8sNetworkPolicy {
  const spec = input.spec;
  const ingress = (spec.ingress ?? []).map((r, i) =>
    buildK8sRule(ctx, r.from, r.ports, at("spec.ingress", i), "from"),
  );
  const egress = (spec.egress ?? []).map((r, i) => buildK8sRule(ctx, r.to, r.ports, at("spec.egress", i), "to"));
  // Kubernetes defaults an empty policyTypes (absent, null or []) to Ingress, plus Egress when the
  // policy has egress rules (pkg/apis/networking/v1/defaults.go, SetDefaults_NetworkPolicySpec).
  const defaultTypes: PolicyType[] = egress.length > 0 ? ["Ingress", "Egress"] : ["Ingress"];
  return {
    kind: "K8sNetworkPolicy",
    metadata: buildMetadata(input.metadata, true),
    origin: ctx.origin,
    podSelector: toLabelSelector(spec.podSelector),
    policyTypes: spec.policyTypes && spec.policyTypes.length > 0 ? [...spec.policyTypes] : defaultTypes,
    ingress,
    egress,
  };
}

type PeerInput = NonNullable<NonNullable<K8sNetworkPolicyInput["spec"]["ingress"]>[number]["from"]>[number];
type PortInput = NonNullable<NonNullable<K8sNetworkPolicyInput["spec"]["ingress"]>[number]["ports"]>[number];

function buildK8sRule(
  ctx: BuildContext,
  peers: readonly PeerInput[] | undefined,
  ports: readonly PortInput[] | undefined,
  path: string,
  peerKey: "from" | "to",
): K8sPolicyRule {
  return {
    peers: (peers ?? []).map((p, i) => buildPeer(ctx, p, at(path, peerKey, i))),
    ports: (ports ?? []).map((p) => ({
      protocol: p.protocol ?? "TCP",
      // A quoted "80" is a (bad) port name to Kubernetes, so strings stay strings.
      ...(p.port !== undefined ? { port: p.port } : {}),
      ...(p.endPort !== undefined ? { endPort: p.endPort } : {}),
    })),
    path,
  };
}

function buildPeer(ctx: BuildContext, p: PeerInput, path: string): K8sPeer {
  let ipBlock: K8sPeer["ipBlock"];
  if (p.ipBlock) {
    // The API server parses ipBlock.cidr and except with ParseCIDR, which needs a prefix length
    // (kubernetes pkg/apis/networking/validation/validation.go, ValidateIPBlock).
    [p.ipBlock.cidr, ...(p.ipBlock.except ?? [])].forEach((c, i) => {
      const parsed = parseCidr(c);
      if (!parsed.ok || c.includes("/")) return;
      const where = i === 0 ? at(path, "ipBlock.cidr") : at(path, "ipBlock.except", i - 1);
      reportError(ctx, "invalid-cidr", `an ipBlock CIDR needs a prefix length: write ${c}/${parsed.family === 4 ? 32 : 128} for one address`, where);
    });
    const cidr = buildCidr(ctx, p.ipBlock.cidr, at(path, "ipBlock.cidr"));
    const except = (p.ipBlock.except ?? []).map((e, i) => buildCidr(ctx, e, at(path, "ipBlock.except", i)));
    if (cidr !== undefined) ipBlock = { cidr, except: except.filter((e): e is string => e !== undefined) };
  }
  return {
    ...(p.podSelector ? { podSelector: toLabelSelector(p.podSelector) } : {}),
    ...(p.namespaceSelector ? { namespaceSelector: toLabelSelector(p.namespaceSelector) } : {}),
    ...(ipBlock ? { ipBlock } : {}),
    path,
  };
}

export function toLabelSelector(s: LabelSelectorInput): LabelSelector {
  return {
    matchLabels: { ...(s.matchLabels ?? {}) },
    matchExpressions: (s.matchExpressions ?? []).map((e) => ({ key: e.key, operator: e.operator, values: [...(e.values ?? [])] })),
  };
}
